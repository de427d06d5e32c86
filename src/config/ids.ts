/** Sparkplug identifiers as they appear in config: group, edge node, device and host ids. */
import { z } from 'zod';

const FORBIDDEN_ID_CHARS = /[+/#\u0000]/;

function idProblem(value: string): string | undefined {
  if (value.length === 0) return 'must not be empty';
  if (FORBIDDEN_ID_CHARS.test(value)) return `must not contain '/', '+', '#' or NUL (it becomes one MQTT topic level)`;
  return undefined;
}

/** A string that is usable as one Sparkplug topic level. */
function idSchema() {
  return z.string().superRefine((value, ctx) => {
    const problem = idProblem(value);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
  });
}

// Each id is one valid topic level: [tck-id-topic-structure-namespace-valid-group-id]
// [tck-id-topic-structure-namespace-valid-edge-node-id] [tck-id-topic-structure-namespace-valid-device-id]
export const groupIdSchema = idSchema(); // [tck-id-intro-group-id-chars] [tck-id-intro-group-id-string]
export const edgeNodeIdSchema = idSchema(); // [tck-id-intro-edge-node-id-chars] [tck-id-intro-edge-node-id-string]
export const deviceIdSchema = idSchema(); // [tck-id-intro-device-id-chars] [tck-id-intro-device-id-string]
/** The host id is the last level of `spBv1.0/STATE/<hostId>`, so the same character rules apply. */
export const hostIdSchema = idSchema();

/**
 * Names the edge node itself puts in its births; a user metric with one of these names would clash
 * with the bdSeq metric or the Node Control/Rebirth command.
 */
export function reservedMetricNameProblem(name: string): string | undefined {
  if (name === 'bdSeq' || name.startsWith('Node Control/')) {
    return `metric name "${name}" is reserved by Sparkplug (bdSeq and Node Control/* belong to the edge node)`;
  }
  return undefined;
}

interface Named {
  readonly key: string;
  /** Path relative to the list being checked; its first element is the item's index. */
  readonly path: (string | number)[];
}

function itemOf(n: Named): string {
  return `item ${String(n.path[0])} of this list`;
}

/**
 * Duplicates, and names that differ only by letter case
 * ([tck-id-case-sensitivity-sparkplug-ids], [tck-id-case-sensitivity-metric-names]: SHOULD NOT;
 * we refuse them because hosts that fold case would merge the two).
 */
export function duplicateProblems(items: readonly Named[], what: string): { path: (string | number)[]; message: string }[] {
  const seen = new Map<string, Named>();
  const problems: { path: (string | number)[]; message: string }[] = [];
  for (const item of items) {
    const first = seen.get(item.key.toLowerCase());
    if (first === undefined) {
      seen.set(item.key.toLowerCase(), item);
    } else if (first.key === item.key) {
      problems.push({ path: item.path, message: `duplicate ${what} "${item.key}" (also ${itemOf(first)})` });
    } else {
      problems.push({
        path: item.path,
        message: `${what} "${item.key}" differs from "${first.key}" (${itemOf(first)}) only by letter case`,
      });
    }
  }
  return problems;
}

/** Metric names must be unique within a device (letter case included, as hosts may fold it). */
export function uniqueMetricNames(metrics: readonly { name: string }[], ctx: { addIssue(issue: { code: 'custom'; path: (string | number)[]; message: string }): void }): void {
  const named = metrics.map((m, i) => ({ key: m.name, path: [i, 'name'] }));
  for (const p of duplicateProblems(named, 'metric name')) ctx.addIssue({ code: 'custom', ...p });
}
