/**
 * The resend window: copies of the live data messages written in the last `windowMs`. Data goes out
 * at QoS 0 (Sparkplug's rule), so nothing tells the edge whether a message reached anyone. When the
 * session ends — the broker died with messages in its queues, or the primary host died hard and the
 * broker will only say so after 1.5 × its keepalive — these messages are handed to store-and-forward
 * and replayed as historical after the next birth. A consumer that keys samples by (metric, timestamp),
 * such as the historian, absorbs the overlap; the host's live model ignores historical values older
 * than the current one.
 *
 * Copies go into one byte ring of `maxBytes` and their records into parallel arrays, so keeping a
 * message allocates nothing: a copy per message as its own Buffer kept megabytes of small objects
 * alive for the GC to walk, and cost a fifth of the edge's throughput.
 */
import type { Scope } from './scope.js';

export interface RecentMessage {
  readonly scope: Scope;
  readonly bytes: Uint8Array;
  readonly count: number;
  readonly at: number;
}

export class RecentData {
  private ring: Uint8Array | undefined;
  /** Records, oldest at `head`, `size` of them, in slots of a circular queue of `capacity`. */
  private starts = new Int32Array(1024);
  private lengths = new Int32Array(1024);
  private counts = new Int32Array(1024);
  private ats = new Float64Array(1024);
  private scopes: (Scope | undefined)[] = new Array<Scope | undefined>(1024);
  private head = 0;
  private size = 0;
  /** Where the next copy goes in the ring. */
  private write = 0;
  /** Messages dropped from the window (ring full, or larger than it) before their time was up. */
  evicted = 0;

  constructor(
    private readonly windowMs: number,
    private readonly maxBytes: number,
  ) {}

  /** Keeps a copy: live payloads are written into recycled buffers. */
  add(scope: Scope, payload: Uint8Array, count: number, at: number): void {
    this.expire(at);
    const length = payload.length;
    if (length > this.maxBytes) {
      this.evicted++;
      return;
    }
    const ring = (this.ring ??= new Uint8Array(this.maxBytes));
    const offset = this.place(length);
    ring.set(payload, offset);
    if (this.size === this.starts.length) this.grow();
    const slot = (this.head + this.size) % this.starts.length;
    this.starts[slot] = offset;
    this.lengths[slot] = length;
    this.counts[slot] = count;
    this.ats[slot] = at;
    this.scopes[slot] = scope;
    this.size++;
    this.write = offset + length;
  }

  /** Every message of the window, oldest first, as copies; the window is empty afterwards. */
  drain(now: number): RecentMessage[] {
    this.expire(now);
    const out: RecentMessage[] = [];
    const ring = this.ring;
    for (let i = 0; i < this.size && ring !== undefined; i++) {
      const slot = (this.head + i) % this.starts.length;
      const start = this.starts[slot] as number;
      out.push({
        scope: this.scopes[slot] as Scope,
        bytes: ring.slice(start, start + (this.lengths[slot] as number)),
        count: this.counts[slot] as number,
        at: this.ats[slot] as number,
      });
    }
    this.scopes.fill(undefined);
    this.head = 0;
    this.size = 0;
    this.write = 0;
    return out;
  }

  /** Drops records older than the window. */
  private expire(now: number): void {
    const oldest = now - this.windowMs;
    while (this.size > 0 && (this.ats[this.head] as number) < oldest) this.dropOldest();
  }

  /** Where `length` bytes fit after the newest copy (wrapping to 0), dropping the oldest until they do. */
  private place(length: number): number {
    for (;;) {
      if (this.size === 0) return 0;
      const head = this.starts[this.head] as number;
      const write = this.write;
      if (write > head) {
        if (write + length <= this.maxBytes) return write;
        if (length <= head) return 0;
      } else if (write + length <= head) {
        return write;
      }
      this.evicted++;
      this.dropOldest();
    }
  }

  private dropOldest(): void {
    this.scopes[this.head] = undefined;
    this.head = (this.head + 1) % this.starts.length;
    this.size--;
    if (this.size === 0) {
      this.head = 0;
      this.write = 0;
    }
  }

  /** Twice the record slots, the queue unrolled to start at 0. */
  private grow(): void {
    const n = this.starts.length;
    const order = (a: Int32Array | Float64Array, b: Int32Array | Float64Array): void => {
      for (let i = 0; i < this.size; i++) b[i] = a[(this.head + i) % n] as number;
    };
    const starts = new Int32Array(n * 2);
    const lengths = new Int32Array(n * 2);
    const counts = new Int32Array(n * 2);
    const ats = new Float64Array(n * 2);
    order(this.starts, starts);
    order(this.lengths, lengths);
    order(this.counts, counts);
    order(this.ats, ats);
    const scopes = new Array<Scope | undefined>(n * 2);
    for (let i = 0; i < this.size; i++) scopes[i] = this.scopes[(this.head + i) % n];
    this.starts = starts;
    this.lengths = lengths;
    this.counts = counts;
    this.ats = ats;
    this.scopes = scopes;
    this.head = 0;
  }
}
