/**
 * Datatype tables and the integer rules of the codec: range checks on encode, 64-bit
 * splitting into 32-bit halves (so the hot path never touches BigInt), and the
 * number-or-bigint rule on decode.
 */
import { SparkplugDecodeError, SparkplugEncodeError } from '../errors.js';
import { DataType, type DataTypeName, type Int64, type MetricTypeName } from './types.js';

/** Index = DataType number; `undefined` holes never occur inside 0..34. */
const NAMES: readonly DataTypeName[] = (Object.keys(DataType) as (keyof typeof DataType)[])
  .filter((k): k is DataTypeName => k !== 'Unknown')
  .sort((a, b) => DataType[a] - DataType[b]);

const NUMBER_BY_NAME = new Map<string, number>(NAMES.map((n) => [n, DataType[n]]));

/** Name of a DataType number (1..34), or `undefined` for Unknown (0) and numbers outside the enum. */
export function dataTypeName(n: number): DataTypeName | undefined {
  return n >= 1 ? NAMES[n - 1] : undefined;
}

/** DataType number of a name (exact, case-sensitive), or `undefined` when it is not a datatype name. */
export function dataTypeNumber(name: string): number | undefined {
  return NUMBER_BY_NAME.get(name);
}

export const MAX_TYPE = 34;

/** Metric datatype names by number; holes for Unknown, PropertySet and PropertySetList. */
const METRIC_NAMES: readonly (MetricTypeName | undefined)[] = Array.from({ length: MAX_TYPE + 1 }, (_, n) => {
  const name = n >= 1 ? NAMES[n - 1] : undefined;
  return name === 'PropertySet' || name === 'PropertySetList' ? undefined : name;
});

/** Name of a metric datatype number (1..19, 22..34); decode error for anything else. */
export function metricTypeName(n: number): MetricTypeName {
  const name = METRIC_NAMES[n];
  // [tck-id-payloads-metric-datatype-value] a metric datatype is 1..19 or 22..34
  if (name === undefined) throw new SparkplugDecodeError(`metric datatype ${n} is not a metric DataType`);
  return name;
}

/** Basic types 1..14 (DataSet columns, Template parameters, most property values). */
export function isBasicType(n: number): boolean {
  return n >= 1 && n <= 14;
}

/** Metric datatypes: 1..19 and 22..34 ([tck-id-payloads-metric-datatype-value]). */
export function isMetricType(n: number): boolean {
  return (n >= 1 && n <= 19) || (n >= 22 && n <= MAX_TYPE);
}

/** Inclusive ranges of the integer types that live in the 32-bit `int_value` field. */
const INT32_MIN: readonly number[] = [0, -128, -32768, -2147483648, 0, 0, 0, 0];
const INT32_MAX: readonly number[] = [0, 127, 32767, 2147483647, 0, 255, 65535, 4294967295];

/** Bit width of the small integer types, for sign extension on decode (index = DataType). */
const INT_BITS: readonly number[] = [0, 8, 16, 32, 64, 8, 16, 32];

export function encodeError(message: string): never {
  throw new SparkplugEncodeError(message);
}

export function describe(v: unknown): string {
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (typeof v === 'object' && v !== null) return Array.isArray(v) ? 'an array' : 'an object';
  return String(v);
}

/**
 * Checks a value of Int8/16/32 or UInt8/16/32 (type 1,2,3,5,6,7) and returns its
 * 32-bit two's-complement pattern as an unsigned number (`v >>> 0`, so −5 → 0xFFFFFFFB).
 * Accepts numbers and bigints; never truncates.
 */
export function int32Bits(type: number, v: unknown): number {
  let n: number;
  if (typeof v === 'number') n = v;
  else if (typeof v === 'bigint') n = Number(v);
  else return encodeError(`${dataTypeName(type) ?? type} value must be an integer, got ${describe(v)}`);
  const min = INT32_MIN[type] ?? 0;
  const max = INT32_MAX[type] ?? 0;
  // `n >= min && n <= max` is false for NaN; Number.isInteger rejects fractions and ±Infinity.
  if (!(n >= min && n <= max) || !Number.isInteger(n) || (typeof v === 'bigint' && BigInt(n) !== v)) {
    encodeError(`${dataTypeName(type) ?? type} value out of range [${min}, ${max}]: ${describe(v)}`);
  }
  return n >>> 0;
}

