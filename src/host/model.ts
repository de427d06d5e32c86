/**
 * The live model: groups → edge nodes → devices → metrics.
 *
 * Memory is the constraint here (the host-restart benchmark holds 1,000,000 metrics at under
 * 300 bytes each): one `MetricSlot` object with a fixed shape per metric, and per node/device one
 * name → slot map plus, only when the birth used aliases, one alias → slot map. No per-metric
 * closures, no per-metric history; stale times live on the owner (node/device), not the metric.
 */
import { dataTypeNumber, metricTypeName, type DecodeOptions } from '../payload/index.js';
import type { DecodedMetric, Int64, MetricTypeName, MetricValue, PropertySet } from '../payload/types.js';
import type { NodeCounters } from './types.js';

/**
 * One metric of a birth. Number values and timestamps live in number-only fields, which V8 keeps as
 * double fields updated in place: storing a data value then neither keeps the decoder's fresh number
 * object alive in the (old) model nor records an old → young pointer for the scavenger, which made
 * GC a fifth of the fan-in host's time. `value` and `timestamp` read and write them as one.
 */
export class MetricSlot {
  /** The value when it is a number (`isNum`); else `ref` holds it. */
  private num = 0;
  private ref: MetricValue<Int64> = null;
  private isNum = false;
  /** The timestamp, unless it is a bigint (beyond 2^53, then `tsBig`). */
  private ts = 0;
  private tsBig: bigint | undefined = undefined;
  /** The birth datatype as its DataType number (what data values are read with), not its name: no lookup per data metric. */
  readonly dataType: number;

  constructor(
    readonly name: string,
    readonly alias: Int64 | undefined,
    type: MetricTypeName,
    value: MetricValue<Int64>,
    timestamp: Int64,
    public properties: PropertySet<Int64> | undefined,
    public stale: boolean,
  ) {
    this.dataType = dataTypeNumber(type) ?? 0;
    this.value = value;
    this.timestamp = timestamp;
  }

  get type(): MetricTypeName {
    return metricTypeName(this.dataType);
  }

  get value(): MetricValue<Int64> {
    return this.isNum ? this.num : this.ref;
  }

  set value(v: MetricValue<Int64>) {
    if (typeof v === 'number') {
      this.num = v;
      this.isNum = true;
      this.ref = null;
    } else {
      this.ref = v;
      this.isNum = false;
    }
  }

  get timestamp(): Int64 {
    return this.tsBig ?? this.ts;
  }

  set timestamp(t: Int64) {
    if (typeof t === 'number') {
      this.ts = t;
      this.tsBig = undefined;
    } else this.tsBig = t;
  }
}

/**
 * The `resolveType` of every data decode, and the slots it found, in call order, so applying the
 * decoded metrics needs no second lookup by alias. Data messages carry no datatype
 * ([tck-id-payloads-metric-datatype-not-req]), so the birth's datatype decides how to read a value.
 *
 * One for the process: a decode and the apply of its result run back to back, synchronously. One
 * resolver function (not one per table) keeps the decoder's call to it monomorphic. Entries count
 * only for the table that recorded them, in order, and only for a metric with the same alias and
 * name, for which `find` would return the same slot.
 */
export class ResolvedSlots {
  table: MetricTable | undefined = undefined;
  length = 0;
  /**
   * What each resolved metric was looked up by: equal alias and name give the same slot of the same
   * table. Kept instead of the metric objects, so this long-lived array never keeps a payload's
   * objects reachable nor takes a young-object store (a GC write barrier) per metric.
   */
  readonly aliases: (Int64 | undefined)[] = [];
  readonly names: (string | undefined)[] = [];
  readonly slots: MetricSlot[] = [];

  readonly resolveType = (m: { name?: string; alias?: number | bigint }): MetricTypeName | undefined => {
    const slot = this.table?.find(m);
    if (slot === undefined) return undefined;
    const i = this.length++;
    this.aliases[i] = m.alias;
    this.names[i] = m.name;
    this.slots[i] = slot;
    return slot.type;
  };

