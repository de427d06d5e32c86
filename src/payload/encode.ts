/**
 * Payload → bytes. Fields are written in field-number order with proto2 presence: a field is
 * on the wire exactly when the object has it (so seq 0, long_value 0, boolean false are written,
 * and a payload without `seq` has no field 3).
 */
import { SparkplugEncodeError } from '../errors.js';
import { DataType, type Metric, type MetaData, type Payload } from './types.js';
import { describe, encodeError, int32Bits, isMetricType, parts, split64, dataTypeNumber } from './values.js';
import { encodeArray } from './arrays.js';
import { encodeDataSet, encodePropertySet, encodeTemplate, MAX_DEPTH } from './complex-encode.js';
import { putUintN, type Writer } from './writer.js';
import { writeName } from './name-cache.js';

export function writePayload(w: Writer, p: Payload, omitTypes: boolean): void {
  if (typeof p !== 'object' || p === null) encodeError(`payload must be an object, got ${describe(p)}`);
  const timestamp = p.timestamp;
  if (timestamp !== undefined) {
    if (isUintN(timestamp)) {
      // A millisecond timestamp: written straight into the buffer (one-metric commands notice).
      w.ensure(9);
      w.buf[w.pos] = 0x08;
      w.pos = putUintN(w.buf, w.pos + 1, timestamp);
    } else {
      w.byte(0x08);
      writeU64(w, timestamp, 'payload timestamp');
    }
  }
  if (p.metrics !== undefined) {
    if (!Array.isArray(p.metrics)) encodeError('payload metrics must be an array');
    for (const m of p.metrics) {
      w.byte(0x12);
      const start = w.beginLen();
      try {
        writeMetric(w, m, 0, omitTypes);
      } catch (e: unknown) {
        throw withContext(e, m);
      }
      w.endLen(start);
    }
  }
  if (p.seq !== undefined) {
    w.byte(0x18);
    writeU64(w, p.seq, 'payload seq');
  }
  if (p.uuid !== undefined) {
    w.byte(0x22);
    writeString(w, p.uuid, 'payload uuid');
  }
  if (p.body !== undefined) {
    if (!(p.body instanceof Uint8Array)) encodeError('payload body must be a Uint8Array');
    w.byte(0x2a);
    w.bytes(p.body);
  }
}

/** Prefixes an encode error with the metric's name (built only on failure, never on the hot path). */
export function withContext(e: unknown, m: Metric): unknown {
  if (!(e instanceof SparkplugEncodeError) || typeof m !== 'object' || m === null || m.name === undefined) return e;
  return new SparkplugEncodeError(`metric ${JSON.stringify(m.name)}: ${e.message}`, { cause: e });
}

/** uint64 field from any accepted 64-bit input; the common small-number case avoids `split64`. */
export function writeU64(w: Writer, v: unknown, what: string): void {
  if (typeof v === 'number' && v >= 0 && v <= Number.MAX_SAFE_INTEGER && Number.isInteger(v)) w.uintN(v);
  else {
    split64(v, false, what);
    w.uint64(parts.lo, parts.hi);
  }
}

export function writeString(w: Writer, v: unknown, what: string): void {
  if (typeof v !== 'string') encodeError(`${what} must be a string, got ${describe(v)}`);
  w.string(v);
}

export function writeBool(w: Writer, tag: number, v: unknown, what: string): void {
  if (typeof v !== 'boolean') encodeError(`${what} must be a boolean, got ${describe(v)}`);
  w.ensure(2);
  w.buf[w.pos++] = tag;
  w.buf[w.pos++] = v ? 1 : 0;
}

/** A number that `putUintN` can write: a non-negative safe integer. */
function isUintN(v: unknown): v is number {
  return typeof v === 'number' && v >= 0 && v <= Number.MAX_SAFE_INTEGER && Number.isInteger(v);
}

/**
 * Datatype number of a type name (0 for anything else). The common names are compared first:
 * `type` values are almost always string literals, which V8 compares by pointer, so this beats
 * hashing the name for a Map lookup.
 */
