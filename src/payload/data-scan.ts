/**
 * The common data message read into reusable columns instead of objects: what a host ingesting
 * thousands of NDATA/DDATA per second needs, without one object per metric for the GC.
 *
 * Only the plain shape is read: an uncompressed payload of timestamp, seq and metrics, each with
 * name and/or alias, timestamp, optional datatype, is_historical / is_transient / is_null and at
 * most one scalar value (int, long, float, double, boolean, string). Anything else — properties,
 * metadata, bytes, arrays, DataSet, Template, uuid/body, unknown fields, negative or beyond 2^53 64-bit values,
 * malformed bytes — makes `scanDataPayload` return false, and the caller uses `decodePayload`,
 * which reads everything and reports every error. The two agree on every value they both read
 * (test/payload/data-scan.test.ts checks that on random payloads).
 */
import { DataType } from './types.js';
import { int32Value } from './values.js';
import { K_BOOL, K_DOUBLE, K_FLOAT, K_INT, K_LONG, K_NONE, K_STRING } from './decode-values.js';
import { Reader } from './reader.js';
import { varNumber, varRead } from './var-number.js';
import { readString, STR_NAME, STR_VALUE } from './strings.js';
import { SparkplugDecodeError } from '../errors.js';

/** `flags` bits of a scanned metric. */
export const SCAN_HISTORICAL = 1;
export const SCAN_NULL = 2;

const INITIAL_CAPACITY = 256;

/**
 * One data payload, column by column. Numbers that may be absent hold −1 then (timestamps, seq,
 * aliases and datatypes are never negative on the wire). Reused for every scan: valid until the
 * next one.
 */
export class DataColumns {
  length = 0;
  /** Payload timestamp, −1 when absent. */
  timestamp = -1;
  /** Payload seq, −1 when absent. */
  seq = -1;
  alias = new Float64Array(INITIAL_CAPACITY);
  name: (string | undefined)[] = [];
  /** Metric timestamp, −1 when absent. */
  ts = new Float64Array(INITIAL_CAPACITY);
  /** Datatype on the wire (1..15), −1 when absent. */
  datatype = new Int32Array(INITIAL_CAPACITY);
  /** Which value field (K_*), K_NONE for none. */
  kind = new Uint8Array(INITIAL_CAPACITY);
  /** int_value bits, or the low half of long_value. */
  lo = new Uint32Array(INITIAL_CAPACITY);
  /** High half of long_value. */
  hi = new Uint32Array(INITIAL_CAPACITY);
  /** float, double or boolean (0/1) value. */
  num = new Float64Array(INITIAL_CAPACITY);
  str: string[] = [];
  flags = new Uint8Array(INITIAL_CAPACITY);

  /** Room for metric `i`; the columns double when full. */
  reserve(i: number): void {
    const cap = this.alias.length;
    if (i < cap) return;
    const n = cap * 2;
    this.alias = grow(this.alias, new Float64Array(n));
    this.ts = grow(this.ts, new Float64Array(n));
    this.datatype = grow(this.datatype, new Int32Array(n));
    this.kind = grow(this.kind, new Uint8Array(n));
    this.lo = grow(this.lo, new Uint32Array(n));
    this.hi = grow(this.hi, new Uint32Array(n));
    this.num = grow(this.num, new Float64Array(n));
    this.flags = grow(this.flags, new Uint8Array(n));
  }
}

function grow<T extends Float64Array | Int32Array | Uint32Array | Uint8Array>(old: T, next: T): T {
  next.set(old);
  return next;
}

/** The scan's reader (scans are synchronous and never nested). */
const reader = new Reader(new Uint8Array(0));

/** Thrown inside the scan for "not the plain shape": caught below, never escapes. */
const NOT_PLAIN = new Error('not a plain data payload');

/**
 * Reads `bytes` into `out` when it is a plain data payload (see the file comment); false when it
 * is not, or is malformed: then `out` is undefined and `decodePayload` must read it.
 */
export function scanDataPayload(bytes: Uint8Array, out: DataColumns): boolean {
  try {
    reader.reset(bytes);
    scanPayload(reader, bytes.length, out);
    return true;
  } catch (e: unknown) {
    if (e === NOT_PLAIN || e instanceof SparkplugDecodeError) return false;
    throw e;
  }
}

function scanPayload(r: Reader, end: number, out: DataColumns): void {
  out.length = 0;
  out.timestamp = -1;
  out.seq = -1;
  const buf = r.buf;
  while (r.pos < end) {
    const tag = buf[r.pos++] ?? 0;
    switch (tag) {
      case 0x08:
        out.timestamp = number(r, end);
        break;
      case 0x12: {
        const e = r.delimited(end);
        const i = out.length;
        out.reserve(i);
        scanMetric(r, e, out, i);
        out.length = i + 1;
        break;
      }
      case 0x18:
        out.seq = number(r, end);
        break;
      default:
        throw NOT_PLAIN;
    }
  }
}

/** A varint field that must be a safe integer (else: not plain). */
function number(r: Reader, end: number): number {
  const v = r.u64(end);
  if (typeof v !== 'number') throw NOT_PLAIN;
  return v;
}

