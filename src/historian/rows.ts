/** A host `metrics` event → sample rows with typed, exact value columns. */
import type { MetricsEvent, MetricUpdate } from '../host/index.js';
import type { MetricTypeName, PropertySet } from '../payload/types.js';
import type { SampleRow } from './types.js';

const NUMERIC_TYPES: ReadonlySet<MetricTypeName> = new Set([
  'Int8', 'Int16', 'Int32', 'Int64', 'UInt8', 'UInt16', 'UInt32', 'UInt64', 'Float', 'Double', 'DateTime',
]);
const TEXT_TYPES: ReadonlySet<MetricTypeName> = new Set(['String', 'Text', 'UUID']);

export function rowsOf(e: MetricsEvent, receivedAt: number): SampleRow[] {
  const device = e.device ?? '';
  const bdSeq = e.bdSeq === undefined ? null : String(e.bdSeq);
  const seq = e.seq >= 0 && e.seq <= 255 ? e.seq : null;
  const out: SampleRow[] = [];
  for (const m of e.metrics) out.push(rowOf(e.group, e.node, device, m, receivedAt, bdSeq, seq));
  return out;
}

/** One object literal of a fixed shape (no spreads): this runs once per value on the host's message path. */
function rowOf(group: string, node: string, device: string, m: MetricUpdate, receivedAt: number, bdSeq: string | null, seq: number | null): SampleRow {
  const v = m.value;
  let num: string | null = null;
  let text: string | null = null;
  let bool: boolean | null = null;
  let bytes: string | null = null;
  let json: string | null = null;
  // A null value (is_null) leaves every value column null.
  if (v !== null) {
    if (NUMERIC_TYPES.has(m.type) && (typeof v === 'number' || typeof v === 'bigint')) num = numericText(v);
    else if (TEXT_TYPES.has(m.type) && typeof v === 'string') text = v;
    else if (m.type === 'Boolean' && typeof v === 'boolean') bool = v;
    else if (v instanceof Uint8Array) bytes = Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex');
    else json = exactJson(v);
  }
  const props = m.properties;
  return {
    group,
    node,
    device,
    name: m.name,
    datatype: m.type,
    properties: props === undefined ? null : exactJson(props),
    ts: String(m.timestamp),
    receivedAt,
    num,
    text,
    bool,
    bytes,
    json,
    isNull: v === null,
    quality: props === undefined ? null : qualityOf(props),
    historical: m.isHistorical,
    bdSeq,
    seq,
  };
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
