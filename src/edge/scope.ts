/**
 * One publishing scope of the edge node: the node itself (id '') or one device. Holds each
 * metric's alias and the value last reported; turns what the source reported into birth metrics
 * and the changes of a scan.
 */
import { dataTypeNumber, type MetricColumns } from '../payload/index.js';
import type { Metric, MetricValue } from '../payload/types.js';
import { type Deadband, type DeviceSource, type MetricDefinition, Quality } from '../sources/types.js';
import type { AliasTable } from './aliases.js';
import { Changes, qualityProperties } from './changes.js';
import { Inbox, Kind } from './inbox.js';
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

export class Scope implements MetricColumns {
  readonly slots = new Map<string, MetricSlot>();
  readonly byAlias = new Map<number, MetricSlot>();
  /** Slots by index, in the source's metric order. */
  readonly ordered: MetricSlot[] = [];
  /** Where the source reports; the scan and births read it. */
  readonly inbox: Inbox;
  /*
   * What a scan and a data message read per metric, as columns by slot index rather than fields
   * of the slot objects: a scan walks them front to back, so after the idle time between scans
   * the CPU streams them from memory instead of missing the cache on one object after another.
   */
  readonly names: string[] = [];
  /** Alias of each metric, -1 for none. */
  aliases = new Float64Array(0);
  /** DataType number of each metric (0 if its type names none), by which data values are encoded. */
  types = new Uint8Array(0);
  private readonly deadbands: (Deadband | undefined)[] = [];
  /**
   * The value last reported in a birth or data message (or stored while offline): `numbers[k]`
   * when `numberKinds[k]` is Kind.NUMBER, `numbers[k] !== 0` when Kind.BOOLEAN, else `others[k]`
   * (undefined before the first).
   */
  numberKinds = new Uint8Array(0);
  numbers = new Float64Array(0);
  private readonly others: (MetricValue | undefined)[] = [];
  /** Quality last reported (GOOD unless the source invalidated the value), and its status text. */
  private qualities = new Int16Array(0);
  private readonly statuses: (string | undefined)[] = [];
  private readonly changes = new Changes();
  /** A DBIRTH (or the NBIRTH for the node scope) is out for the current session. */
  born = false;
  /** Number of metrics the last birth declared. */
  bornSize = 0;

  constructor(
    /** '' for the node, else the device id. */
    readonly id: string,
    readonly source: DeviceSource,
    private readonly aliasTable: AliasTable | undefined,
    /** NDATA or DDATA topic of this scope, built once. */
    readonly dataTopic: string,
  ) {
    this.inbox = new Inbox(() => this.define());
    this.define();
  }

  get isNode(): boolean {
    return this.id === '';
  }

  /** Number of metrics the scope knows. */
  get size(): number {
    return this.ordered.length;
  }

  /**
   * Takes in the source's metrics. A source that learns them from its device (OPC UA) declares
   * them after the scope exists: they are added the first time the scope or its inbox needs them.
   */
  define(): number {
    const defs = this.source.metrics;
    const from = this.ordered.length;
    if (defs.length <= from) return from;
    const n = defs.length;
    this.aliases = grown(this.aliases, n);
    this.types = grown(this.types, n);
    this.numberKinds = grown(this.numberKinds, n);
    this.numbers = grown(this.numbers, n);
    this.qualities = grown(this.qualities, n);
    for (let index = from; index < n; index++) {
      const def = defs[index] as MetricDefinition;
      const alias = this.aliasTable?.aliasOf(this.id, def.name);
      const slot = new MetricSlot(def, alias, index);
      this.slots.set(def.name, slot);
      this.ordered.push(slot);
      if (alias !== undefined) this.byAlias.set(alias, slot);
      this.names.push(def.name);
      this.aliases[index] = alias ?? -1;
      this.types[index] = dataTypeNumber(def.type) ?? 0;
      this.deadbands.push(def.deadband);
      this.others.push(undefined);
      this.qualities[index] = Quality.GOOD;
      this.statuses.push(undefined);
    }
    this.inbox.resize(n);
    return n;
  }

  /** The value last reported for the metric at `index`; undefined before the first. */
  lastValue(index: number): MetricValue | undefined {
    const kind = this.numberKinds[index];
    if (kind === Kind.NUMBER) return this.numbers[index];
    return kind === Kind.BOOLEAN ? this.numbers[index] !== 0 : this.others[index];
  }

  private setLast(index: number, value: MetricValue): void {
    if (typeof value === 'number' || typeof value === 'boolean') {
      this.numbers[index] = typeof value === 'number' ? value : value ? 1 : 0;
      this.numberKinds[index] = typeof value === 'number' ? Kind.NUMBER : Kind.BOOLEAN;
      this.others[index] = undefined;
    } else {
      this.others[index] = value;
      this.numberKinds[index] = 0;
    }
  }

