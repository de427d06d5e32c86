/**
 * What GET /api/events sends: Server-Sent Events whose `data` is one JSON object each.
 *
 *   event: snapshot   SnapshotMessage   first, and again after the stream was dropped for lagging
 *   event: delta      DeltaMessage      every batch interval with something in it
 *   event: nodes      NodesMessage      node summaries (seq, counters, online/stale) when they changed
 *
 * Metrics travel as tuples, not objects: a snapshot of 100,000 metrics is mostly names and values,
 * and keys repeated per metric would double it. Values use the snapshot's JSON encoding
 * (64-bit integers beyond 2^53 and bigints as decimal strings, bytes as base64; see host/snapshot.ts).
 */
import type { HostCounters, HostSnapshot, HostState, JsonValue, MetricSnapshot, NodeCounters, NodeSnapshot, RebirthReason } from '../../host/index.js';
import type { MetricTypeName } from '../../payload/types.js';

/** A 64-bit integer or timestamp as in the snapshot: a number, or a decimal string beyond 2^53. */
export type WireInt = number | string;

/** One metric of a snapshot or birth, in birth order: [name, datatype, value, timestamp, engineering unit]. */
export type WireMetric = [name: string, type: MetricTypeName, value: JsonValue, timestamp: WireInt, unit?: string];

/** One changed value: [name, value, timestamp]. */
export type WireValue = [name: string, value: JsonValue, timestamp: WireInt];

/** The changed values of one node (device null) or device in one batch, latest per metric. */
export type WireValues = [group: string, node: string, device: string | null, values: WireValue[]];

export interface WireDevice {
  readonly d: string;
  readonly online: boolean;
  readonly staleSince: WireInt | null;
}

export interface WireNode {
  readonly g: string;
  readonly n: string;
  readonly online: boolean;
  readonly stale: boolean;
  readonly staleSince: WireInt | null;
  readonly bdSeq: WireInt | null;
  /** NBIRTH payload timestamp. */
  readonly birth: WireInt | null;
  readonly seq: number | null;
  readonly counters: NodeCounters;
  readonly devices: readonly WireDevice[];
}

export interface WireDeviceFull extends WireDevice {
  readonly metrics: readonly WireMetric[];
}

export interface WireNodeFull extends Omit<WireNode, 'devices'> {
  readonly metrics: readonly WireMetric[];
  readonly devices: readonly WireDeviceFull[];
}

export interface SnapshotMessage {
  readonly hostId: string;
  readonly state: HostState;
  readonly counters: HostCounters;
  /** Whether the demo's controls (restart broker) are served. */
  readonly demo: boolean;
  /** How often deltas are sent at most, ms. */
  readonly batchMs: number;
  readonly nodes: readonly WireNodeFull[];
}

export interface NodesMessage {
  readonly state: HostState;
  readonly counters: HostCounters;
  readonly nodes: readonly WireNode[];
}

/** Things that happened in a batch, in order; applied before the batch's values. */
export type LiveEvent =
  | { readonly k: 'nbirth'; readonly g: string; readonly n: string; readonly bdSeq: WireInt | null; readonly ts: WireInt; metrics: WireMetric[] }
  | { readonly k: 'ndeath'; readonly g: string; readonly n: string; readonly ts: WireInt }
  | { readonly k: 'dbirth'; readonly g: string; readonly n: string; readonly d: string; readonly ts: WireInt; metrics: WireMetric[] }
  | { readonly k: 'ddeath'; readonly g: string; readonly n: string; readonly d: string; readonly ts: WireInt }
  | { readonly k: 'rebirth'; readonly g: string; readonly n: string; readonly reason: RebirthReason }
  | { readonly k: 'host'; readonly state: HostState };

export interface DeltaMessage {
  readonly events: readonly LiveEvent[];
  readonly values: readonly WireValues[];
}

/** A metric as a tuple; the `engUnit` birth property (Sparkplug's engineering unit), when it is a string, rides along. */
export function wireMetric(name: string, type: MetricTypeName, value: JsonValue, timestamp: WireInt, unit: unknown): WireMetric {
  return typeof unit === 'string' ? [name, type, value, timestamp, unit] : [name, type, value, timestamp];
}

/** The value of the `engUnit` property of a snapshot metric ({engUnit: {type, value}}), if any. */
function unitOf(properties: JsonValue | undefined): unknown {
  if (typeof properties !== 'object' || properties === null || Array.isArray(properties)) return undefined;
  const p = properties['engUnit'];
  return typeof p === 'object' && p !== null && !Array.isArray(p) ? p['value'] : undefined;
}

function metrics(table: Record<string, MetricSnapshot>): WireMetric[] {
  const out: WireMetric[] = [];
  for (const name in table) {
    const m = table[name];
    if (m !== undefined) out.push(wireMetric(name, m.type, m.value, m.timestamp, unitOf(m.properties)));
  }
  return out;
}

function nodeInfo(g: string, n: string, s: NodeSnapshot): Omit<WireNode, 'devices'> {
  return { g, n, online: s.online, stale: s.stale, staleSince: s.staleSince, bdSeq: s.bdSeq, birth: s.birthTimestamp, seq: s.lastSeq, counters: s.counters };
}

export function snapshotMessage(s: HostSnapshot, demo: boolean, batchMs: number): SnapshotMessage {
  const nodes: WireNodeFull[] = [];
  for (const g in s.groups) {
    const group = s.groups[g];
    for (const n in group?.nodes) {
      const node = group?.nodes[n];
      if (node === undefined) continue;
      const devices: WireDeviceFull[] = [];
      for (const d in node.devices) {
        const dev = node.devices[d];
        if (dev !== undefined) devices.push({ d, online: dev.online, staleSince: dev.staleSince, metrics: metrics(dev.metrics) });
      }
      nodes.push({ ...nodeInfo(g, n, node), metrics: metrics(node.metrics), devices });
    }
  }
  return { hostId: s.hostId, state: s.state, counters: s.counters, demo, batchMs, nodes };
}

/** The node summaries of a snapshot, without any metric. */
export function nodesMessage(s: HostSnapshot): NodesMessage {
  const nodes: WireNode[] = [];
  for (const g in s.groups) {
    const group = s.groups[g];
    for (const n in group?.nodes) {
      const node = group?.nodes[n];
      if (node === undefined) continue;
      const devices: WireDevice[] = [];
      for (const d in node.devices) {
        const dev = node.devices[d];
        if (dev !== undefined) devices.push({ d, online: dev.online, staleSince: dev.staleSince });
      }
      nodes.push({ ...nodeInfo(g, n, node), devices });
    }
  }
  return { state: s.state, counters: s.counters, nodes };
}
