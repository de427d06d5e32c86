/**
 * The live model: groups → edge nodes → devices → metrics. Each node and device holds the metric
 * table of its current birth (metric-table.ts); stale times live on the owner, not the metric.
 */
import type { Int64 } from '../payload/types.js';
import { MetricTable } from './metric-table.js';
import type { NodeCounters } from './types.js';

/** Shared by every node/device before its first birth; never added to. */
const EMPTY_TABLE: MetricTable = MetricTable.empty();

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
  private count = 0;

  get nodeCount(): number {
    return this.count;
  }

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
      this.count++;
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
