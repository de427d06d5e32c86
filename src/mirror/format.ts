/**
 * Topics and JSON payloads of the retained mirror (README: Retained MQTT mirror).
 *
 * Topic: `<prefix>/<group>/<node>/[<device>/]<metric name>`; a `/` in a metric name makes topic
 * levels. Characters a topic name cannot hold (`+`, `#`, NUL) are percent-encoded, and so is `%`
 * itself, so that two different metric names never share a topic.
 *
 * Payload: `{"value":…,"timestamp":…,"datatype":…,"quality":…}`. 64-bit integer types (Int64,
 * UInt64, DateTime and their arrays, DataSet cells and Template parameters of those types) are
 * always decimal strings, whatever their size: a client then reads one datatype one way. Bytes and
 * File are base64; NaN and ±Infinity are the strings "NaN", "Infinity", "-Infinity".
 */
import type { DataSet, Int64, MetricTypeName, MetricValue, Template } from '../payload/types.js';
import { toJson, type JsonValue } from '../host/index.js';

/**
 * good: the owner (node or device) is online and the host connected. offline: the node or device
 * died (NDEATH/DDEATH) or, for a device, awaits its DBIRTH after its node's rebirth. stale: the host
 * lost its own MQTT connection, so it cannot tell.
 */
export type MirrorQuality = 'good' | 'offline' | 'stale';

const ENCODED = /[%+#\0]/g;

function encodeChar(c: string): string {
  return `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`;
}

/** The topic levels of one metric name: `%`, `+`, `#` and NUL percent-encoded. */
export function metricTopicPart(name: string): string {
  return name.replace(ENCODED, encodeChar);
}

export function metricTopic(prefix: string, group: string, node: string, device: string | undefined, name: string): string {
  // Group, node and device ids are Sparkplug ids: they hold no `/`, `+` or `#` (topic/ids.ts).
  const owner = device === undefined ? `${prefix}/${group}/${node}` : `${prefix}/${group}/${node}/${device}`;
  return `${owner}/${metricTopicPart(name)}`;
}

const WIDE_SCALARS: ReadonlySet<string> = new Set(['Int64', 'UInt64', 'DateTime']);
const WIDE_ARRAYS: ReadonlySet<string> = new Set(['Int64Array', 'UInt64Array', 'DateTimeArray']);

function scalar(type: string, v: unknown): JsonValue {
  if (v === null || v === undefined) return null;
  if (WIDE_SCALARS.has(type) && (typeof v === 'number' || typeof v === 'bigint')) return String(v);
  return toJson(v);
}

/** `{columns, types, rows}`; each cell by its column's type. */
function dataSet(d: DataSet<Int64>): JsonValue {
  return {
    columns: [...d.columns],
    types: [...d.types],
    rows: d.rows.map((row) => row.map((cell, i) => scalar(d.types[i] ?? '', cell))),
  };
}

/** `{templateRef?, version?, isDefinition?, parameters: [{name, type, value}], metrics: [{name, datatype, value, timestamp?}]}`. */
function template(t: Template<Int64>): JsonValue {
  const out: { [key: string]: JsonValue } = {};
  if (t.templateRef !== undefined) out['templateRef'] = t.templateRef;
  if (t.version !== undefined) out['version'] = t.version;
  if (t.isDefinition !== undefined) out['isDefinition'] = t.isDefinition;
  out['parameters'] = (t.parameters ?? []).map((p) => ({ name: p.name, type: p.type, value: scalar(p.type, p.value) }));
  out['metrics'] = (t.metrics ?? []).map((m) => {
    const type = m.type ?? 'Unknown';
    const e: { [key: string]: JsonValue } = { name: m.name ?? null, datatype: type };
    e['value'] = m.type === undefined ? toJson(m.value ?? null) : metricJson(m.type, m.value ?? null);
    if (m.timestamp !== undefined) e['timestamp'] = toJson(m.timestamp);
    return e;
  });
  return out;
}

/** One metric value as JSON, by its birth datatype. */
export function metricJson(type: MetricTypeName, value: MetricValue<Int64>): JsonValue {
  if (value === null) return null;
  if (type === 'DataSet') return typeof value === 'object' && 'rows' in value ? dataSet(value) : null;
  if (type === 'Template') return typeof value === 'object' && !Array.isArray(value) && !(value instanceof Uint8Array) && !('rows' in value) ? template(value) : null;
  if (WIDE_ARRAYS.has(type) && Array.isArray(value)) return value.map((x: unknown) => scalar('Int64', x));
  return scalar(type, value);
}

/** The retained message of one metric. Keys in a fixed order, so equal states give equal strings. */
export function metricPayload(type: MetricTypeName, value: MetricValue<Int64>, timestamp: Int64, quality: MirrorQuality): string {
  // Timestamps are ms since the epoch: numbers (a bigint only beyond 2^53, then a string).
  const ts = typeof timestamp === 'bigint' ? `"${timestamp.toString()}"` : String(timestamp);
  return `{"value":${JSON.stringify(metricJson(type, value))},"timestamp":${ts},"datatype":"${type}","quality":"${quality}"}`;
}
