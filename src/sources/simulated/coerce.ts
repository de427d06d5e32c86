/** Fits a generated value to the metric's datatype, the way a real device register would. */
import { INTEGER_RANGES, isIntegerType, toInt64 } from '../../config/index.js';
import type { IntegerTypeName, ScalarOut } from '../../config/index.js';
import type { MetricTypeName } from '../../payload/types.js';
import type { GeneratedValue } from './generators.js';

export type Coercer = (value: GeneratedValue) => ScalarOut;

/** Exact path for an integer type: bigints, values beyond 2^53, NaN and ±Infinity. */
function exactInteger(type: IntegerTypeName, value: number | bigint): ScalarOut {
  const [min, max] = INTEGER_RANGES[type];
  let big: bigint;
  if (typeof value === 'bigint') big = value;
  else if (Number.isNaN(value)) big = 0n;
  else if (!Number.isFinite(value)) big = value > 0 ? max : min;
  else big = BigInt(Math.round(value));
  return toInt64(big < min ? min : big > max ? max : big);
}

function integerCoercer(type: IntegerTypeName): Coercer {
  const [min, max] = INTEGER_RANGES[type];
  // The type's range as numbers, within the safe range: every sample of a counter or a step is
  // rounded and clamped without a BigInt; a 64-bit result beyond 2^53 takes the exact path.
  const lo = Math.max(Number(min), Number.MIN_SAFE_INTEGER);
  const hi = Math.min(Number(max), Number.MAX_SAFE_INTEGER);
  return (value) => {
    if (typeof value === 'number') {
      const n = Math.round(value) + 0; // + 0: an integer register has no −0
      if (n >= Number.MIN_SAFE_INTEGER && n <= Number.MAX_SAFE_INTEGER) return n < lo ? lo : n > hi ? hi : n;
      return exactInteger(type, value);
    }
    return typeof value === 'bigint' ? exactInteger(type, value) : value;
  };
}

const asDateTime: Coercer = (value) => (typeof value === 'number' ? Math.round(value) : typeof value === 'bigint' ? toInt64(value) : value);
const asFloat: Coercer = (value) => (typeof value === 'bigint' ? Number(value) : value);

/**
 * The coercion for one datatype, chosen once per metric (a device samples it on every scan).
 * Integer types: rounded to the nearest integer and clamped to the type's range (a counter on an
 * Int8 stops at 127 rather than wrapping); 64-bit results are numbers while safe, bigints beyond.
 * DateTime: rounded to whole milliseconds. Float/Double and non-numeric values pass through:
 * the encoder owns float narrowing, and config validation already matched kinds to types.
 */
export function coercerFor(type: MetricTypeName): Coercer {
  if (isIntegerType(type)) return integerCoercer(type);
  return type === 'DateTime' ? asDateTime : asFloat;
}

export function coerce(type: MetricTypeName, value: GeneratedValue): ScalarOut {
  return coercerFor(type)(value);
}
