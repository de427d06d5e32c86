/**
 * The metric set of one birth certificate, stored by columns.
 *
 * Memory is the constraint here (the host-restart benchmark holds 1,000,000 metrics, the goal is
 * under 300 bytes of process RSS each): a metric is a row index into typed arrays and a few plain
 * arrays, not an object. One object per metric cost ~100 bytes plus ~16 bytes per boxed number,
 * and made the old-space GC trace a million objects; a row costs ~55 bytes plus the name index.
 * No per-metric closures, no history; the stale flag is the table's (a birth makes every metric
 * fresh, a death makes every one stale). Objects are built only for the API (`snapshot.ts`,
 * events, commands).
 */
import { dataTypeNumber, metricTypeName, type DecodeOptions } from '../payload/index.js';
import type { DecodedMetric, Int64, MetricTypeName, MetricValue, PropertySet } from '../payload/types.js';
import { sharedProperties } from './property-pool.js';

/**
 * Aliases within a span this many times the metric count (plus a little) are indexed by an array
 * (alias − base): no hashing per data metric, and 4 bytes per alias instead of a Map entry.
 */
const DENSE_SPAN_FACTOR = 2;
const DENSE_SPAN_SLACK = 64;
/** A row of `dense` with no metric. */
const NO_ROW = -1;

/**
 * Names by row and rows by name, shared by the tables of births with the same names in the same
 * order (devices of one type; the host-restart benchmark's 2,000 births have two name lists). A
 * Map of 500 names and their array cost ~40 bytes per metric and were most of what the GC copied
 * while births arrived. Only indexes of births whose every metric was accepted under a name of
 * its own are shared, so a table that takes one has exactly the index it would have built.
 */
interface NameIndex {
  readonly names: string[];
  readonly byName: Map<string, number>;
}
/** The last few shareable indexes, newest first (each a birth's tables hold anyway). */
const RECENT_INDEXES = 8;
const recentIndexes: NameIndex[] = [];

function recentIndex(metrics: readonly DecodedMetric[]): NameIndex | undefined {
  for (const ix of recentIndexes) {
    const names = ix.names;
    if (names.length !== metrics.length) continue;
    let i = 0;
    while (i < names.length && metrics[i]?.name === names[i] && metrics[i]?.type !== undefined) i++;
    if (i === names.length) return ix;
  }
  return undefined;
}

export class MetricTable {
  stale = false;
  /** Name → row; a name repeated in a birth keeps its first position and its last metric, as a Map does. */
  private readonly byName: Map<string, number>;
  private readonly names: string[];
  /** Whether `names` and `byName` are this table's to fill (else a recent birth's, see NameIndex). */
  private readonly ownNames: boolean;
  /** DataType numbers (what data values are read with): no lookup per data metric. */
  private readonly types: Uint8Array;
  /** Values that are numbers; `refs` holds every other value (then its entry is not undefined). */
  private readonly nums: Float64Array;
  private refs: (MetricValue<Int64> | undefined)[] | undefined;
  /** Timestamps; one beyond 2^53 (a bigint) is in `bigTs` and NaN here. */
  private readonly ts: Float64Array;
  private bigTs: Map<number, bigint> | undefined;
  /** Aliases, NaN for none; a bigint alias is in `bigAliases`. */
  private aliases: Float64Array | undefined;
  private bigAliases: Map<number, bigint> | undefined;
  private props: (PropertySet<Int64> | undefined)[] | undefined;
  /** Alias → row: `dense` (see DENSE_SPAN_FACTOR) when possible, else a Map. */
  private byAlias: Map<Int64, number> | undefined;
  private dense: Int32Array | undefined;
  private denseBase = 0;

  private rowCount = 0;

  private constructor(capacity: number, index?: NameIndex) {
    // Sized once (rows of rejected metrics stay empty): no growth slack in any column.
    this.ownNames = index === undefined;
    this.names = index?.names ?? new Array<string>(capacity);
    this.byName = index?.byName ?? new Map();
    this.types = new Uint8Array(capacity);
    this.nums = new Float64Array(capacity);
    this.ts = new Float64Array(capacity);
  }

