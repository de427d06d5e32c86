/**
 * Which Sparkplug datatypes configured (and simulated) metrics may carry, their integer ranges,
 * and the one value check shared by config validation and source writes.
 */
import type { Int64, LongLike, MetricTypeName, MetricValue } from '../payload/types.js';

export const INTEGER_RANGES = {
  Int8: [-128n, 127n],
  Int16: [-32768n, 32767n],
  Int32: [-2147483648n, 2147483647n],
  Int64: [-(2n ** 63n), 2n ** 63n - 1n],
  UInt8: [0n, 255n],
  UInt16: [0n, 65535n],
  UInt32: [0n, 4294967295n],
  UInt64: [0n, 2n ** 64n - 1n],
} as const satisfies Record<string, readonly [bigint, bigint]>;

export type IntegerTypeName = keyof typeof INTEGER_RANGES;
export const INTEGER_TYPES = Object.keys(INTEGER_RANGES) as IntegerTypeName[];
export const NUMERIC_TYPES = [...INTEGER_TYPES, 'Float', 'Double'] as const;
export const TEXT_TYPES = ['String', 'Text', 'UUID'] as const;
/** Every type a generated metric can carry: scalars only (no arrays, DataSets, Templates, bytes). */
export const SCALAR_TYPES = [...NUMERIC_TYPES, 'Boolean', ...TEXT_TYPES, 'DateTime'] as const;
export type ScalarTypeName = (typeof SCALAR_TYPES)[number];

/** A scalar as sources report it: 64-bit integers are numbers while safe, bigints beyond. */
export type ScalarOut = number | bigint | boolean | string;

const FLOAT_MAX = 3.4028234663852886e38;

export function isIntegerType(type: MetricTypeName): type is IntegerTypeName {
  return Object.hasOwn(INTEGER_RANGES, type);
}

export function isNumericType(type: MetricTypeName): boolean {
  return (NUMERIC_TYPES as readonly string[]).includes(type);
}

function isLongLike(v: unknown): v is LongLike {
  return typeof v === 'object' && v !== null && 'low' in v && 'high' in v && typeof v.low === 'number' && typeof v.high === 'number';
}

function longToBigInt(v: LongLike): bigint {
  const raw = (BigInt(v.high >>> 0) << 32n) | BigInt(v.low >>> 0);
  return v.unsigned === true ? raw : BigInt.asIntN(64, raw);
}

/** Numbers while exact, bigints beyond ±2^53 (the decoder's convention, see payload/types.ts). */
export function toInt64(v: bigint): Int64 {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

function checkInteger(type: IntegerTypeName | 'DateTime', value: unknown): { value: Int64 } | { problem: string } {
  let big: bigint;
  if (typeof value === 'bigint') big = value;
  else if (isLongLike(value)) big = longToBigInt(value);
  else if (typeof value === 'number' && Number.isInteger(value)) {
    if (!Number.isSafeInteger(value)) return { problem: `${value} is beyond ±2^53 and not exact as a number; use a bigint` };
    big = BigInt(value);
  } else return { problem: `expected an integer for ${type}, got ${describe(value)}` };
  const [min, max] = type === 'DateTime' ? [0n, INTEGER_RANGES.UInt64[1]] : INTEGER_RANGES[type];
  if (big < min || big > max) return { problem: `${big} is out of range for ${type} (${min}..${max})` };
  return { value: toInt64(big) };
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'an integer' : 'a fractional number';
  return `a ${typeof value}`;
}

/**
 * Checks that `value` fits `type` and returns it in canonical form (64-bit as number when safe).
 * Used for config constants and step values, and for NCMD/DCMD writes into simulated devices.
 */
export function checkValue(type: MetricTypeName, value: MetricValue | undefined): { value: ScalarOut } | { problem: string } {
  if (isIntegerType(type) || type === 'DateTime') return checkInteger(type, value);
  switch (type) {
    case 'Float':
    case 'Double':
      if (typeof value !== 'number') return { problem: `expected a number for ${type}, got ${describe(value)}` };
      if (type === 'Float' && Number.isFinite(value) && Math.abs(value) > FLOAT_MAX) {
        return { problem: `${value} is out of range for Float (±${FLOAT_MAX})` };
      }
      return { value };
    case 'Boolean':
      return typeof value === 'boolean' ? { value } : { problem: `expected true or false for Boolean, got ${describe(value)}` };
    case 'String':
    case 'Text':
    case 'UUID':
      return typeof value === 'string' ? { value } : { problem: `expected a string for ${type}, got ${describe(value)}` };
    default:
      return { problem: `datatype ${type} is not supported here; expected one of ${SCALAR_TYPES.join(', ')}` };
  }
}
