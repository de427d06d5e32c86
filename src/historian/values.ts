/**
 * The value columns of one `samples` row as COPY text, typed and exact: built once per value on
 * the host's message path, so without per-value objects or arrays.
 */
import type { MetricUpdate } from '../host/index.js';
import type { MetricTypeName, PropertySet } from '../payload/types.js';
import { copyField } from './sql.js';

export const NUL = '\\N';

const NUMERIC_TYPES: ReadonlySet<MetricTypeName> = new Set([
  'Int8', 'Int16', 'Int32', 'Int64', 'UInt8', 'UInt16', 'UInt32', 'UInt64', 'Float', 'Double', 'DateTime',
]);
const TEXT_TYPES: ReadonlySet<MetricTypeName> = new Set(['String', 'Text', 'UUID']);

// The columns after the one that holds the value, up to is_null, for each value column.
const AFTER_NUM = `\t${NUL}\t${NUL}\t${NUL}\t${NUL}\tf\t`;
const AFTER_TEXT = `\t${NUL}\t${NUL}\t${NUL}\tf\t`;
const AFTER_BOOL = `\t${NUL}\t${NUL}\tf\t`;
const AFTER_BYTES = `\t${NUL}\tf\t`;
const AFTER_JSON = '\tf\t';
const ALL_NULL = `${NUL}\t${NUL}\t${NUL}\t${NUL}\t${NUL}\tt\t`;

/**
 * value_num, value_text, value_bool, value_bytes, value_json, is_null, quality, is_historical,
 * tab-separated. A null value (is_null) leaves every value column null.
 */
export function valueFields(m: MetricUpdate): string {
  const v = m.value;
  let head: string;
  if (v === null) head = ALL_NULL;
  else if (NUMERIC_TYPES.has(m.type) && (typeof v === 'number' || typeof v === 'bigint')) head = numericText(v) + AFTER_NUM;
  else if (TEXT_TYPES.has(m.type) && typeof v === 'string') head = NUL + '\t' + copyField(v) + AFTER_TEXT;
  else if (m.type === 'Boolean' && typeof v === 'boolean') head = (v ? `${NUL}\t${NUL}\tt` : `${NUL}\t${NUL}\tf`) + AFTER_BOOL;
  else if (v instanceof Uint8Array) head = `${NUL}\t${NUL}\t${NUL}\t\\\\x` + Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex') + AFTER_BYTES;
  else head = `${NUL}\t${NUL}\t${NUL}\t${NUL}\t` + copyField(exactJson(v)) + AFTER_JSON;
  const props = m.properties;
  const quality = props === undefined ? null : qualityOf(props);
  return head + (quality === null ? NUL : String(quality)) + (m.isHistorical ? '\tt' : '\tf');
}

/**
 * The decimal PostgreSQL's numeric keeps exactly. For a double, JS's shortest round-trip form: it
 * parses back to the very same number (a float8→numeric cast would round to 15 digits).
 */
export function numericText(v: number | bigint): string {
  if (typeof v === 'bigint') return v.toString();
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  return String(v);
}

/** Sparkplug's `Quality` property convention: 192 good, 0 bad, 500 stale. */
function qualityOf(props: PropertySet<number | bigint>): number | null {
  const q = props['Quality']?.value;
  return typeof q === 'number' && Number.isInteger(q) ? q : typeof q === 'bigint' ? Number(q) : null;
}

/**
 * JSON whose numbers are exact in jsonb (which stores them as numeric): bigints as integer literals,
 * doubles in their shortest round-trip form; NaN/±Infinity (not JSON) and bytes (hex) as strings.
 */
export function exactJson(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : JSON.stringify(numericText(v));
  if (typeof v === 'string' || typeof v === 'boolean') return JSON.stringify(v);
  if (v instanceof Uint8Array) return JSON.stringify(Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex'));
  if (Array.isArray(v)) return `[${v.map((x) => exactJson(x)).join(',')}]`;
  if (typeof v === 'object') {
    const parts: string[] = [];
    for (const [k, x] of Object.entries(v)) if (x !== undefined) parts.push(`${JSON.stringify(k)}:${exactJson(x)}`);
    return `{${parts.join(',')}}`;
  }
  return 'null';
}
