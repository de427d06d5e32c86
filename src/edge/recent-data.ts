/**
 * The resend window: copies of the live data messages written in the last `windowMs`. Data goes out
 * at QoS 0 (Sparkplug's rule), so nothing tells the edge whether a message reached anyone. When the
 * session ends — the broker died with messages in its queues, or the primary host died hard and the
 * broker will only say so after 1.5 × its keepalive — these messages are handed to store-and-forward
 * and replayed as historical after the next birth. A consumer that keys samples by (metric, timestamp),
 * such as the historian, absorbs the overlap; the host's live model ignores historical values older
 * than the current one.
 */
import type { Scope } from './scope.js';

export interface RecentMessage {
  readonly scope: Scope;
  readonly bytes: Uint8Array;
  readonly count: number;
  readonly at: number;
}

export class RecentData {
  private messages: RecentMessage[] = [];
  private head = 0;
  private bytes = 0;
  /** Messages dropped from the window by the byte bound before their time was up. */
  evicted = 0;

  constructor(
    private readonly windowMs: number,
    private readonly maxBytes: number,
  ) {}

  /** Keeps a copy: live payloads are written into recycled buffers. */
  add(scope: Scope, payload: Uint8Array, count: number, at: number): void {
    const bytes = Buffer.allocUnsafe(payload.length);
    bytes.set(payload);
    this.messages.push({ scope, bytes, count, at });
    this.bytes += bytes.length;
    this.trim(at);
  }

  /** Every message of the window, oldest first; the window is empty afterwards. */
  drain(now: number): RecentMessage[] {
    this.trim(now);
    const out = this.messages.slice(this.head);
    this.messages = [];
    this.head = 0;
    this.bytes = 0;
    return out;
  }

  private trim(now: number): void {
    const { messages } = this;
    let head = this.head;
    for (;;) {
      const oldest = messages[head];
      if (oldest === undefined || (oldest.at >= now - this.windowMs && this.bytes <= this.maxBytes)) break;
      if (oldest.at >= now - this.windowMs) this.evicted++;
      this.bytes -= oldest.bytes.length;
      head++;
    }
    // Compacted now and then, not on every shift: the array stays amortised O(1) per message.
    if (head > 1024 && head * 2 > messages.length) {
      this.messages = messages.slice(head);
      head = 0;
    }
    this.head = head;
  }
}
