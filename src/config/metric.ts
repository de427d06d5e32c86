/**
 * A metric in YAML: name, datatype and where its values come from (a generator). The generator
 * is a discriminated union on `generator`; each variant only accepts its own parameters.
 */
import { z } from 'zod';
import { DataType } from '../payload/types.js';
import type { Deadband } from '../sources/types.js';
import { checkValue, isNumericType, NUMERIC_TYPES, SCALAR_TYPES, TEXT_TYPES } from './datatypes.js';
import type { ScalarTypeName } from './datatypes.js';
import { reservedMetricNameProblem } from './ids.js';

const scalar = z.union([z.number(), z.boolean(), z.string()], { error: 'expected a number, true/false or a string' });

export const datatypeSchema = z.enum(SCALAR_TYPES, {
  error: (iss) =>
    typeof iss.input === 'string' && Object.hasOwn(DataType, iss.input)
      ? `datatype "${iss.input}" cannot be generated; expected one of ${SCALAR_TYPES.join(', ')}`
      : `unknown datatype ${typeof iss.input === 'string' ? JSON.stringify(iss.input) : 'value'}; expected one of ${SCALAR_TYPES.join(', ')}`,
});

export const deadbandSchema = z.union([
  z.strictObject({ absolute: z.number().nonnegative() }).transform((d): Deadband => ({ kind: 'absolute', value: d.absolute })),
  z.strictObject({ percent: z.number().nonnegative() }).transform((d): Deadband => ({ kind: 'percent', value: d.percent })),
]);

/** Keys every metric has, whatever its source. */
export const metricBase = {
  name: z.string().min(1),
  type: datatypeSchema,
  /** Accepts NCMD/DCMD writes; a written value is held until the next write. */
  writable: z.boolean().default(false),
  deadband: deadbandSchema.optional(),
  /** Extra birth properties; `unit` is shorthand for the `engUnit` property. */
  properties: z.record(z.string().min(1), scalar).optional(),
  unit: z.string().min(1).optional(),
  /** Probability that the metric takes a new value on a sample (load tests); 1 when absent. */
  changeRate: z.number().min(0).max(1).optional(),
};
const range = { min: z.number(), max: z.number() };
const periodMs = z.number().positive();

const variants = [
  z.strictObject({ ...metricBase, generator: z.literal('sine'), ...range, periodMs }),
  z.strictObject({ ...metricBase, generator: z.literal('ramp'), ...range, periodMs }),
  z.strictObject({ ...metricBase, generator: z.literal('randomWalk'), ...range, step: z.number().positive().optional() }),
  z.strictObject({ ...metricBase, generator: z.literal('counter'), start: z.number().default(0), step: z.number().default(1) }),
  // Either `values` to cycle through, or the integer steps min, min+1, … up to max (checked in metricProblems).
  z.strictObject({ ...metricBase, generator: z.literal('step'), values: z.array(scalar).min(1).optional(), min: z.number().optional(), max: z.number().optional(), periodMs }),
  z.strictObject({ ...metricBase, generator: z.literal('constant'), value: scalar }),
] as const;

export const metricSchema = z.discriminatedUnion('generator', variants).superRefine((m, ctx) => {
  for (const p of metricProblems(m)) ctx.addIssue({ code: 'custom', path: p.path, message: p.message });
});

export type MetricConfig = z.output<typeof metricSchema>;
export type GeneratorName = MetricConfig['generator'];
type Base = keyof typeof metricBase;
/** The generator part of a metric: a discriminated union on `generator`. */
export type GeneratorConfig = MetricConfig extends infer M ? (M extends MetricConfig ? Omit<M, Base> : never) : never;

type ValueKind = 'number' | 'boolean' | 'string';
const TYPES_FOR_KIND: Record<ValueKind, readonly ScalarTypeName[]> = {
  number: [...NUMERIC_TYPES, 'DateTime'],
  boolean: ['Boolean'],
  string: TEXT_TYPES,
};

