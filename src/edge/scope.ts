/**
 * One publishing scope of the edge node: the node itself (id '') or one device. Holds each
 * metric's alias and the value last reported; turns samples into birth metrics and the changes of a scan.
 */
import { dataTypeNumber, type MetricColumns } from '../payload/index.js';
import type { Metric, MetricValue } from '../payload/types.js';
import type { Deadband, DeviceSource, MetricDefinition, Sample } from '../sources/types.js';
import type { AliasTable } from './aliases.js';
import { hasChanged } from './rbe.js';

/** One metric of a scope: its definition, alias, and its place in the scope's columns. */
export class MetricSlot {
  constructor(
    readonly def: MetricDefinition,
    readonly alias: number | undefined,
    /** Position in the source's metric list and in the scope's columns. */
    readonly index: number,
  ) {}
}

/**
 * The metrics that changed in the last scan: metric `indices[i]` (a MetricSlot.index) changed to
 * its last value, sampled at `timestamps[i]`, for i < count. One instance per scope, refilled by
 * every scan: no allocation per change, and the samples themselves are not kept. Valid until the
 * next scan.
 */
export interface Changes {
  count: number;
  indices: Int32Array;
  timestamps: Float64Array;
}

export class Scope implements MetricColumns {
  readonly slots = new Map<string, MetricSlot>();
  readonly byAlias = new Map<number, MetricSlot>();
  /** Slots by index, in the source's metric order. */
  readonly ordered: MetricSlot[] = [];
  /*
   * What a scan and a data message read per metric, as columns by slot index rather than fields
   * of the slot objects: a scan walks them front to back, so after the idle time between scans
   * the CPU streams them from memory instead of missing the cache on one object after another.
   */
  /** Metric names: samples usually come in this order, which saves a Map lookup. */
  readonly names: string[] = [];
  /** Alias of each metric, -1 for none. */
  readonly aliases: Float64Array;
  /** DataType number of each metric (0 if its type names none), by which data values are encoded. */
  readonly types: Uint8Array;
  private readonly deadbands: (Deadband | undefined)[] = [];
  /**
   * The value last reported in a birth or data message (or stored while offline): `numbers[k]`
   * when `numberFlags[k]` is 1, else `others[k]` (undefined before the first).
   */
  readonly numberFlags: Uint8Array;
  readonly numbers: Float64Array;
  private readonly others: (MetricValue | undefined)[] = [];
  private readonly changes: Changes;
  /** A DBIRTH (or the NBIRTH for the node scope) is out for the current session. */
  born = false;

  constructor(
    /** '' for the node, else the device id. */
    readonly id: string,
    readonly source: DeviceSource,
    aliases: AliasTable | undefined,
    /** NDATA or DDATA topic of this scope, built once. */
    readonly dataTopic: string,
  ) {
    const n = source.metrics.length;
    this.aliases = new Float64Array(n);
    this.types = new Uint8Array(n);
    this.numberFlags = new Uint8Array(n);
    this.numbers = new Float64Array(n);
    this.changes = { count: 0, indices: new Int32Array(n), timestamps: new Float64Array(n) };
    source.metrics.forEach((def, index) => {
      const alias = aliases?.aliasOf(id, def.name);
      const slot = new MetricSlot(def, alias, index);
      this.slots.set(def.name, slot);
      this.ordered.push(slot);
      if (alias !== undefined) this.byAlias.set(alias, slot);
      this.names.push(def.name);
      this.aliases[index] = alias ?? -1;
      this.types[index] = dataTypeNumber(def.type) ?? 0;
      this.deadbands.push(def.deadband);
      this.others.push(undefined);
    });
  }

  get isNode(): boolean {
    return this.id === '';
  }

  /** The value last reported for the metric at `index`; undefined before the first. */
  lastValue(index: number): MetricValue | undefined {
    return this.numberFlags[index] === 1 ? this.numbers[index] : this.others[index];
  }

  private setLast(index: number, value: MetricValue): void {
    if (typeof value === 'number') {
      this.numbers[index] = value;
      this.numberFlags[index] = 1;
      this.others[index] = undefined;
    } else {
      this.others[index] = value;
      this.numberFlags[index] = 0;
    }
  }

  /** Birth metrics with the current values; resets report-by-exception to them. */
  birthMetrics(now: number): Metric[] {
    const metrics: Metric[] = [];
    for (const sample of this.source.sample(now)) {
      const slot = this.slots.get(sample.name);
      if (slot === undefined) continue;
      this.setLast(slot.index, sample.value);
      metrics.push(birthMetric(slot, sample));
    }
    return metrics;
  }

