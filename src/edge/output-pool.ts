/**
 * Buffers that live data messages are written into, used again once the transport has let go of
 * them. A fresh buffer per message costs far more than its bytes: at 10 scans a second the
 * allocator hands out memory that is cold or not even mapped, and filling it cost ~18 ns per
 * metric (bench/edge-micro.ts, paced) — as much as encoding the metric.
 *
 * A buffer goes round: `take` → written and published → `give` once its publish resolved →
 * `reclaim`, at the start of a later scan, when the transport says every byte it was handed has
 * left the process → `take` again. A failed publish `drop`s its buffer: whoever handles the
 * failure may still read it.
 */
export class OutputPool {
  private readonly free: Uint8Array[] = [];
  private released: Uint8Array[] = [];
  /** Buffers made and not dropped or forgotten. */
  private made = 0;

  constructor(
    /** Bytes per buffer; a larger message is written into a buffer of its own. */
    readonly capacity = 64 * 1024,
    /** At most this many buffers exist; beyond it messages get buffers of their own. */
    readonly maxBuffers = 32,
  ) {}

  /** A buffer nobody reads, or undefined when all `maxBuffers` are in use. */
  take(): Uint8Array | undefined {
    const buffer = this.free.pop();
    if (buffer !== undefined || this.made >= this.maxBuffers) return buffer;
    this.made++;
    return new Uint8Array(this.capacity);
  }

  /** `buffer`'s publish resolved: it may be reused after the next `reclaim(true)`. */
  give(buffer: Uint8Array): void {
    this.released.push(buffer);
  }

  /** `buffer` is not coming back (its publish failed and the failure handling may keep reading it). */
  drop(): void {
    this.made--;
  }

  /** With `flushed` (no byte handed to the transport is still in the process), released buffers are free again. */
  reclaim(flushed: boolean): void {
    if (!flushed) return;
    for (const buffer of this.released) this.free.push(buffer);
    this.released.length = 0;
  }

  /** The connection is gone: what it may still have held is left to the garbage collector. */
  forget(): void {
    this.made -= this.released.length;
    this.released = [];
  }

  /** Buffers in existence (for tests and stats). */
  get size(): number {
    return this.made;
  }
}