  /** The options of every decode with birth datatypes (one object, not one per message). */
  readonly decodeOptions: DecodeOptions = { resolveType: this.resolveType };

  /** Called before each decode: `table` resolves its metrics; entries of an earlier payload are dropped. */
  reset(table: MetricTable | undefined): void {
    this.table = table;
    this.length = 0;
  }
}

export const resolvedSlots = new ResolvedSlots();

/**
 * Aliases within a span this many times the metric count (plus a little) are indexed by an array
 * (alias − base): no hashing per data metric, and less memory than a Map entry per alias.
 */
const DENSE_SPAN_FACTOR = 2;
const DENSE_SPAN_SLACK = 64;

/** The metric set of one birth certificate: O(1) lookup by name and by alias. */
export class MetricTable {
  private readonly byName = new Map<string, MetricSlot>();
  private byAlias: Map<Int64, MetricSlot> | undefined;
  /** Array index of the aliases (see DENSE_SPAN_FACTOR), built on the first alias lookup after a change. */
  private dense: (MetricSlot | undefined)[] | undefined;
  private denseBase = 0;
  private indexed = false;

  add(slot: MetricSlot): void {
    this.byName.set(slot.name, slot);
    if (slot.alias === undefined) return;
    const byAlias = (this.byAlias ??= new Map());
    const dense = this.dense;
    if (dense !== undefined) {
      // The array replaced the Map (see index()); adding after a lookup is rare: back to the Map.
      for (let i = 0; i < dense.length; i++) {
        const s = dense[i];
        if (s !== undefined) byAlias.set(this.denseBase + i, s);
      }
      this.dense = undefined;
    }
    byAlias.set(slot.alias, slot);
    this.indexed = false;
  }

  /** Alias first: aliased data carries the alias only ([tck-id-payloads-alias-data-cmd-requirement]). */
  find(m: { name?: string; alias?: number | bigint }): MetricSlot | undefined {
    return this.lookup(m.alias, m.name);
  }

  /** `find` for a scanned metric: alias −1 when it has none. */
  findScanned(alias: number, name: string | undefined): MetricSlot | undefined {
    return this.lookup(alias < 0 ? undefined : alias, name);
  }

  private lookup(alias: number | bigint | undefined, name: string | undefined): MetricSlot | undefined {
    if (alias !== undefined) {
      if (!this.indexed) this.index();
      let slot: MetricSlot | undefined;
      const dense = this.dense;
      if (dense !== undefined && typeof alias === 'number') {
        const i = alias - this.denseBase;
        if (i >= 0 && i < dense.length) slot = dense[i];
      } else slot = this.byAlias?.get(alias);
      if (slot !== undefined || name === undefined) return slot;
    }
    return name === undefined ? undefined : this.byName.get(name);
  }

  /** Builds the array index when every alias is a safe integer and they are dense enough. */
  private index(): void {
    this.indexed = true;
    const byAlias = this.byAlias;
    if (byAlias === undefined) return;
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    for (const a of byAlias.keys()) {
      if (typeof a !== 'number') return;
      if (a < min) min = a;
      if (a > max) max = a;
    }
    const span = max - min + 1;
    if (!(span <= byAlias.size * DENSE_SPAN_FACTOR + DENSE_SPAN_SLACK)) return;
    // Filled in order from an empty array of undefineds so V8 keeps it packed (no holes to check).
    const dense: (MetricSlot | undefined)[] = [];
    for (let i = 0; i < span; i++) dense.push(undefined);
    for (const [a, slot] of byAlias) if (typeof a === 'number') dense[a - min] = slot;
    this.dense = dense;
    this.denseBase = min;
    // The Map is not needed beside the array: its entries cost more memory than the array's.
    this.byAlias = undefined;
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
