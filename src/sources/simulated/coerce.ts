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
export function coerce(type: MetricTypeName, value: GeneratedValue): ScalarOut {
  if (typeof value !== 'number' && typeof value !== 'bigint') return value;
  if (type === 'DateTime') return typeof value === 'number' ? Math.round(value) : toInt64(value);
  if (!isIntegerType(type)) return typeof value === 'bigint' ? Number(value) : value;
  const [min, max] = INTEGER_RANGES[type];
  let big: bigint;
  if (typeof value === 'bigint') big = value;
  else if (Number.isNaN(value)) big = 0n;
  else if (!Number.isFinite(value)) big = value > 0 ? max : min;
  else big = BigInt(Math.round(value));
  return toInt64(big < min ? min : big > max ? max : big);
}