export function typeNumber(name: unknown): number {
  switch (name) {
    case 'Int32':
      return DataType.Int32;
    case 'Double':
      return DataType.Double;
    case 'Boolean':
      return DataType.Boolean;
    case 'Int64':
      return DataType.Int64;
    case 'Float':
      return DataType.Float;
    case 'String':
      return DataType.String;
    case 'UInt64':
      return DataType.UInt64;
    case 'DateTime':
      return DataType.DateTime;
    default:
      return typeof name === 'string' ? (dataTypeNumber(name) ?? 0) : 0;
  }
}

/** `omitType`: encode the value by `type` but leave the datatype field off the wire. */
export function writeMetric(w: Writer, m: Metric, depth: number, omitType: boolean): void {
  if (typeof m !== 'object' || m === null) encodeError(`metric must be an object, got ${describe(m)}`);
  const name = m.name;
  // Context for messages is a constant: names are added by `withContext` only when an error occurs.
  const what = 'metric';
  if (name !== undefined) {
    if (typeof name !== 'string') encodeError(`metric name must be a string, got ${describe(name)}`);
    w.byte(0x0a);
    writeName(w, name);
  }
  // alias, timestamp and datatype take ≤ 11 + 11 + 6 bytes: one capacity check, then the
  // common number cases are written straight into the buffer.
  w.ensure(32);
  const alias = m.alias;
  if (alias !== undefined) {
    if (isUintN(alias)) {
      w.buf[w.pos] = 0x10;
      w.pos = putUintN(w.buf, w.pos + 1, alias);
    } else {
      w.byte(0x10);
      writeU64(w, alias, 'metric alias');
    }
  }
  const timestamp = m.timestamp;
  if (timestamp !== undefined) {
    if (isUintN(timestamp)) {
      w.buf[w.pos] = 0x18;
      w.pos = putUintN(w.buf, w.pos + 1, timestamp);
    } else {
      w.byte(0x18);
      writeU64(w, timestamp, 'metric timestamp');
    }
  }
  let type = 0;
  if (m.type !== undefined) {
    type = typeNumber(m.type);
    // [tck-id-payloads-metric-datatype-value] only 1..19 and 22..34 are metric datatypes
    if (!isMetricType(type)) encodeError(`${what}: ${describe(m.type)} is not a metric datatype`);
    // [tck-id-payloads-metric-datatype-value-type] datatype is a uint32 enum number
    if (!omitType) {
      w.buf[w.pos] = 0x20;
      w.buf[w.pos + 1] = type; // < 128: one varint byte
      w.pos += 2;
    }
  }
  if (m.isHistorical !== undefined) writeBool(w, 0x28, m.isHistorical, 'metric isHistorical');
  if (m.isTransient !== undefined) writeBool(w, 0x30, m.isTransient, 'metric isTransient');
  const value = m.value;
  if (m.isNull !== undefined) {
    if (m.isNull ? value !== undefined && value !== null : value === null) {
      encodeError(`${what}: isNull ${String(m.isNull)} contradicts value ${describe(value)}`);
    }
    writeBool(w, 0x38, m.isNull, 'metric isNull');
  } else if (value === null) {
    writeBool(w, 0x38, true, 'metric isNull');
  }
  if (m.metadata !== undefined) {
    w.byte(0x42);
    const start = w.beginLen();
    writeMetaData(w, m.metadata);
    w.endLen(start);
  }
  if (m.properties !== undefined) {
    w.byte(0x4a);
    const start = w.beginLen();
    encodePropertySet(w, m.properties, depth + 1, 'metric properties');
    w.endLen(start);
  }
  if (value === undefined || value === null) return;
  if (type === 0) encodeError('metric has a value but no type');
  if (type <= DataType.UUID) writeBasic(w, type, value, 10, what);
  else writeComplexValue(w, type, value, depth, what);
}

/**
 * Value of a basic type (1..15) in a message whose int/long/float/double/boolean/string value
 * fields are the consecutive numbers `base`..`base+5` (Metric 10, PropertyValue and Parameter 3,
 * DataSetValue 1). Always writes a value field consistent with the type
 * ([tck-id-payloads-metric-datatype-value]).
 */
