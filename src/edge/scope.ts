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

export interface Change {
  readonly slot: MetricSlot;
  readonly value: MetricValue;
  readonly timestamp: number;
}

export class Scope {
  readonly slots = new Map<string, MetricSlot>();
  readonly byAlias = new Map<number, MetricSlot>();
  /** A DBIRTH (or the NBIRTH for the node scope) is out for the current session. */
  born = false;

  constructor(
    /** '' for the node, else the device id. */
    readonly id: string,
    readonly source: DeviceSource,
    aliases: AliasTable | undefined,
  ) {
    for (const def of source.metrics) {
      const alias = aliases?.aliasOf(id, def.name);
      const slot: MetricSlot = { def, alias, last: undefined };
      this.slots.set(def.name, slot);
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
  scan(now: number): Change[] {
    const changes: Change[] = [];
    for (const sample of this.source.sample(now)) {
      const slot = this.slots.get(sample.name);
      if (slot === undefined) continue;
      if (!hasChanged(slot.last, sample.value, slot.def.deadband)) continue;
      slot.last = sample.value;
      changes.push({ slot, value: sample.value, timestamp: sample.timestamp });
    }
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
  const m: Metric = { name: slot.def.name, type: slot.def.type, timestamp: sample.timestamp };
  if (slot.alias !== undefined) m.alias = slot.alias;
  if (sample.value === null) m.isNull = true;
  else m.value = sample.value;
  if (slot.def.properties !== undefined) m.properties = slot.def.properties;
  return m;
}

/** A data-message metric for a change; alias only unless names are asked for or no alias exists. */
export function dataMetric(change: Change, withName: boolean, historical: boolean): Metric {
  const { slot } = change;
  // [tck-id-payloads-name-birth-data-requirement] every metric has its own timestamp
  const m: Metric = { timestamp: change.timestamp, type: slot.def.type };
  // [tck-id-payloads-alias-data-cmd-requirement] alias only in data when aliases are used
  if (slot.alias === undefined || withName) m.name = slot.def.name;
  if (slot.alias !== undefined) m.alias = slot.alias;
  if (change.value === null) m.isNull = true;
  else m.value = change.value;
  if (historical) m.isHistorical = true;
  return m;
}
