/**
 * What `DataWriter.columns` (the edge's hot loop) reads, and the value fields it writes for rows
 * other than a plain Double: a plain number of a numeric datatype or a plain boolean, byte for byte
 * as `writeBasic` writes it, with no object or BigInt per value. A value that `writeBasic` would
 * refuse (300 for a UInt8, 1.5 for an Int32) is not written here, so that `DataWriter.metric`
 * refuses it with the same error.
 */
import { DataType } from './types.js';
import { putUint64, putUintN } from './writer.js';

/**
 * Metrics kept as columns by index (the edge's scope): metric k has alias `aliases[k]` (negative:
 * none) and DataType `types[k]`.
 */
export interface MetricColumns {
  readonly aliases: Float64Array;
  readonly types: Uint8Array;
}

/**
 * Rows of metric values (the edge's changes of a scan): row i is metric `indices[i]` at
 * `timestamps[i]`; when `kinds[i]` is PLAIN_NUMBER its value is the number `numbers[i]`, when
 * PLAIN_BOOLEAN it is `numbers[i] !== 0`, and nothing else goes on the wire.
 */
export interface ValueRows {
  readonly indices: Int32Array;
  readonly timestamps: Float64Array;
  readonly kinds: Uint8Array;
  readonly numbers: Float64Array;
}

/** `ValueRows.kinds` of a number that `DataWriter.columns` may write. */
export const PLAIN_NUMBER = 1;
/** `ValueRows.kinds` of a boolean (0 or 1 in `numbers`) that `DataWriter.columns` may write. */
export const PLAIN_BOOLEAN = 4;

/** Upper bound of one metric: tag, length, alias (≤ 3), timestamp field (≤ 8), value field (≤ 11: a negative Int64). */
export const COLUMN_METRIC_MAX = 24;

/** How a value of each DataType number is written; NONE: not here. Sized for any Uint8 type. */
const Form = { NONE: 0, INT32: 1, INT64: 2, UINT64: 3, FLOAT: 4, DOUBLE: 5, BOOLEAN: 6 } as const;
const FORMS = new Uint8Array(256);
/** Range of each type written as int_value (uint32 two's complement, as `int32Bits`). */
const MIN = new Float64Array(256);
const MAX = new Float64Array(256);
for (const [type, min, max] of [
  [DataType.Int8, -128, 127],
  [DataType.Int16, -32768, 32767],
  [DataType.Int32, -2147483648, 2147483647],
  [DataType.UInt8, 0, 255],
  [DataType.UInt16, 0, 65535],
  [DataType.UInt32, 0, 4294967295],
] as const) {
  FORMS[type] = Form.INT32;
  MIN[type] = min;
  MAX[type] = max;
}
FORMS[DataType.Int64] = Form.INT64;
FORMS[DataType.DateTime] = Form.INT64; // signed, as writeBasic takes it
FORMS[DataType.UInt64] = Form.UINT64;
FORMS[DataType.Float] = Form.FLOAT;
FORMS[DataType.Double] = Form.DOUBLE;
FORMS[DataType.Boolean] = Form.BOOLEAN;

const SAFE = Number.MAX_SAFE_INTEGER;

/** Writes the value field of a row other than a plain Double at `p`; returns its end, or -1 when `writeBasic` would refuse it. */
export function putValue(buf: Uint8Array, view: DataView, p: number, type: number, kind: number, v: number): number {
  switch (FORMS[type]) {
    case Form.FLOAT:
      if (kind !== PLAIN_NUMBER) return -1;
      buf[p] = 0x65; // float_value (12), fixed32; any number rounds to binary32, as Writer.float
      view.setFloat32(p + 1, v, true);
      return p + 5;
    case Form.INT32:
      // NaN, ±Infinity and fractions fail here; -0 passes and is written as 0, as int32Bits does.
      if (kind !== PLAIN_NUMBER || !(v >= (MIN[type] as number) && v <= (MAX[type] as number)) || Math.trunc(v) !== v) return -1;
      buf[p] = 0x50; // int_value (10): the uint32 two's complement, so a negative takes 5 bytes
      return putUintN(buf, p + 1, v >>> 0);
    case Form.INT64:
      if (kind !== PLAIN_NUMBER || !(v >= -SAFE && v <= SAFE) || Math.trunc(v) !== v) return -1;
      buf[p] = 0x58; // long_value (11)
      return v >= 0 ? putUintN(buf, p + 1, v) : putNegative64(buf, p + 1, v);
    case Form.UINT64:
      if (kind !== PLAIN_NUMBER || !(v >= 0 && v <= SAFE) || Math.trunc(v) !== v) return -1;
      buf[p] = 0x58;
      return putUintN(buf, p + 1, v);
    case Form.BOOLEAN:
      if (kind !== PLAIN_BOOLEAN) return -1;
      buf[p] = 0x70; // boolean_value (14)
      buf[p + 1] = v !== 0 ? 1 : 0;
      return p + 2;
    default:
      // A Double that is no plain number, or a type written only by metric().
      return -1;
  }
}

/** The 10-byte varint of a negative safe integer's 64-bit two's complement (what split64 gives). */
function putNegative64(buf: Uint8Array, pos: number, v: number): number {
  // Exact for safe integers: ToUint32 takes v modulo 2^32, and v / 2^32 only moves the exponent.
  return putUint64(buf, pos, v >>> 0, Math.floor(v / 4294967296) >>> 0);
}