/** The datatypes a metric's generator can produce, or a problem when its values are mixed. */
function allowedTypes(m: MetricConfig): readonly ScalarTypeName[] | string {
  switch (m.generator) {
    case 'sine':
    case 'ramp':
    case 'randomWalk':
    case 'counter':
      return NUMERIC_TYPES;
    case 'constant':
      return TYPES_FOR_KIND[kindOfScalar(m.value)];
    case 'step': {
      if (m.values === undefined) return NUMERIC_TYPES;
      const kinds = new Set(m.values.map(kindOfScalar));
      const [kind] = kinds;
      if (kinds.size !== 1 || kind === undefined) return 'values must be all numbers, all booleans or all strings';
      return TYPES_FOR_KIND[kind];
    }
    default: {
      const unreachable: never = m;
      return unreachable;
    }
  }
}

/** A step metric takes either `values` or both `min` and `max`. */
function stepShapeProblems(m: { values?: unknown; min?: number | undefined; max?: number | undefined }): { path: (string | number)[]; message: string }[] {
  if (m.values !== undefined) {
    return m.min === undefined && m.max === undefined ? [] : [{ path: ['values'], message: 'give either values or min/max, not both' }];
  }
  if (m.min === undefined && m.max === undefined) return [{ path: [], message: 'generator "step" needs values: [...] or min and max' }];
  if (m.min === undefined) return [{ path: ['min'], message: 'required key is missing (generator "step" with max needs min)' }];
  if (m.max === undefined) return [{ path: ['max'], message: 'required key is missing (generator "step" with min needs max)' }];
  return [];
}

function kindOfScalar(v: number | boolean | string): ValueKind {
  return typeof v === 'number' ? 'number' : typeof v === 'boolean' ? 'boolean' : 'string';
}

/**
 * Cross-field rules of one metric. Exported so that sources built from hand-written configs (the
 * demo, tests) refuse the same things the YAML loader refuses.
 */
export function metricProblems(m: MetricConfig): { path: (string | number)[]; message: string }[] {
  const problems: { path: (string | number)[]; message: string }[] = [];
  const reserved = reservedMetricNameProblem(m.name);
  if (reserved !== undefined) problems.push({ path: ['name'], message: reserved });

  if (m.generator === 'step') problems.push(...stepShapeProblems(m));
  const allowed = allowedTypes(m);
  if (typeof allowed === 'string') problems.push({ path: ['values'], message: allowed });
  else if (!allowed.includes(m.type)) {
    problems.push({
      path: ['type'],
      message: `datatype "${m.type}" cannot carry the values of generator "${m.generator}"; expected one of ${allowed.join(', ')}`,
    });
  } else if (m.generator === 'constant') {
    const checked = checkValue(m.type, m.value);
    if ('problem' in checked) problems.push({ path: ['value'], message: checked.problem });
  } else if (m.generator === 'step') {
    // The step values are published as they are (min, min+1, …), so each must fit the datatype.
    const steps: [(string | number)[], number | boolean | string | undefined][] =
      m.values === undefined ? [[['min'], m.min], [['max'], m.max]] : m.values.map((v, i) => [['values', i], v]);
    for (const [path, v] of steps) {
      const checked = v === undefined ? undefined : checkValue(m.type, v);
      if (checked !== undefined && 'problem' in checked) problems.push({ path, message: checked.problem });
    }
  }

  if (
    (m.generator === 'sine' || m.generator === 'ramp' || m.generator === 'randomWalk' || m.generator === 'step') &&
    m.min !== undefined &&
    m.max !== undefined &&
    m.min >= m.max
  ) {
    problems.push({ path: ['min'], message: `min (${m.min}) must be less than max (${m.max})` });
  }
  if (m.deadband !== undefined && !isNumericType(m.type)) {
    problems.push({ path: ['deadband'], message: `a deadband applies to numeric datatypes only, not ${m.type}` });
  }
  if (m.unit !== undefined && m.properties?.['engUnit'] !== undefined) {
    problems.push({ path: ['unit'], message: 'give either unit or properties.engUnit, not both' });
  }
  return problems;
}
