/**
 * Streaming encoder of NDATA/DDATA payloads for the edge node's publish path: each metric is
 * written straight into a protobuf buffer from its parts, with no Metric or Payload objects.
 *
 * The bytes equal `encodePayload({ timestamp, metrics, seq }, { omitMetricTypes: !withTypes })`
 * for metrics of the shape `{ name?, alias?, timestamp, type, value }` (`value: null` as
 * `isNull`): the same fields in the same order, with the same validation of values against their
 * type.
 */
import { DataType, type MetricValue, type PropertySet } from './types.js';
import { describe, encodeError, isMetricType } from './values.js';
import { encodePropertySet } from './complex-encode.js';
import { withContext, writeBasic, writeBool, writeComplexValue, writeU64 } from './encode.js';
import { writeName } from './name-cache.js';
import { putUintN, Writer } from './writer.js';
import { COLUMN_METRIC_MAX, type MetricColumns, PLAIN_NUMBER, putValue, type ValueRows } from './columns.js';

export { PLAIN_BOOLEAN, PLAIN_NUMBER, type MetricColumns, type ValueRows } from './columns.js';

/** A buffer grown past this by one exceptional message is dropped rather than kept. */
const KEEP_CAPACITY = 1 << 20;

export class DataWriter {
  private w = new Writer(16 * 1024);
  /**
   * The metric timestamp field (tag and varint) last written, as two little-endian words: the
   * metrics of one scan nearly always share one timestamp, so its varint is computed once per
   * message, not once per metric. Only fields of ≤ 8 bytes (timestamps < 2^49) are kept.
   */
  private lastTimestamp = NaN; // equal to no timestamp, valid or not
  private tsLow = 0;
  private tsHigh = 0;
  private tsLength = 0;

  /** `withTypes`: put each metric's datatype on the wire too (as `encodePayload` without `omitMetricTypes`). */
  constructor(private readonly withTypes = false) {}

  /** Starts a payload with its timestamp; discards anything an unfinished payload left. */
  begin(timestamp: number): void {
    if (this.w.buf.length > KEEP_CAPACITY) this.w = new Writer(16 * 1024);
    const w = this.w;
    w.pos = 0;
    w.byte(0x08);
    writeU64(w, timestamp, 'payload timestamp');
  }

  /**
   * Appends one metric. `type` is the DataType number its birth declared (the value is encoded
   * by it; the datatype goes on the wire only `withTypes`), `name` is given only when it goes on
   * the wire, `value` null is sent as is_null. Throws SparkplugEncodeError when the value does not
   * fit, prefixed with `label` (the metric's name, also when only its alias is sent) when given.
   * `properties` (e.g. a Quality) follow is_null and precede the value, as in `encodePayload`.
   * The common shape is written faster by `columns`.
   */
  metric(
    alias: number | undefined,
    name: string | undefined,
    timestamp: number,
    type: number,
    value: MetricValue,
    label?: string,
    properties?: PropertySet,
  ): void {
    try {
      this.anyMetric(alias, name, timestamp, type, value, properties);
    } catch (e: unknown) {
      throw label === undefined ? e : withContext(e, { name: label });
    }
  }

  /**
   * Appends rows `from`.. of `rows` (metrics of `columns`) as long as they have the common shape
   * of a data metric (a plain number or boolean of a scalar datatype that fits it, an alias below
   * 2^14, the timestamp of the metric before, nothing else on the wire). Returns the index of the
   * first row that has not — for `metric` to write — or `to`. One capacity check, and no call
   * for a plain Double: this is the edge's hot loop (the other value fields: columns.ts).
   */
  columns(columns: MetricColumns, rows: ValueRows, from: number, to: number): number {
    if (this.withTypes || from >= to) return from;
    const w = this.w;
    const { aliases, types } = columns;
    const { indices, timestamps, kinds, numbers } = rows;
    w.ensure((to - from) * COLUMN_METRIC_MAX);
    const { buf, view } = w;
    const { lastTimestamp, tsLow, tsHigh, tsLength } = this;
    let pos = w.pos;
    let i = from;
    // Each metric is written past `pos` and kept by moving `pos` only once its value proved to fit.
    // (A call out of this method costs the Doubles ~2 ns a metric: the loop stays here.)
    const doubleShort = 2 + tsLength + 9; // body of a Double with an alias < 2^7
    for (; i < to; i++) {
      const k = indices[i] as number;
      const alias = aliases[k] as number;
      if (timestamps[i] !== lastTimestamp || !(alias >= 0 && alias < 0x4000) || (alias | 0) !== alias) break;
      const plainDouble = types[k] === DataType.Double && kinds[i] === PLAIN_NUMBER;
      buf[pos] = 0x12;
      buf[pos + 2] = 0x10;
      let p: number;
      if (alias < 0x80) {
        buf[pos + 1] = doubleShort;
        buf[pos + 3] = alias;
        p = pos + 4;
      } else {
        buf[pos + 1] = doubleShort + 1;
        buf[pos + 3] = (alias & 127) | 128;
        buf[pos + 4] = alias >>> 7;
        p = pos + 5;
      }
      // Whole words: bytes past a shorter field are overwritten by the value that follows.
      view.setInt32(p, tsLow, true);
      view.setInt32(p + 4, tsHigh, true);
      p += tsLength;
      if (plainDouble) {
        // The commonest shape inline, its length written above; the others in a call, which keeps this loop small.
        buf[p] = 0x69; // double_value (13), fixed64
        view.setFloat64(p + 1, numbers[i] as number, true);
        pos = p + 9;
      } else {
        const end = putValue(buf, view, p, types[k] as number, kinds[i] as number, numbers[i] as number);
        if (end < 0) break;
        buf[pos + 1] = end - pos - 2; // ≤ 22: one length byte
        pos = end;
      }
    }
    w.pos = pos;
    return i;
  }

