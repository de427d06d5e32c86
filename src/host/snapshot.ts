/**
 * A plain, JSON-able copy of the live model (the shape of the HTTP API's GET /api/state).
 *
 * Encoding choices, so that `JSON.stringify(snapshot)` is lossless and never throws:
 * - 64-bit integers: the codec yields a bigint only beyond ±2^53; every bigint becomes a decimal string.
 * - Bytes/File (Uint8Array): base64 string (the metric's `type` tells it apart from a String).
 * - NaN/±Infinity (Float/Double): the strings "NaN", "Infinity", "-Infinity" (JSON has no such numbers).
 * - Records use null prototypes: ids such as "__proto__" are valid Sparkplug ids.
 */
import type { Int64, MetricTypeName } from '../payload/types.js';
import type { MetricTable } from './metric-table.js';
import type { HostModel, NodeModel } from './model.js';
import type { HostCounters, HostState, NodeCounters } from './types.js';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export interface MetricSnapshot {
  value: JsonValue;
  type: MetricTypeName;
  timestamp: number | string;
  stale: boolean;
  alias?: number | string;
  properties?: JsonValue;
}

export interface DeviceSnapshot {
  online: boolean;
  /** When the device went offline/stale (DDEATH payload time or host time); null while live. */
  staleSince: number | string | null;
  metrics: Record<string, MetricSnapshot>;
}

export interface NodeSnapshot {
  online: boolean;
  stale: boolean;
  staleSince: number | string | null;
  bdSeq: number | string | null;
  birthTimestamp: number | string | null;
  lastSeq: number | null;
  counters: NodeCounters;
  metrics: Record<string, MetricSnapshot>;
  devices: Record<string, DeviceSnapshot>;
}

export interface HostSnapshot {
  hostId: string;
  state: HostState;
  counters: HostCounters;
  groups: Record<string, { nodes: Record<string, NodeSnapshot> }>;
}

function record<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

function int64(v: Int64): number | string {
  return typeof v === 'bigint' ? v.toString() : v;
}

function optInt64(v: Int64 | undefined): number | string | null {
  return v === undefined ? null : int64(v);
}

/** Any decoded value (scalars, arrays, DataSet, Template, PropertySet) as JSON. */
export function toJson(v: unknown): JsonValue {
  switch (typeof v) {
    case 'number':
      return Number.isFinite(v) ? v : String(v);
    case 'bigint':
      return v.toString();
    case 'string':
    case 'boolean':
      return v;
    case 'object': {
      if (v === null) return null;
      if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
      if (Array.isArray(v)) return v.map(toJson);
      const out = record<JsonValue>();
      for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = toJson(x);
      return out;
    }
    default:
      // undefined, functions and symbols do not occur in decoded payloads
      return null;
  }
}

function metrics(table: MetricTable): Record<string, MetricSnapshot> {
  const out = record<MetricSnapshot>();
  for (const r of table.rows()) {
    const m: MetricSnapshot = { value: toJson(table.value(r)), type: table.type(r), timestamp: int64(table.timestamp(r)), stale: table.stale };
    const alias = table.alias(r);
    if (alias !== undefined) m.alias = int64(alias);
    const properties = table.properties(r);
    if (properties !== undefined) m.properties = toJson(properties);
    out[table.name(r)] = m;
  }
  return out;
}

function node(n: NodeModel): NodeSnapshot {
  const devices = record<DeviceSnapshot>();
  for (const d of n.devices.values()) {
    devices[d.id] = { online: d.online, staleSince: optInt64(d.staleSince), metrics: metrics(d.metrics) };
  }
  return {
    online: n.online,
    stale: n.stale,
    staleSince: optInt64(n.staleSince),
    bdSeq: optInt64(n.bdSeq),
    birthTimestamp: optInt64(n.birthTimestamp),
    lastSeq: n.lastSeq ?? null,
    counters: { ...n.counters },
    metrics: metrics(n.metrics),
    devices,
  };
}

export function snapshotModel(hostId: string, state: HostState, counters: HostCounters, model: HostModel): HostSnapshot {
  const groups = record<{ nodes: Record<string, NodeSnapshot> }>();
  for (const [g, nodes] of model.groups) {
    const out = record<NodeSnapshot>();
    for (const [id, n] of nodes) out[id] = node(n);
    groups[g] = { nodes: out };
  }
  return { hostId, state, counters: { ...counters }, groups };
}

/** Sizes of the model for gauges (GET /metrics): O(nodes + devices), no copy of any metric. */
export interface ModelStats {
  nodesOnline: number;
  nodesOffline: number;
  devicesOnline: number;
  devicesOffline: number;
  /** Metrics held (nodes' and devices' birth metrics, stale ones included). */
  metrics: number;
  /** Of those, how many are stale. Counted per owner: a stale node or device has only stale metrics. */
  staleMetrics: number;
}

export function modelStats(model: HostModel): ModelStats {
  const s: ModelStats = { nodesOnline: 0, nodesOffline: 0, devicesOnline: 0, devicesOffline: 0, metrics: 0, staleMetrics: 0 };
  for (const n of model.nodes()) {
    if (n.online) s.nodesOnline++;
    else s.nodesOffline++;
    s.metrics += n.metrics.size;
    if (n.stale) s.staleMetrics += n.metrics.size;
    for (const d of n.devices.values()) {
      if (d.online) s.devicesOnline++;
      else s.devicesOffline++;
      s.metrics += d.metrics.size;
      if (n.stale || !d.online) s.staleMetrics += d.metrics.size;
    }
  }
  return s;
}
