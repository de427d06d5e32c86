/**
 * The ChangeSink a scope hands its source: every reported value is appended to a pending log
 * (kept until the next scan takes it) and becomes the metric's current value (what a birth
 * carries). Columns of typed arrays, so reporting a number or a boolean allocates nothing.
 */
import { PLAIN_BOOLEAN, PLAIN_NUMBER } from '../payload/index.js';
import type { MetricValue } from '../payload/types.js';
import { type BadQuality, type ChangeSink, Quality } from '../sources/types.js';

/**
 * What a pending row or a current value holds. NUMBER and BOOLEAN (0 or 1) live in the number
 * column; they are the DataWriter's plain kinds, so a scan's rows go to its fast loop as they are.
 */
export const Kind = { NONE: 0, NUMBER: PLAIN_NUMBER, VALUE: 2, BAD: 3, BOOLEAN: PLAIN_BOOLEAN } as const;

export class Inbox implements ChangeSink {
  /** Pending rows, oldest first: metric `index[r]` took its value at `ts[r]`. */
  count = 0;
  index = new Int32Array(16);
  ts = new Float64Array(16);
  kind = new Uint8Array(16);
  /** The value of a NUMBER row; 1 or 0 for a BOOLEAN row. */
  num = new Float64Array(16);
  /** The value of a VALUE row; the status of a BAD row. */
  other: (MetricValue | undefined)[] = [];
  /** The quality of a BAD row. */
  quality = new Int16Array(16);

  /** Current value of each metric (Kind.NONE before the first report). */
  curKind = new Uint8Array(0);
  curNum = new Float64Array(0);
  curOther: (MetricValue | undefined)[] = [];
  curTs = new Float64Array(0);
  curQuality = new Int16Array(0);
  /** Reports for metrics the source does not declare (a source's bug): counted, never applied. */
  ignored = 0;

  constructor(
    /** Called when a report names a metric index the inbox has no room for yet: returns the metric count. */
    private readonly define: () => number,
  ) {}

  update(index: number, value: MetricValue, timestamp: number): void {
    if ((index >>> 0 !== index || index >= this.curKind.length) && !this.fits(index)) return;
    const r = this.row(index, timestamp);
    if (typeof value === 'number') {
      this.kind[r] = Kind.NUMBER;
      this.num[r] = value;
      this.curKind[index] = Kind.NUMBER;
      this.curNum[index] = value;
    } else if (typeof value === 'boolean') {
      const n = value ? 1 : 0;
      this.kind[r] = Kind.BOOLEAN;
      this.num[r] = n;
      this.curKind[index] = Kind.BOOLEAN;
      this.curNum[index] = n;
    } else {
      this.kind[r] = Kind.VALUE;
      this.other[r] = value;
      this.curKind[index] = Kind.VALUE;
      this.curOther[index] = value;
    }
    this.curQuality[index] = Quality.GOOD;
  }

  invalidate(index: number, quality: BadQuality, status: string, timestamp: number): void {
    if ((index >>> 0 !== index || index >= this.curKind.length) && !this.fits(index)) return;
    const r = this.row(index, timestamp);
    this.kind[r] = Kind.BAD;
    this.quality[r] = quality;
    this.other[r] = status;
    this.curKind[index] = Kind.BAD;
    this.curQuality[index] = quality;
    this.curOther[index] = status;
  }

  /** Forgets the pending rows (a scan took them, or a birth superseded them). */
  clear(): void {
    // Boxed values are let go of, so that the log does not keep old objects alive.
    for (let r = 0; r < this.count; r++) if (this.kind[r] === Kind.VALUE || this.kind[r] === Kind.BAD) this.other[r] = undefined;
    this.count = 0;
  }

  /** Sizes the current-value columns for `n` metrics (once the source declares them). */
  resize(n: number): void {
    if (n <= this.curKind.length) return;
    const kind = new Uint8Array(n);
    kind.set(this.curKind);
    const num = new Float64Array(n);
    num.set(this.curNum);
    const ts = new Float64Array(n);
    ts.set(this.curTs);
    const quality = new Int16Array(n).fill(Quality.GOOD);
    quality.set(this.curQuality);
    this.curKind = kind;
    this.curNum = num;
    this.curTs = ts;
    this.curQuality = quality;
  }

  private fits(index: number): boolean {
    this.resize(this.define());
    if (index >>> 0 === index && index < this.curKind.length) return true;
    // [tck-id-topics-nbirth-metric-reqs] [tck-id-operational-behavior-data-publish-nbirth] [tck-id-topics-dbirth-metric-reqs]
    // [tck-id-operational-behavior-data-publish-dbirth] data only for metrics of this scope, which its birth declared
    this.ignored++;
    return false;
  }

  /** Appends a row for metric `index` at `timestamp`; returns its position. */
  private row(index: number, timestamp: number): number {
    const r = this.count;
    if (r === this.index.length) this.grow();
    this.index[r] = index;
    this.ts[r] = timestamp;
    this.curTs[index] = timestamp;
    this.count = r + 1;
    return r;
  }

  private grow(): void {
    const n = this.index.length * 2;
    const index = new Int32Array(n);
    index.set(this.index);
    const ts = new Float64Array(n);
    ts.set(this.ts);
    const kind = new Uint8Array(n);
    kind.set(this.kind);
    const num = new Float64Array(n);
    num.set(this.num);
    const quality = new Int16Array(n);
    quality.set(this.quality);
    this.index = index;
    this.ts = ts;
    this.kind = kind;
    this.num = num;
    this.quality = quality;
  }
}
