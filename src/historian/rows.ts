/** A host `metrics` event → sample rows with typed, exact value columns. */
import type { MetricsEvent, MetricUpdate } from '../host/index.js';
import type { MetricTypeName, PropertySet } from '../payload/types.js';
import type { SampleRow } from './types.js';

const NUMERIC_TYPES: ReadonlySet<MetricTypeName> = new Set([
  'Int8', 'Int16', 'Int32', 'Int64', 'UInt8', 'UInt16', 'UInt32', 'UInt64', 'Float', 'Double', 'DateTime',
]);
const TEXT_TYPES: ReadonlySet<MetricTypeName> = new Set(['String', 'Text', 'UUID']);

export function rowsOf(e: MetricsEvent, receivedAt: number): SampleRow[] {
  const base = {
    group: e.group,
    node: e.node,
    device: e.device ?? '',
    receivedAt,
    bdSeq: e.bdSeq === undefined ? null : String(e.bdSeq),
    seq: e.seq >= 0 && e.seq <= 255 ? e.seq : null,
  };
  return e.metrics.map((m) => ({ ...base, ...columnsOf(m) }));
}

type Columns = Omit<SampleRow, 'group' | 'node' | 'device' | 'receivedAt' | 'bdSeq' | 'seq'>;

function columnsOf(m: MetricUpdate): Columns {
  const c = {
    name: m.name,
    datatype: m.type,
    properties: m.properties === undefined ? null : exactJson(m.properties),
    ts: String(m.timestamp),
    num: null as string | null,
    text: null as string | null,
    bool: null as boolean | null,
    bytes: null as string | null,
    json: null as string | null,
    isNull: m.value === null,
    quality: qualityOf(m.properties),
    historical: m.isHistorical,
  };
  const v = m.value;
  if (v === null) return c;
  if (NUMERIC_TYPES.has(m.type) && (typeof v === 'number' || typeof v === 'bigint')) c.num = numericText(v);
  else if (TEXT_TYPES.has(m.type) && typeof v === 'string') c.text = v;
  else if (m.type === 'Boolean' && typeof v === 'boolean') c.bool = v;
  else if (v instanceof Uint8Array) c.bytes = Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex');
  else c.json = exactJson(v);
  return c;
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
function qualityOf(props: PropertySet<number | bigint> | undefined): number | null {
  const q = props?.['Quality']?.value;
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