  private anyMetric(
    alias: number | undefined,
    name: string | undefined,
    timestamp: number,
    type: number,
    value: MetricValue,
    properties: PropertySet | undefined,
  ): void {
    const w = this.w;
    // Tag and a one-byte length placeholder (patched by endLen), then the small fields: name
    // aside, alias + timestamp + datatype + a Double take ≤ 9 + 9 + 2 + 9 bytes: one capacity check.
    w.ensure(3);
    w.buf[w.pos] = 0x12;
    const start = w.pos + 2;
    w.pos = start;
    if (name !== undefined) {
      w.buf[w.pos++] = 0x0a;
      writeName(w, name);
    }
    w.ensure(32);
    const buf = w.buf;
    let pos = w.pos;
    if (alias !== undefined) {
      if (!(alias >= 0 && alias <= Number.MAX_SAFE_INTEGER && Number.isInteger(alias))) {
        encodeError(`metric alias must be a non-negative safe integer, got ${describe(alias)}`);
      }
      buf[pos] = 0x10;
      pos = putUintN(buf, pos + 1, alias);
    }
    if (timestamp === this.lastTimestamp) {
      // Whole words: bytes past a shorter field are overwritten by the value that follows.
      w.view.setInt32(pos, this.tsLow, true);
      w.view.setInt32(pos + 4, this.tsHigh, true);
      pos += this.tsLength;
    } else {
      pos = this.timestampField(w, pos, timestamp);
    }
    // [tck-id-payloads-metric-datatype-value] only 1..19 and 22..34 are metric datatypes
    if (type !== DataType.Double && !isMetricType(type)) encodeError(`metric: datatype ${type} is not a metric datatype`);
    if (this.withTypes) {
      buf[pos] = 0x20;
      buf[pos + 1] = type; // < 128: one varint byte
      pos += 2;
    }
    if (properties !== undefined) {
      w.pos = pos;
      if (value === null) writeBool(w, 0x38, true, 'metric isNull');
      w.byte(0x4a);
      const start = w.beginLen();
      encodePropertySet(w, properties, 1, 'metric properties');
      w.endLen(start);
      if (value !== null) this.value(w, type, value);
    } else if (type === DataType.Double && typeof value === 'number') {
      buf[pos] = 0x69; // field 13 (double_value), wire type 1
      w.view.setFloat64(pos + 1, value, true);
      w.pos = pos + 9;
    } else {
      w.pos = pos;
      if (value === null) {
        buf[pos] = 0x38; // is_null = true
        buf[pos + 1] = 1;
        w.pos = pos + 2;
      } else this.value(w, type, value);
    }
    w.endLen(start);
  }

  private value(w: Writer, type: number, value: MetricValue): void {
    if (type <= DataType.UUID) writeBasic(w, type, value, 10, 'metric');
    else writeComplexValue(w, type, value, 0, 'metric');
  }

  /**
   * Ends the payload with its seq. Returns its bytes in the front of `into` when they fit there
   * (a buffer the caller recycles), else bytes the caller may keep (see `Writer.finish`).
   */
  finish(seq: number, into?: Uint8Array): Uint8Array {
    const w = this.w;
    w.byte(0x18);
    writeU64(w, seq, 'payload seq');
    if (into === undefined || w.pos > into.length) return w.finish();
    into.set(w.buf.subarray(0, w.pos));
    return into.subarray(0, w.pos);
  }

  /** Writes the timestamp field at `pos` and keeps it for the metrics that follow; returns the end. */
  private timestampField(w: Writer, pos: number, timestamp: number): number {
    if (!(timestamp >= 0 && timestamp <= Number.MAX_SAFE_INTEGER && Number.isInteger(timestamp))) {
      encodeError(`metric timestamp must be a non-negative safe integer, got ${describe(timestamp)}`);
    }
    w.buf[pos] = 0x18;
    const end = putUintN(w.buf, pos + 1, timestamp);
    if (end - pos <= 8) {
      this.tsLow = w.view.getInt32(pos, true);
      this.tsHigh = w.view.getInt32(pos + 4, true);
      this.tsLength = end - pos;
      this.lastTimestamp = timestamp;
    }
    return end;
  }
}
