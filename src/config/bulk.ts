/**
 * The load-test shorthand `{ bulk: { devices: N, metrics: M, … } }`, expanded into N ordinary
 * device configs so that everything downstream sees one shape.
 */
import { z } from 'zod';
import { NUMERIC_TYPES } from './datatypes.js';
import { deviceIdSchema } from './ids.js';
import type { MetricConfig } from './metric.js';

/** Guards against a stray zero turning a load test into an out-of-memory crash. */
const MAX_BULK_METRICS = 1_000_000;

export const bulkSchema = z
  .strictObject({
    devices: z.int().positive(),
    metrics: z.int().positive(),
    type: z.enum(NUMERIC_TYPES).default('Double'),
    generator: z.enum(['sine', 'ramp', 'randomWalk', 'counter']).default('randomWalk'),
    min: z.number().default(0),
    max: z.number().default(100),
    periodMs: z.number().positive().default(60_000),
    /** randomWalk: largest move per sample; counter: increment per sample. */
    step: z.number().positive().optional(),
    /** Fraction of metrics that take a new value on each sample. */
    changeRate: z.number().min(0).max(1).default(1),
    idPrefix: deviceIdSchema.default('Dev'),
    writable: z.boolean().default(false),
  })
  .superRefine((b, ctx) => {
    if (b.min >= b.max) ctx.addIssue({ code: 'custom', path: ['min'], message: `min (${b.min}) must be less than max (${b.max})` });
    if (b.devices * b.metrics > MAX_BULK_METRICS) {
      ctx.addIssue({ code: 'custom', path: ['metrics'], message: `devices × metrics must be at most ${MAX_BULK_METRICS}` });
    }
  });

export const bulkEntrySchema = z.strictObject({ bulk: bulkSchema });

export type BulkConfig = z.output<typeof bulkSchema>;

function padded(i: number, count: number): string {
  return String(i).padStart(String(count).length, '0');
}

/** `Dev001` … `Dev100` for 100 devices: zero-padded so that ids sort in creation order. */
export function bulkDeviceIds(b: BulkConfig): string[] {
  return Array.from({ length: b.devices }, (_, i) => `${b.idPrefix}${padded(i + 1, b.devices)}`);
}

function bulkMetric(b: BulkConfig, name: string): MetricConfig {
  const common = { name, type: b.type, writable: b.writable, changeRate: b.changeRate };
  switch (b.generator) {
    case 'sine':
    case 'ramp':
      return { ...common, generator: b.generator, min: b.min, max: b.max, periodMs: b.periodMs };
    case 'randomWalk':
      return { ...common, generator: 'randomWalk', min: b.min, max: b.max, step: b.step ?? (b.max - b.min) / 100 };
    case 'counter':
      return { ...common, generator: 'counter', start: b.min, step: b.step ?? 1 };
    default: {
      const unreachable: never = b.generator;
      return unreachable;
    }
  }
}

export function expandBulk(b: BulkConfig): { id: string; source: 'simulated'; metrics: MetricConfig[] }[] {
  const metrics = Array.from({ length: b.metrics }, (_, j) => bulkMetric(b, `M${padded(j + 1, b.metrics)}`));
  // Metric configs are plain data never mutated downstream, so devices share one array.
  return bulkDeviceIds(b).map((id) => ({ id, source: 'simulated', metrics }));
}