  /** The table of a birth certificate; metrics without name or datatype are counted as rejected. */
  static fromBirth(metrics: readonly DecodedMetric[], fallbackTs: Int64): { table: MetricTable; rejected: number } {
    const table = new MetricTable(metrics.length, recentIndex(metrics));
    let rejected = 0;
    for (const m of metrics) {
      // [tck-id-payloads-name-birth-data-requirement] births carry name + datatype for every metric
      if (m.name === undefined || m.type === undefined) rejected++;
      else table.add(m.name, m.alias, m.type, m.value ?? null, m.timestamp ?? fallbackTs, m.properties);
    }
    table.index();
    if (table.ownNames && rejected === 0 && table.byName.size === metrics.length && metrics.length > 0) {
      recentIndexes.unshift({ names: table.names, byName: table.byName });
      if (recentIndexes.length > RECENT_INDEXES) recentIndexes.pop();
    }
    return { table, rejected };
  }

  /** An empty table (nodes and devices before their first birth). */
  static empty(): MetricTable {
    return new MetricTable(0);
  }

  private add(name: string, alias: Int64 | undefined, type: MetricTypeName, value: MetricValue<Int64>, timestamp: Int64, properties: PropertySet<Int64> | undefined): void {
    const row = this.rowCount++;
    if (this.ownNames) {
      this.names[row] = name;
      this.byName.set(name, row);
    }
    this.types[row] = dataTypeNumber(type) ?? 0;
    this.setValue(row, value);
    this.setTimestamp(row, timestamp);
    if (alias !== undefined) {
      const aliases = (this.aliases ??= new Float64Array(this.types.length).fill(Number.NaN));
      if (typeof alias === 'number') aliases[row] = alias;
      else (this.bigAliases ??= new Map()).set(row, alias);
    }
    if (properties !== undefined) (this.props ??= new Array<PropertySet<Int64> | undefined>(this.types.length).fill(undefined))[row] = sharedProperties(properties);
  }

  /**
   * Indexes the aliases: an array when they are all safe integers and dense enough, else a Map.
   * A repeated alias finds the last metric that has it.
   */
  private index(): void {
    const aliases = this.aliases;
    if (aliases === undefined) return;
    const n = this.rowCount;
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    let count = 0;
    for (let row = 0; row < n; row++) {
      const a = aliases[row] ?? Number.NaN;
      if (Number.isNaN(a)) continue;
      count++;
      if (a < min) min = a;
      if (a > max) max = a;
    }
    const span = max - min + 1;
    if (this.bigAliases === undefined && span <= count * DENSE_SPAN_FACTOR + DENSE_SPAN_SLACK) {
      const dense = new Int32Array(span).fill(NO_ROW);
      for (let row = 0; row < n; row++) {
        const a = aliases[row] ?? Number.NaN;
        if (!Number.isNaN(a)) dense[a - min] = row;
      }
      this.dense = dense;
      this.denseBase = min;
      return;
    }
    const byAlias = new Map<Int64, number>();
    for (let row = 0; row < n; row++) {
      const a = this.alias(row);
      if (a !== undefined) byAlias.set(a, row);
    }
    this.byAlias = byAlias;
  }

  /** Alias first: aliased data carries the alias only ([tck-id-payloads-alias-data-cmd-requirement]). −1: not in the birth. */
  find(m: { name?: string; alias?: number | bigint }): number {
    return this.lookup(m.alias, m.name);
  }

  /** `find` for a scanned metric: alias −1 when it has none. */
  findScanned(alias: number, name: string | undefined): number {
    return this.lookup(alias < 0 ? undefined : alias, name);
  }

  private lookup(alias: number | bigint | undefined, name: string | undefined): number {
    if (alias !== undefined) {
      let row: number | undefined;
      const dense = this.dense;
      if (dense !== undefined) {
        const i = typeof alias === 'number' ? alias - this.denseBase : -1;
        if (i >= 0 && i < dense.length) row = dense[i];
      } else row = this.byAlias?.get(alias);
      if (row !== undefined && row !== NO_ROW) return row;
      if (name === undefined) return -1;
    }
    return name === undefined ? -1 : this.byNameOnly(name);
  }

