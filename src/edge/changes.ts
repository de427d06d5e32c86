/**
 * The changes of one scan of one scope: metric `indices[i]` changed at `timestamps[i]` to the
 * row's value, for i < count. One instance per scope, refilled by every scan: no allocation per
 * change. Valid until the next scan.
 */
import type { MetricValue, PropertySet } from '../payload/types.js';
import { Quality } from '../sources/types.js';
import { Kind } from './inbox.js';

export class Changes {
  count = 0;
  indices = new Int32Array(16);
  timestamps = new Float64Array(16);
  /** Kind.NUMBER: the value is `numbers[i]`, with nothing else on the wire; Kind.BOOLEAN: likewise
   *  `numbers[i] !== 0`. Kind.VALUE: `others[i]`. Kind.BAD: null, with `others[i]` the status text. */
  kinds = new Uint8Array(16);
  numbers = new Float64Array(16);
  others: (MetricValue | undefined)[] = [];
  /** -1: no Quality property; else the Quality the row carries (GOOD after a bad value). */
  qualities = new Int16Array(16);

  /** Room for `n` rows. */
  reserve(n: number): void {
    if (n <= this.indices.length) return;
    const size = Math.max(n, this.indices.length * 2);
    this.indices = new Int32Array(size);
    this.timestamps = new Float64Array(size);
    this.kinds = new Uint8Array(size);
    this.numbers = new Float64Array(size);
    this.qualities = new Int16Array(size);
  }

  /** The value of row `i` (null for an invalidated one). */
  value(i: number): MetricValue {
    const kind = this.kinds[i];
    if (kind === Kind.NUMBER) return this.numbers[i] as number;
    if (kind === Kind.BOOLEAN) return this.numbers[i] !== 0;
    return kind === Kind.VALUE ? (this.others[i] ?? null) : null;
  }

  /** The Quality (and Status) properties of row `i`, or undefined for a plain good value. */
  properties(i: number): PropertySet | undefined {
    const quality = this.qualities[i] as number;
    if (quality < 0) return undefined;
    return this.kinds[i] === Kind.BAD ? qualityProperties(quality, String(this.others[i])) : qualityProperties(quality);
  }

  /** Orders the rows by timestamp (stable), in place. */
  sortByTimestamp(): void {
    const { count, indices, timestamps, kinds, numbers, others, qualities } = this;
    const order = Array.from({ length: count }, (_, i) => i).sort((a, b) => (timestamps[a] ?? 0) - (timestamps[b] ?? 0));
    const pick = <T>(read: (i: number) => T): T[] => order.map(read);
    const k = pick((i) => indices[i] ?? 0);
    const t = pick((i) => timestamps[i] ?? 0);
    const kind = pick((i) => kinds[i] ?? 0);
    const num = pick((i) => numbers[i] ?? 0);
    const other = pick((i) => others[i]);
    const q = pick((i) => qualities[i] ?? -1);
    indices.set(k);
    timestamps.set(t);
    kinds.set(kind);
    numbers.set(num);
    qualities.set(q);
    other.forEach((v, i) => (others[i] = v));
  }
}

/**
 * Sparkplug's quality convention: a `Quality` property (Int32: 0 BAD, 192 GOOD, 500 STALE) and,
 * for a bad value, the source's own status (e.g. the OPC UA status name) as `Status`.
 */
export function qualityProperties(quality: number, status?: string): PropertySet {
  // [tck-id-payloads-propertyset-quality-value-type] [tck-id-payloads-propertyset-quality-value-value] Int32, one of 0/192/500
  const q = quality === Quality.BAD || quality === Quality.STALE ? quality : Quality.GOOD;
  const props: PropertySet = { Quality: { type: 'Int32', value: q } };
  if (status !== undefined) props['Status'] = { type: 'String', value: status };
  return props;
}