  /**
   * Birth metrics with the current values; resets report-by-exception to them. What the source
   * reported before and the scan has not taken is superseded by the birth.
   */
  birthMetrics(now: number): Metric[] {
    this.source.poll?.(now);
    this.define();
    const inbox = this.inbox;
    inbox.clear();
    this.bornSize = this.ordered.length;
    const metrics: Metric[] = [];
    for (const slot of this.ordered) {
      const k = slot.index;
      const kind = inbox.curKind[k];
      // [tck-id-topics-nbirth-metrics] [tck-id-topics-dbirth-metrics] name, datatype and value (or is_null)
      // [tck-id-payloads-alias-birth-requirement] an aliased metric carries name and alias in births
      // [tck-id-operational-behavior-data-publish-nbirth-values] [tck-id-operational-behavior-data-publish-dbirth-values]
      // the current value, or is_null without one;
      // [tck-id-payloads-metric-datatype-req] datatype on every birth metric; [tck-id-payloads-metric-timestamp-in-UTC] UTC ms
      const m: Metric = { name: slot.def.name, type: slot.def.type, timestamp: kind === Kind.NONE ? now : (inbox.curTs[k] as number) };
      if (slot.alias !== undefined) m.alias = slot.alias;
      if (slot.def.properties !== undefined) m.properties = slot.def.properties;
      this.qualities[k] = Quality.GOOD;
      this.statuses[k] = undefined;
      if (kind === Kind.NUMBER || kind === Kind.BOOLEAN || kind === Kind.VALUE) {
        const value = kind === Kind.NUMBER ? (inbox.curNum[k] as number) : kind === Kind.BOOLEAN ? inbox.curNum[k] !== 0 : (inbox.curOther[k] ?? null);
        this.setLast(k, value);
        if (value === null) m.isNull = true;
        else m.value = value;
      } else {
        m.isNull = true;
        this.numberKinds[k] = 0;
        this.others[k] = kind === Kind.NONE ? undefined : null;
        if (kind === Kind.BAD) {
          const quality = inbox.curQuality[k] as number;
          const status = String(inbox.curOther[k]);
          this.qualities[k] = quality;
          this.statuses[k] = status;
          m.properties = { ...slot.def.properties, ...qualityProperties(quality, status) };
        }
      }
      metrics.push(m);
    }
    return metrics;
  }

  /** Takes what the source reported since the last scan and returns what changed beyond each metric's deadband. */
  scan(now: number): Changes {
    this.source.poll?.(now);
    const inbox = this.inbox;
    const n = inbox.count;
    const changes = this.changes;
    changes.reserve(n);
    const { indices, timestamps, numbers: outNumbers, kinds, others: outOthers, qualities: outQualities } = changes;
    const { deadbands, numberKinds, numbers, qualities } = this;
    const { index: rowIndex, kind: rowKind, num: rowNum, ts: rowTs, other: rowOther } = inbox;
    let count = 0;
    let sorted = true;
    let previous = -Infinity;
    for (let r = 0; r < n; r++) {
      const k = rowIndex[r] as number;
      const kind = rowKind[r];
      // [tck-id-operational-behavior-data-publish-nbirth-change] [tck-id-operational-behavior-data-publish-dbirth-change]
      // [tck-id-principles-rbe-recommended] report by exception: unchanged values (within the deadband) are not sent
      if (kind === Kind.NUMBER || kind === Kind.BOOLEAN) {
        const value = rowNum[r] as number;
        if (qualities[k] === Quality.GOOD) {
          if (numberKinds[k] === kind && deadbands[k] === undefined) {
            // hasChanged's rule for two numbers (or booleans) without a deadband, inline: NaN equals NaN here
            const last = numbers[k] as number;
            if (value === last || (value !== value && last !== last)) continue;
            numbers[k] = value;
          } else {
            const boxed = kind === Kind.NUMBER ? value : value !== 0;
            if (!hasChanged(this.lastValue(k), boxed, deadbands[k])) continue;
            this.setLast(k, boxed);
          }
          kinds[count] = kind;
          outNumbers[count] = value;
          outQualities[count] = -1;
        } else {
          // With a Quality property the value goes through DataWriter.metric: boxed.
          const boxed = kind === Kind.NUMBER ? value : value !== 0;
          this.goodAgain(k, boxed);
          kinds[count] = Kind.VALUE;
          outOthers[count] = boxed;
          outQualities[count] = Quality.GOOD;
        }
      } else if (kind === Kind.VALUE) {
        const value = rowOther[r] ?? null;
        if (qualities[k] === Quality.GOOD) {
          if (!hasChanged(this.lastValue(k), value, deadbands[k])) continue;
          this.setLast(k, value);
          outQualities[count] = -1;
        } else {
          this.goodAgain(k, value);
          outQualities[count] = Quality.GOOD;
        }
        kinds[count] = Kind.VALUE;
        outOthers[count] = value;
      } else {
        const quality = inbox.quality[r] as number;
        const status = String(rowOther[r]);
        if (qualities[k] === quality && this.statuses[k] === status) continue;
        qualities[k] = quality;
        this.statuses[k] = status;
        this.setLast(k, null);
        kinds[count] = Kind.BAD;
        outOthers[count] = status;
        outQualities[count] = quality;
      }
      const timestamp = rowTs[r] as number;
      indices[count] = k;
      timestamps[count] = timestamp;
      count++;
      if (timestamp < previous) sorted = false;
      previous = timestamp;
    }
    inbox.clear();
    changes.count = count;
    // [tck-id-operational-behavior-data-publish-nbirth-order] [tck-id-operational-behavior-data-publish-dbirth-order]
    if (!sorted) changes.sortByTimestamp();
    return changes;
  }

  /** A value after an invalidated one: reported with a GOOD quality, whatever the deadband. */
  private goodAgain(k: number, value: MetricValue): void {
    this.qualities[k] = Quality.GOOD;
    this.statuses[k] = undefined;
    this.setLast(k, value);
  }

  /** Resolves a metric named in a command by name or alias. */
  resolve(metric: { name?: string; alias?: number | bigint }): MetricSlot | undefined {
    if (metric.name !== undefined) return this.slots.get(metric.name);
    if (metric.alias !== undefined) return this.byAlias.get(Number(metric.alias));
    return undefined;
  }
}

/** A copy of `a` with room for `n` elements (or `a` itself when it has it). */
function grown<T extends Float64Array | Uint8Array | Int16Array>(a: T, n: number): T {
  if (a.length >= n) return a;
  const b = new (a.constructor as new (n: number) => T)(n);
  b.set(a);
  return b;
}