/** Decodes the low bits of a 32-bit wire value for a small integer type (sign-extends signed ones). */
export function int32Value(type: number, bits: number): number {
  switch (INT_BITS[type]) {
    case 8:
      return type === DataType.Int8 ? (bits << 24) >> 24 : bits & 0xff;
    case 16:
      return type === DataType.Int16 ? (bits << 16) >> 16 : bits & 0xffff;
    default:
      return type === DataType.Int32 ? bits | 0 : bits >>> 0;
  }
}

/**
 * Output of `split64`: the low and high 32-bit halves (unsigned) of the last 64-bit value,
 * two's complement for negatives. Module state instead of a returned object keeps the
 * encoder allocation-free.
 */
export const parts = { lo: 0, hi: 0 };

const TWO32 = 4294967296;
const MAX_U64 = (1n << 64n) - 1n;
const MIN_I64 = -(1n << 63n);
const MAX_I64 = (1n << 63n) - 1n;

function splitBig(b: bigint): void {
  const u = BigInt.asUintN(64, b);
  parts.lo = Number(u & 0xffffffffn);
  parts.hi = Number(u >> 32n);
}

/**
 * Validates a 64-bit input (number that is a safe integer, bigint, or long.js-style
 * `{ low, high, unsigned }`) against the signed or unsigned 64-bit range and stores its bits
 * in `parts`. `what` names the field for the error message.
 */
export function split64(v: unknown, signed: boolean, what: string): void {
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v) || (!signed && v < 0)) {
      encodeError(`${what} must be a ${signed ? '' : 'non-negative '}safe integer (or bigint), got ${describe(v)}`);
    }
    if (v >= 0) {
      parts.lo = v >>> 0;
      parts.hi = (v - parts.lo) / TWO32;
    } else {
      // Two's complement of the magnitude, done on the 32-bit halves.
      const m = -v;
      const lo = m >>> 0;
      const hi = (m - lo) / TWO32;
      parts.lo = (~lo + 1) >>> 0;
      parts.hi = (~hi + (parts.lo === 0 ? 1 : 0)) >>> 0;
    }
    return;
  }
  if (typeof v === 'bigint') {
    if (signed ? v < MIN_I64 || v > MAX_I64 : v < 0n || v > MAX_U64) {
      encodeError(`${what} out of ${signed ? 'Int64' : 'UInt64'} range: ${describe(v)}`);
    }
    splitBig(v);
    return;
  }
  if (typeof v === 'object' && v !== null && 'low' in v && 'high' in v) {
    const { low, high, unsigned } = v as { low: unknown; high: unknown; unsigned?: unknown };
    if (!isInt32Bits(low) || !isInt32Bits(high)) encodeError(`${what}: invalid Long-like object`);
    const lo = low >>> 0;
    const hi = high >>> 0;
    // A signed Long with the top bit set is negative; an unsigned one is ≥ 2^63.
    if (hi >= 0x80000000 && (unsigned === true) === signed) {
      encodeError(`${what} out of ${signed ? 'Int64' : 'UInt64'} range: Long-like {low: ${low}, high: ${high}}`);
    }
    parts.lo = lo;
    parts.hi = hi;
    return;
  }
  encodeError(`${what} must be an integer (number, bigint or Long), got ${describe(v)}`);
}

function isInt32Bits(x: unknown): x is number {
  return typeof x === 'number' && Number.isInteger(x) && x >= -0x80000000 && x <= 0xffffffff;
}

/** Unsigned 64-bit value from halves: a number when ≤ 2^53−1, else a bigint. */
export function u64(lo: number, hi: number): Int64 {
  return hi < 0x200000 ? hi * TWO32 + lo : (BigInt(hi) << 32n) | BigInt(lo);
}

/** Signed (two's complement) 64-bit value from halves: a number when |v| ≤ 2^53−1, else a bigint. */
export function i64(lo: number, hi: number): Int64 {
  if (hi < 0x80000000) return u64(lo, hi);
  const mlo = (~lo + 1) >>> 0;
  const mhi = (~hi + (mlo === 0 ? 1 : 0)) >>> 0;
  return mhi < 0x200000 ? -(mhi * TWO32 + mlo) : -((BigInt(mhi) << 32n) | BigInt(mlo));
}
