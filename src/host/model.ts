/**
 * The live model: groups → edge nodes → devices → metrics.
 *
 * Memory is the constraint here (the host-restart benchmark holds 1,000,000 metrics at under
 * 300 bytes each): one `MetricSlot` object with a fixed shape per metric, and per node/device one
 * name → slot map plus, only when the birth used aliases, one alias → slot map. No per-metric
 * closures, no per-metric history; stale times live on the owner (node/device), not the metric.
 */
import type { DecodedMetric, Int64, MetricTypeName, MetricValue, PropertySet } from '../payload/types.js';
import type { NodeCounters } from './types.js';

export class MetricSlot {
  constructor(
    readonly name: string,
    readonly alias: Int64 | undefined,
    readonly type: MetricTypeName,
    public value: MetricValue<Int64>,
    public timestamp: Int64,
    public properties: PropertySet<Int64> | undefined,
    public stale: boolean,
  ) {}
}

/** The metric set of one birth certificate: O(1) lookup by name and by alias. */
export class MetricTable {
  private readonly byName = new Map<string, MetricSlot>();
  private byAlias: Map<Int64, MetricSlot> | undefined;

  /**
   * Passed to `decodePayload` as `resolveType`: data messages carry no datatype
   * ([tck-id-payloads-metric-datatype-not-req]), so the birth's datatype decides how to read the value.
   * One function per table, not per metric.
   */
  readonly resolveType = (m: { name?: string; alias?: number | bigint }): MetricTypeName | undefined =>
    this.find(m)?.type;

  add(slot: MetricSlot): void {
    this.byName.set(slot.name, slot);
    if (slot.alias !== undefined) (this.byAlias ??= new Map()).set(slot.alias, slot);
  }

  /** Alias first: aliased data carries the alias only ([tck-id-payloads-alias-data-cmd-requirement]). */
  find(m: { name?: string; alias?: number | bigint }): MetricSlot | undefined {
    if (m.alias !== undefined) {
      const slot = this.byAlias?.get(m.alias);
      if (slot !== undefined || m.name === undefined) return slot;
    }
    return m.name === undefined ? undefined : this.byName.get(m.name);
  }

  byNameOnly(name: string): MetricSlot | undefined {
    return this.byName.get(name);
  }

  get size(): number {
    return this.byName.size;
  }

  slots(): IterableIterator<MetricSlot> {
    return this.byName.values();
  }

  markStale(): void {
    for (const s of this.byName.values()) s.stale = true;
  }
}

/** Shared by every node/device before its first birth; never added to. */
const EMPTY_TABLE: MetricTable = new MetricTable();

export class DeviceModel {
  online = false;
  /** DDEATH payload time (H-DDEATH-*) or host time (NDEATH, lost server) when the device went stale. */
  staleSince: Int64 | undefined;
  birthTimestamp: Int64 | undefined;
  metrics: MetricTable = EMPTY_TABLE;

  constructor(readonly id: string) {}
}

/** The messages that carry the node's seq, after the NBIRTH that sets its baseline (HP-5). */
export type SequencedMessage =
  | { readonly verb: 'NDATA' }
  | { readonly verb: 'DBIRTH' | 'DDATA' | 'DDEATH'; readonly device: string };

/**
 * A message held back because it arrived ahead of a missing seq (H-REORDER-*). Kept as bytes and
 * decoded again when applied: a DBIRTH in the gap may change the datatypes its data is read with.
 */
export interface BufferedMessage {
  readonly msg: SequencedMessage;
  readonly bytes: Uint8Array;
}

export class NodeModel {
  online = false;
  /** True from the host's own disconnect (H-LOST-SERVER-STALE) or a death until the next NBIRTH. */
  stale = false;
  staleSince: Int64 | undefined;
  bdSeq: Int64 | undefined;
  /** NBIRTH payload timestamp. */
  birthTimestamp: Int64 | undefined;
  /** seq of the last message applied in order; undefined until an NBIRTH sets the baseline (HP-5). */
  lastSeq: number | undefined;
  /** Out-of-order messages by seq, created on the first gap. */
  pending: Map<number, BufferedMessage> | undefined;
  reorderTimer: ReturnType<typeof setTimeout> | undefined;
  metrics: MetricTable = EMPTY_TABLE;
  readonly devices = new Map<string, DeviceModel>();
  readonly counters: NodeCounters = { messages: 0, gaps: 0, rebirthsRequested: 0, decodeErrors: 0 };

  constructor(
    readonly group: string,
    readonly id: string,
  ) {}

  device(id: string): DeviceModel {
    let d = this.devices.get(id);
    if (d === undefined) {
      d = new DeviceModel(id);
      this.devices.set(id, d);
    }
    return d;
  }

  clearReorder(): void {
    clearTimeout(this.reorderTimer);
    this.reorderTimer = undefined;
    this.pending = undefined;
  }

  /** Node and every device offline/stale at `at` (H-NDEATH-*: host time). */
  markStale(at: Int64, offline: boolean): void {
    this.stale = true;
    this.staleSince = at;
    if (offline) this.online = false;
    this.metrics.markStale();
    for (const d of this.devices.values()) {
      if (d.online || d.staleSince === undefined) d.staleSince = at;
      if (offline) d.online = false;
      d.metrics.markStale();
    }
  }
}

export class HostModel {
  readonly groups = new Map<string, Map<string, NodeModel>>();

  node(group: string, id: string): NodeModel {
    let nodes = this.groups.get(group);
    if (nodes === undefined) {
      nodes = new Map();
      this.groups.set(group, nodes);
    }
    let n = nodes.get(id);
    if (n === undefined) {
      n = new NodeModel(group, id);
      nodes.set(id, n);
    }
    return n;
  }

  findNode(group: string, id: string): NodeModel | undefined {
    return this.groups.get(group)?.get(id);
  }

  *nodes(): IterableIterator<NodeModel> {
    for (const nodes of this.groups.values()) yield* nodes.values();
  }
}

/** Builds the table of a birth certificate; metrics without name or datatype are returned as rejected. */
export function birthTable(
  metrics: readonly DecodedMetric[],
  fallbackTs: Int64,
): { table: MetricTable; rejected: number } {
  const table = new MetricTable();
  let rejected = 0;
  for (const m of metrics) {
    // [tck-id-payloads-name-birth-data-requirement] births carry name + datatype for every metric
    if (m.name === undefined || m.type === undefined) {
      rejected++;
      continue;
    }
    table.add(new MetricSlot(m.name, m.alias, m.type, m.value ?? null, m.timestamp ?? fallbackTs, m.properties, false));
  }
  return { table, rejected };
}