  /** Samples the source and returns what changed beyond each metric's deadband. */
  scan(now: number): Changes {
    const changes = this.changes;
    const { names, deadbands, numberFlags, numbers } = this;
    let { indices, timestamps } = changes;
    let count = 0;
    const samples = this.source.sample(now);
    let sorted = true;
    let previous = -Infinity;
    for (let i = 0; i < samples.length; i++) {
      const sample = samples[i] as Sample;
      let k = i;
      if (i >= names.length || names[i] !== sample.name) {
        const slot = this.slots.get(sample.name);
        // [tck-id-topics-nbirth-metric-reqs] [tck-id-operational-behavior-data-publish-nbirth] [tck-id-topics-dbirth-metric-reqs]
        // [tck-id-operational-behavior-data-publish-dbirth] data only for metrics of this scope, which its birth declared
        if (slot === undefined) continue;
        k = slot.index;
      }
      const value = sample.value;
      // [tck-id-operational-behavior-data-publish-nbirth-change] [tck-id-operational-behavior-data-publish-dbirth-change]
      // [tck-id-principles-rbe-recommended] report by exception: unchanged values (within the deadband) are not sent
      if (typeof value === 'number' && numberFlags[k] === 1 && deadbands[k] === undefined) {
        // hasChanged's rule for two numbers without a deadband, inline: NaN equals NaN here
        const last = numbers[k] as number;
        if (value === last || (value !== value && last !== last)) continue;
        numbers[k] = value;
      } else {
        if (!hasChanged(this.lastValue(k), value, deadbands[k])) continue;
        this.setLast(k, value);
      }
      if (count === indices.length) {
        grow(changes);
        ({ indices, timestamps } = changes);
      }
      const timestamp = sample.timestamp;
      indices[count] = k;
      timestamps[count] = timestamp;
      count++;
      if (timestamp < previous) sorted = false;
      previous = timestamp;
    }
    changes.count = count;
    // [tck-id-operational-behavior-data-publish-nbirth-order] [tck-id-operational-behavior-data-publish-dbirth-order]
    if (!sorted) sortByTimestamp(changes);
    return changes;
  }

  /** Resolves a metric named in a command by name or alias. */
  resolve(metric: { name?: string; alias?: number | bigint }): MetricSlot | undefined {
    if (metric.name !== undefined) return this.slots.get(metric.name);
    if (metric.alias !== undefined) return this.byAlias.get(Number(metric.alias));
    return undefined;
  }
}

function birthMetric(slot: MetricSlot, sample: Sample): Metric {
  // [tck-id-topics-nbirth-metrics] [tck-id-topics-dbirth-metrics] name, datatype and value (or is_null)
  // [tck-id-payloads-alias-birth-requirement] an aliased metric carries name and alias in births
  // [tck-id-operational-behavior-data-publish-nbirth-values] [tck-id-operational-behavior-data-publish-dbirth-values]
  // the current value, or is_null without one;
  // [tck-id-payloads-metric-datatype-req] datatype on every birth metric; [tck-id-payloads-metric-timestamp-in-UTC] the sample's UTC ms
  const m: Metric = { name: slot.def.name, type: slot.def.type, timestamp: sample.timestamp };
  if (slot.alias !== undefined) m.alias = slot.alias;
  if (sample.value === null) m.isNull = true;
  else m.value = sample.value;
  if (slot.def.properties !== undefined) m.properties = slot.def.properties;
  return m;
}

/** A source that reports one metric more than once in a sample can change more metrics than it has. */
function grow(changes: Changes): void {
  const indices = new Int32Array(Math.max(16, changes.indices.length * 2));
  indices.set(changes.indices);
  const timestamps = new Float64Array(indices.length);
  timestamps.set(changes.timestamps);
  changes.indices = indices;
  changes.timestamps = timestamps;
}

/** Orders the changes by sample timestamp (stable), in place. */
function sortByTimestamp(changes: Changes): void {
  const { count, indices, timestamps } = changes;
  const order = Array.from({ length: count }, (_, i) => i).sort((a, b) => (timestamps[a] ?? 0) - (timestamps[b] ?? 0));
  const k = order.map((i) => indices[i] ?? 0);
  const t = order.map((i) => timestamps[i] ?? 0);
  indices.set(k);
  timestamps.set(t);
}
