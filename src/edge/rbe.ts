/**
 * Report by exception: a metric is published only when its value changed beyond the metric's
 * deadband since the value last reported (in a birth or a data message).
 */
import type { MetricValue } from '../payload/types.js';
import type { Deadband } from '../sources/types.js';

export function hasChanged(last: MetricValue | undefined, next: MetricValue, deadband: Deadband | undefined): boolean {
  if (last === undefined) return true;
  if (typeof next === 'number' && typeof last === 'number') {
    if (Number.isNaN(next) || Number.isNaN(last)) return !(Number.isNaN(next) && Number.isNaN(last));
    if (deadband === undefined) return next !== last;
    const delta = Math.abs(next - last);
    // A deadband suppresses small moves, never a move to or from a non-finite value.
    if (!Number.isFinite(delta)) return next !== last;
    const limit = deadband.kind === 'absolute' ? deadband.value : (Math.abs(last) * deadband.value) / 100;
    return delta > limit;
  }
  return !sameValue(last, next);
}

function sameValue(a: MetricValue, b: MetricValue): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (a instanceof Uint8Array && b instanceof Uint8Array) {
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }
  // DataSets, Templates and long-like values: compare structurally; they change rarely.
  return JSON.stringify(a, jsonSafe) === JSON.stringify(b, jsonSafe);
}

function jsonSafe(_key: string, v: unknown): unknown {
  if (typeof v === 'bigint') return `${v}n`;
  if (v instanceof Uint8Array) return Array.from(v);
  return v;
}
