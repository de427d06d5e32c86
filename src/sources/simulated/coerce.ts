/** Fits a generated value to the metric's datatype, the way a real device register would. */
import { INTEGER_RANGES, isIntegerType, toInt64 } from '../../config/index.js';
import type { ScalarOut } from '../../config/index.js';
import type { MetricTypeName } from '../../payload/types.js';
import type { GeneratedValue } from './generators.js';

/**
 * Integer types: rounded to the nearest integer and clamped to the type's range (a counter on an
 * Int8 stops at 127 rather than wrapping); 64-bit results are numbers while safe, bigints beyond.
 * DateTime: rounded to whole milliseconds. Float/Double and non-numeric values pass through:
 * the encoder owns float narrowing, and config validation already matched kinds to types.
 */
/** Integer ranges as numbers, clamped to the safe range: what a number sample is clamped to. */
const SAFE_RANGES = new Map<MetricTypeName, readonly [number, number]>(
  Object.entries(INTEGER_RANGES).map(([type, [min, max]]) => [
    type as MetricTypeName,
    [Math.max(Number(min), Number.MIN_SAFE_INTEGER), Math.min(Number(max), Number.MAX_SAFE_INTEGER)] as const,
  ]),
);

export function coerce(type: MetricTypeName, value: GeneratedValue): ScalarOut {
  if (typeof value !== 'number' && typeof value !== 'bigint') return value;
  if (type === 'DateTime') return typeof value === 'number' ? Math.round(value) : toInt64(value);
  if (!isIntegerType(type)) return typeof value === 'bigint' ? Number(value) : value;
  // The common case, every sample of a counter or a step: a number whose rounding stays within the
  // safe range needs no BigInt (a 64-bit result beyond 2^53 takes the exact path below).
  const safe = SAFE_RANGES.get(type);
  if (typeof value === 'number' && safe !== undefined) {
    const n = Math.round(value) + 0; // + 0: an integer register has no −0
    if (n >= Number.MIN_SAFE_INTEGER && n <= Number.MAX_SAFE_INTEGER) return n < safe[0] ? safe[0] : n > safe[1] ? safe[1] : n;
  }
  const [min, max] = INTEGER_RANGES[type];
  let big: bigint;
  if (typeof value === 'bigint') big = value;
  else if (Number.isNaN(value)) big = 0n;
  else if (!Number.isFinite(value)) big = value > 0 ? max : min;
  else big = BigInt(Math.round(value));
  return toInt64(big < min ? min : big > max ? max : big);
}