  /** The row of a metric by name, −1 when not in the birth. */
  byNameOnly(name: string): number {
    return this.byName.get(name) ?? -1;
  }

  /** Metrics held (a name repeated in the birth counts once). */
  get size(): number {
    return this.byName.size;
  }

  /** The rows of the metrics held, in birth order. */
  rows(): IterableIterator<number> {
    return this.byName.values();
  }

  markStale(): void {
    this.stale = true;
  }

  name(row: number): string {
    return this.names[row] ?? '';
  }

  dataType(row: number): number {
    return this.types[row] ?? 0;
  }

  type(row: number): MetricTypeName {
    return metricTypeName(this.dataType(row));
  }

  alias(row: number): Int64 | undefined {
    const a = this.aliases?.[row];
    if (a === undefined) return undefined;
    return Number.isNaN(a) ? this.bigAliases?.get(row) : a;
  }

  value(row: number): MetricValue<Int64> {
    const ref = this.refs?.[row];
    return ref === undefined ? (this.nums[row] ?? 0) : ref;
  }

  setValue(row: number, v: MetricValue<Int64>): void {
    if (typeof v === 'number') {
      this.nums[row] = v;
      if (this.refs !== undefined) this.refs[row] = undefined;
    } else (this.refs ??= new Array<MetricValue<Int64> | undefined>(this.types.length).fill(undefined))[row] = v;
  }

  timestamp(row: number): Int64 {
    const t = this.ts[row] ?? 0;
    return Number.isNaN(t) ? (this.bigTs?.get(row) ?? 0) : t;
  }

  setTimestamp(row: number, t: Int64): void {
    if (typeof t === 'number') {
      this.ts[row] = t;
      this.bigTs?.delete(row);
    } else {
      this.ts[row] = Number.NaN;
      (this.bigTs ??= new Map()).set(row, t);
    }
  }

  properties(row: number): PropertySet<Int64> | undefined {
    return this.props?.[row];
  }

  /** Properties in a data message are merged into the metric's (a new object: born sets are shared). */
  mergeProperties(row: number, properties: PropertySet<Int64>): void {
    const props = (this.props ??= new Array<PropertySet<Int64> | undefined>(this.types.length).fill(undefined));
    props[row] = { ...props[row], ...properties };
  }
}

/**
 * The `resolveType` of every data decode, and the rows it found, in call order, so applying the
 * decoded metrics needs no second lookup by alias. Data messages carry no datatype
 * ([tck-id-payloads-metric-datatype-not-req]), so the birth's datatype decides how to read a value.
 *
 * One for the process: a decode and the apply of its result run back to back, synchronously. One
 * resolver function (not one per table) keeps the decoder's call to it monomorphic. Entries count
 * only for the table that recorded them, in order, and only for a metric with the same alias and
 * name, for which `find` would return the same row.
 */
export class ResolvedRows {
  table: MetricTable | undefined = undefined;
  length = 0;
  /**
   * What each resolved metric was looked up by: equal alias and name give the same row of the same
   * table. Kept instead of the metric objects, so this long-lived array never keeps a payload's
   * objects reachable nor takes a young-object store (a GC write barrier) per metric.
   */
  readonly aliases: (Int64 | undefined)[] = [];
  readonly names: (string | undefined)[] = [];
  readonly rows: number[] = [];

  readonly resolveType = (m: { name?: string; alias?: number | bigint }): MetricTypeName | undefined => {
    const table = this.table;
    const row = table === undefined ? -1 : table.find(m);
    if (table === undefined || row < 0) return undefined;
    const i = this.length++;
    this.aliases[i] = m.alias;
    this.names[i] = m.name;
    this.rows[i] = row;
    return table.type(row);
  };

  /** The options of every decode with birth datatypes (one object, not one per message). */
  readonly decodeOptions: DecodeOptions = { resolveType: this.resolveType };

  /** Called before each decode: `table` resolves its metrics; entries of an earlier payload are dropped. */
  reset(table: MetricTable | undefined): void {
    this.table = table;
    this.length = 0;
  }
}

export const resolvedRows = new ResolvedRows();
