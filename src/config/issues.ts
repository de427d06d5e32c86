/**
 * Turns zod issues into ConfigIssues a person can act on: key paths as written in YAML, one issue
 * per unknown key with a "did you mean", and union failures reduced to the branch the user meant.
 */
import type { z } from 'zod';
import type { ConfigIssue } from './error.js';

type ZodIssue = z.core.$ZodIssue;
type RawIssue = z.core.$ZodRawIssue;

/** `['devices', 0, 'metrics', 1, 'type']` → `devices[0].metrics[1].type`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (typeof seg === 'string' && /^[A-Za-z_$][\w$]*$/.test(seg)) out += out === '' ? seg : `.${seg}`;
    else out += `[${JSON.stringify(String(seg))}]`;
  }
  return out;
}

/** Describes a value by its kind only: config values may be secrets. */
function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'number') return Number.isInteger(value) ? 'an integer' : 'a number';
  return `a ${typeof value}`;
}

const EXPECTED: Readonly<Record<string, string>> = {
  object: 'a mapping',
  array: 'a list',
  int: 'an integer',
  number: 'a number',
  string: 'a string',
  boolean: 'true or false',
};

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row.push(Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost));
    }
    prev = row;
  }
  return prev[b.length] ?? 0;
}

function unknownKeyMessage(key: string, known: readonly string[]): string {
  const close = known
    .map((k) => ({ k, d: editDistance(key.toLowerCase(), k.toLowerCase()) }))
    .filter((c) => c.d <= Math.max(2, Math.floor(key.length / 4)))
    .sort((x, y) => x.d - y.d)[0];
  if (close !== undefined) return `unknown key; did you mean "${close.k}"?`;
  return known.length > 0 ? `unknown key; expected one of ${known.join(', ')}` : 'unknown key';
}

function knownKeys(inst: unknown): string[] {
  if (typeof inst === 'object' && inst !== null && 'shape' in inst) {
    const shape: unknown = inst.shape;
    if (typeof shape === 'object' && shape !== null) return Object.keys(shape);
  }
  return [];
}

/** Per-parse zod error map: every message a user sees from the schemas passes through here. */
export function errorMap(iss: RawIssue): string | undefined {
  switch (iss.code) {
    case 'invalid_type':
      if (iss.input === undefined) return 'required key is missing';
      return `expected ${EXPECTED[iss.expected] ?? iss.expected}, got ${kindOf(iss.input)}`;
    case 'unrecognized_keys': {
      // One line per key, split again in toConfigIssues: the schema (and so the known keys) is
      // only visible here, the per-key paths only there.
      const known = knownKeys(iss.inst);
      return iss.keys.map((k) => unknownKeyMessage(k, known)).join('\n');
    }
    case 'invalid_union': {
      if (!('discriminator' in iss) || typeof iss.discriminator !== 'string') return undefined;
      const options = Array.isArray(iss.options) ? iss.options.map(String).join(', ') : '';
      const input: unknown = iss.input;
      const got = typeof input === 'object' && input !== null ? Object.getOwnPropertyDescriptor(input, iss.discriminator)?.value : undefined;
      if (got === undefined) return `required key is missing; expected one of ${options}`;
      return `unknown ${iss.discriminator} ${typeof got === 'string' ? JSON.stringify(got) : kindOf(got)}; expected one of ${options}`;
    }
    case 'too_small':
      if (iss.origin === 'array') return `must have at least ${String(iss.minimum)} item(s)`;
      if (iss.origin === 'string') return 'must not be empty';
      return `must be ${iss.inclusive === true ? '≥' : '>'} ${String(iss.minimum)}`;
    case 'too_big':
      if (iss.origin === 'array') return `must have at most ${String(iss.maximum)} item(s)`;
      if (iss.origin === 'string') return `must be at most ${String(iss.maximum)} characters`;
      return `must be ${iss.inclusive === true ? '≤' : '<'} ${String(iss.maximum)}`;
    case 'invalid_value':
      return `expected one of ${iss.values.map((v) => JSON.stringify(v)).join(', ')}`;
    default:
      return undefined;
  }
}

/** Issues at the top of a union branch mean the input does not have that branch's shape at all. */
function shapeMismatch(issues: readonly ZodIssue[]): number {
  return issues.filter((i) => i.path.length === 0 || (i.code === 'invalid_type' && i.path.length === 1)).length;
}

export function toConfigIssues(issues: readonly ZodIssue[], prefix: readonly PropertyKey[] = []): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const issue of issues) {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      const messages = issue.message.split('\n');
      issue.keys.forEach((key, i) => out.push({ path: formatPath([...path, key]), message: messages[i] ?? 'unknown key' }));
    } else if (issue.code === 'invalid_union' && issue.errors.length > 0 && !('discriminator' in issue)) {
      // Report the branch the user evidently meant: the one whose top-level shape fits best.
      const best = [...issue.errors].sort((a, b) => shapeMismatch(a) - shapeMismatch(b) || a.length - b.length)[0] ?? [];
      const nested = best.some((i) => i.path.length > 0);
      if (nested) out.push(...toConfigIssues(best, path));
      else out.push({ path: formatPath(path), message: issue.message });
    } else {
      out.push({ path: formatPath(path), message: issue.message });
    }
  }
  return out;
}
