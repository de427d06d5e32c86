/**
 * One publishing scope of the edge node: the node itself (id '') or one device. Holds each
 * metric's alias and the value last reported; turns samples into birth metrics and the changes of a scan.
 */
import { dataTypeNumber } from '../payload/index.js';
import type { Metric, MetricValue } from '../payload/types.js';
import type { DeviceSource, MetricDefinition, Sample } from '../sources/types.js';
import type { AliasTable } from './aliases.js';
import { hasChanged } from './rbe.js';

/** One metric of a scope: its definition, alias, and the value last reported. */
export class MetricSlot {
  /** DataType number of `def.type` (0 if it names none), by which data values are encoded. */
  readonly type: number;
  /**
   * The value last reported in a birth or data message (or stored while offline) is `lastNumber`
   * when `hasNumber`, else `other`. Numbers get their own field because every scan stores one per
   * changed metric: in a number field that store is in place, while a fresh number stored in a
   * long-lived object costs a write barrier and survives into the old generation.
   */
  private hasNumber = false;
  private lastNumber = 0;
  private other: MetricValue | undefined = undefined;

  constructor(
    readonly def: MetricDefinition,
    readonly alias: number | undefined,
  ) {
    this.type = dataTypeNumber(def.type) ?? 0;
  }

  /** The value last reported; undefined before the first. */
  get last(): MetricValue | undefined {
    return this.hasNumber ? this.lastNumber : this.other;
  }

  set last(value: MetricValue | undefined) {
    if (typeof value === 'number') {
      this.lastNumber = value;
      this.hasNumber = true;
      if (this.other !== undefined) this.other = undefined;
    } else {
      this.other = value;
      this.hasNumber = false;
    }
  }
}

/**
 * The metrics that changed in the last scan: `slots[i]` changed to its `last` value, sampled at
 * `timestamps[i]`, for i < count. One instance per scope, refilled by every scan: no allocation
 * per change, and the samples themselves are not kept. Valid until the next scan.
 */
export interface Changes {
  count: number;
  readonly slots: MetricSlot[];
  readonly timestamps: number[];
}

export class Scope {
  readonly slots = new Map<string, MetricSlot>();
  readonly byAlias = new Map<number, MetricSlot>();
  /** Slots in the source's metric order: samples usually come in that order, which saves a Map lookup. */
  private readonly ordered: MetricSlot[] = [];
  private readonly changes: Changes = { count: 0, slots: [], timestamps: [] };
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
    for (const def of source.metrics) {
      const alias = aliases?.aliasOf(id, def.name);
      const slot = new MetricSlot(def, alias);
      this.slots.set(def.name, slot);
      this.ordered.push(slot);
      if (alias !== undefined) this.byAlias.set(alias, slot);
    }
  }

  get isNode(): boolean {
    return this.id === '';
  }

  /** Birth metrics with the current values; resets report-by-exception to them. */
  birthMetrics(now: number): Metric[] {
    const metrics: Metric[] = [];
    for (const sample of this.source.sample(now)) {
      const slot = this.slots.get(sample.name);
      if (slot === undefined) continue;
      slot.last = sample.value;
      metrics.push(birthMetric(slot, sample));
    }
    return metrics;
  }

  /** Samples the source and returns what changed beyond each metric's deadband. */
  scan(now: number): Changes {
    const changes = this.changes;
    const { slots, timestamps } = changes;
    let count = 0;
    const samples = this.source.sample(now);
    let sorted = true;
    let previous = -Infinity;
    for (let i = 0; i < samples.length; i++) {
      const sample = samples[i] as Sample;
      const guess = this.ordered[i];
      const slot = guess !== undefined && guess.def.name === sample.name ? guess : this.slots.get(sample.name);
      // [tck-id-topics-nbirth-metric-reqs] [tck-id-operational-behavior-data-publish-nbirth] [tck-id-topics-dbirth-metric-reqs]
      // [tck-id-operational-behavior-data-publish-dbirth] data only for metrics of this scope, which its birth declared
      if (slot === undefined) continue;
      // [tck-id-operational-behavior-data-publish-nbirth-change] [tck-id-operational-behavior-data-publish-dbirth-change]
      // [tck-id-principles-rbe-recommended] report by exception: unchanged values (within the deadband) are not sent
      if (!hasChanged(slot.last, sample.value, slot.def.deadband)) continue;
      slot.last = sample.value;
      slots[count] = slot;
      timestamps[count] = sample.timestamp;
      count++;
      if (sample.timestamp < previous) sorted = false;
      previous = sample.timestamp;
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

/** Orders the changes by sample timestamp (stable), in place. */
function sortByTimestamp(changes: Changes): void {
  const { count, slots, timestamps } = changes;
  const order = Array.from({ length: count }, (_, i) => i).sort((a, b) => (timestamps[a] ?? 0) - (timestamps[b] ?? 0));
  const s = order.map((i) => slots[i] as MetricSlot);
  const t = order.map((i) => timestamps[i] ?? 0);
  for (let i = 0; i < count; i++) {
    slots[i] = s[i] as MetricSlot;
    timestamps[i] = t[i] ?? 0;
  }
}
