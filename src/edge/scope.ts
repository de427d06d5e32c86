/**
 * One publishing scope of the edge node: the node itself (id '') or one device. Holds each
 * metric's alias and the value last reported, and turns samples into birth or data metrics.
 */
import type { Metric, MetricValue } from '../payload/types.js';
import type { DeviceSource, MetricDefinition, Sample } from '../sources/types.js';
import type { AliasTable } from './aliases.js';
import { hasChanged } from './rbe.js';

export interface MetricSlot {
  readonly def: MetricDefinition;
  readonly alias: number | undefined;
  /** The value last reported in a birth or data message (or stored while offline). */
  last: MetricValue | undefined;
}

/** The metrics that changed in one scan, as data-message metrics, and the slot of each. */
export interface ScanResult {
  readonly metrics: Metric[];
  readonly slots: MetricSlot[];
}

export class Scope {
  readonly slots = new Map<string, MetricSlot>();
  readonly byAlias = new Map<number, MetricSlot>();
  /** Slots in the source's metric order: samples usually come in that order, which saves a Map lookup. */
  private readonly ordered: MetricSlot[] = [];
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
      const slot: MetricSlot = { def, alias, last: undefined };
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
  scan(now: number, withNames: boolean): ScanResult {
    const metrics: Metric[] = [];
    const slots: MetricSlot[] = [];
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
      metrics.push(dataMetric(slot, sample.value, sample.timestamp, withNames));
      slots.push(slot);
      if (sample.timestamp < previous) sorted = false;
      previous = sample.timestamp;
    }
    // [tck-id-operational-behavior-data-publish-nbirth-order] [tck-id-operational-behavior-data-publish-dbirth-order]
    return sorted ? { metrics, slots } : sortByTimestamp(metrics, slots);
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

/**
 * A data-message metric: alias only unless names are asked for or no alias exists. Built in a
 * few fixed shapes because this runs for every published metric.
 */
function dataMetric(slot: MetricSlot, value: MetricValue, timestamp: number, withName: boolean): Metric {
  const { alias, def } = slot;
  // [tck-id-payloads-name-birth-data-requirement] every metric has its own timestamp
  // [tck-id-payloads-alias-data-cmd-requirement] alias only in data when aliases are used
  // [tck-id-payloads-name-requirement] the name, or only the alias born with it
  // [tck-id-payloads-metric-timestamp-in-UTC] the sample's UTC ms
  if (alias !== undefined && !withName) {
    return value === null ? { alias, timestamp, type: def.type, isNull: true } : { alias, timestamp, type: def.type, value };
  }
  const m: Metric = { name: def.name, timestamp, type: def.type };
  if (alias !== undefined) m.alias = alias;
  if (value === null) m.isNull = true;
  else m.value = value;
  return m;
}

function sortByTimestamp(metrics: Metric[], slots: MetricSlot[]): ScanResult {
  const order = metrics.map((_, i) => i).sort((a, b) => Number(metrics[a]?.timestamp) - Number(metrics[b]?.timestamp));
  return {
    metrics: order.map((i) => metrics[i] as Metric),
    slots: order.map((i) => slots[i] as MetricSlot),
  };
}