function scanMetric(r: Reader, end: number, out: DataColumns, i: number): void {
  const buf = r.buf;
  let name: string | undefined;
  let alias = -1;
  let ts = -1;
  let datatype = -1;
  let kind = K_NONE;
  let lo = 0;
  let hi = 0;
  let num = 0;
  let str = '';
  let flags = 0;
  // `pos` lives in a local for the varint fields (the common ones); the rest goes through the
  // Reader with `r.pos` synchronised around the call.
  let pos = r.pos;
  while (pos < end) {
    const tag = buf[pos++] ?? 0;
    if (tag >= 0x50 && kind !== K_NONE) throw NOT_PLAIN;
    if ((tag & 7) === 0) {
      let v = pos < end ? (buf[pos] ?? 0) : 0x80;
      if (v < 0x80) pos++;
      else {
        v = varNumber(buf, pos, end);
        if (v < 0) throw NOT_PLAIN;
        pos = varRead.end;
      }
      switch (tag) {
        case 0x10:
          alias = v;
          break;
        case 0x18:
          ts = v;
          break;
        case 0x20:
          datatype = v;
          // Basic scalar types only; the rest is read by decodePayload.
          if (datatype < DataType.Int8 || datatype > DataType.UUID) throw NOT_PLAIN;
          break;
        case 0x28:
          flags = v !== 0 ? flags | SCAN_HISTORICAL : flags & ~SCAN_HISTORICAL;
          break;
        case 0x30:
          break;
        case 0x38:
          flags = v !== 0 ? flags | SCAN_NULL : flags & ~SCAN_NULL;
          break;
        case 0x50:
          // uint32 field: the low 32 bits
          kind = K_INT;
          lo = v >>> 0;
          break;
        case 0x58:
          kind = K_LONG;
          lo = v >>> 0;
          hi = Math.floor(v / TWO32);
          break;
        case 0x70:
          kind = K_BOOL;
          num = v !== 0 ? 1 : 0;
          break;
        default:
          throw NOT_PLAIN;
      }
      continue;
    }
    r.pos = pos;
    switch (tag) {
      case 0x0a: {
        const e = r.delimited(end);
        name = readString(r, r.pos, e, STR_NAME);
        r.pos = e;
        break;
      }
      case 0x65:
        kind = K_FLOAT;
        num = r.float(end);
        break;
      case 0x69:
        kind = K_DOUBLE;
        num = r.double(end);
        break;
      case 0x7a: {
        kind = K_STRING;
        const e = r.delimited(end);
        str = readString(r, r.pos, e, STR_VALUE);
        r.pos = e;
        break;
      }
      default:
        throw NOT_PLAIN;
    }
    pos = r.pos;
  }
  r.pos = pos;
  // is_null with a value is an error for decodePayload to report.
  if ((flags & SCAN_NULL) !== 0 && kind !== K_NONE) throw NOT_PLAIN;
  out.alias[i] = alias;
  out.name[i] = name;
  out.ts[i] = ts;
  out.datatype[i] = datatype;
  out.kind[i] = kind;
  out.lo[i] = lo;
  out.hi[i] = hi;
  out.num[i] = num;
  out.str[i] = str;
  out.flags[i] = flags;
}

const TWO32 = 4294967296;


/** FITS[type << 4 | kind]: 1 when a value field of `kind` is the one `type` uses, 2 when it is if it fits 32 bits. */
const FITS = new Uint8Array(16 << 4);
function fits(kind: number, value: number, ...types: number[]): void {
  for (const t of types) FITS[(t << 4) | kind] = value;
}
fits(K_INT, 1, DataType.Int8, DataType.Int16, DataType.Int32, DataType.UInt8, DataType.UInt16, DataType.UInt32);
// UInt32 in int_value (spec) or in long_value within 32 bits (Tahu)
fits(K_LONG, 2, DataType.UInt32);
fits(K_LONG, 1, DataType.Int64, DataType.UInt64, DataType.DateTime);
fits(K_FLOAT, 1, DataType.Float);
fits(K_DOUBLE, 1, DataType.Double);
fits(K_BOOL, 1, DataType.Boolean);
fits(K_STRING, 1, DataType.String, DataType.Text, DataType.UUID);

/**
 * Whether metric `i`'s value field is the one datatype `type` uses, so that `scannedValue` can
 * read it; false for any type beyond the basic scalars (1..15) too. A metric without a value fits
 * any type. Mirrors the checks of decodePayload ([tck-id-payloads-metric-datatype-value]).
 */
export function valueFits(cols: DataColumns, i: number, type: number): boolean {
  const kind = cols.kind[i] ?? K_NONE;
  if (kind === K_NONE) return true;
  const f = type >= 0 && type < 16 ? (FITS[(type << 4) | kind] ?? 0) : 0;
  return f === 1 || (f === 2 && cols.hi[i] === 0);
}

/**
 * Metric `i`'s value read as `type` (checked with `valueFits` first), as decodePayload would
 * give it: null for is_null or no value. 64-bit values are in 0..2^53−1 (the scan's range).
 */
export function scannedValue(cols: DataColumns, i: number, type: number): number | boolean | string | null {
  const kind = cols.kind[i] ?? K_NONE;
  switch (kind) {
    case K_NONE:
      return null;
    case K_DOUBLE:
    case K_FLOAT:
      return cols.num[i] ?? 0;
    case K_BOOL:
      return cols.num[i] !== 0;
    case K_STRING:
      return cols.str[i] ?? '';
    case K_INT:
      return int32Value(type, cols.lo[i] ?? 0);
    default:
      return (cols.hi[i] ?? 0) * TWO32 + (cols.lo[i] ?? 0);
  }
}