export function writeBasic(w: Writer, type: number, v: unknown, base: number, what: string): void {
  switch (type) {
    case DataType.Int8:
    case DataType.Int16:
    case DataType.Int32:
    case DataType.UInt8:
    case DataType.UInt16:
    case DataType.UInt32: // UInt32 in int_value as the spec's table says (Tahu uses long_value)
      if (typeof v === 'number' && v >= 0 && v <= 127 && Number.isInteger(v)) {
        w.ensure(2);
        w.buf[w.pos++] = base << 3;
        w.buf[w.pos++] = v;
      } else {
        const bits = int32Bits(type, v);
        w.byte(base << 3);
        w.uint32(bits);
      }
      return;
    case DataType.Int64:
    case DataType.DateTime:
      w.byte((base + 1) << 3);
      if (typeof v === 'number' && v >= 0 && v <= Number.MAX_SAFE_INTEGER && Number.isInteger(v)) w.uintN(v);
      else {
        split64(v, true, type === DataType.Int64 ? 'Int64 value' : 'DateTime value');
        w.uint64(parts.lo, parts.hi);
      }
      return;
    case DataType.UInt64:
      w.byte((base + 1) << 3);
      writeU64(w, v, 'metric UInt64 value');
      return;
    case DataType.Float:
    case DataType.Double:
      if (typeof v !== 'number') encodeError(`${what}: ${type === DataType.Float ? 'Float' : 'Double'} value must be a number, got ${describe(v)}`);
      if (type === DataType.Float) {
        w.byte(((base + 2) << 3) | 5);
        w.float(v); // any number: rounding to binary32 is what Float means
      } else {
        w.byte(((base + 3) << 3) | 1);
        w.double(v);
      }
      return;
    case DataType.Boolean:
      writeBool(w, (base + 4) << 3, v, 'metric Boolean value');
      return;
    default:
      // String, Text, UUID
      w.byte(((base + 5) << 3) | 2);
      writeString(w, v, 'metric value');
  }
}

/** Value of a metric type beyond UUID: DataSet, Bytes, File, Template or an array type. */
export function writeComplexValue(w: Writer, type: number, value: unknown, depth: number, what: string): void {
  switch (type) {
    case DataType.DataSet: {
      w.tag2(0x8a, 0x01);
      const start = w.beginLen();
      encodeDataSet(w, value, 'metric DataSet');
      w.endLen(start);
      return;
    }
    case DataType.Bytes:
    case DataType.File:
      if (!(value instanceof Uint8Array)) encodeError(`${what}: Bytes/File value must be a Uint8Array, got ${describe(value)}`);
      w.tag2(0x82, 0x01);
      w.bytes(value);
      return;
    case DataType.Template: {
      if (depth >= MAX_DEPTH) encodeError(`${what}: templates nested deeper than ${MAX_DEPTH}`);
      w.tag2(0x92, 0x01);
      const start = w.beginLen();
      encodeTemplate(w, value, depth + 1, 'metric Template');
      w.endLen(start);
      return;
    }
    default:
      w.tag2(0x82, 0x01);
      encodeArray(w, type, value, what);
  }
}

function writeMetaData(w: Writer, md: MetaData): void {
  if (typeof md !== 'object' || md === null) encodeError('metric metadata must be an object');
  if (md.isMultiPart !== undefined) writeBool(w, 0x08, md.isMultiPart, 'metric metadata isMultiPart');
  if (md.contentType !== undefined) {
    w.byte(0x12);
    writeString(w, md.contentType, 'metric metadata contentType');
  }
  if (md.size !== undefined) {
    w.byte(0x18);
    writeU64(w, md.size, 'metric metadata size');
  }
  if (md.seq !== undefined) {
    w.byte(0x20);
    writeU64(w, md.seq, 'metric metadata seq');
  }
  const strings: [number, unknown, string][] = [
    [0x2a, md.fileName, 'metadata fileName'],
    [0x32, md.fileType, 'metadata fileType'],
    [0x3a, md.md5, 'metadata md5'],
    [0x42, md.description, 'metadata description'],
  ];
  for (const [tag, v, field] of strings) {
    if (v === undefined) continue;
    w.byte(tag);
    writeString(w, v, field);
  }
}
