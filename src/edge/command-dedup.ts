/**
 * Drops a second delivery of one NCMD/DCMD write. MQTT may deliver a message twice (QoS 1 redelivery,
 * a host or bridge that retries a publish), and a write moves a machine, so the repeat must not act.
 * A duplicate is the same topic with the same bytes (so the same metrics, values and payload
 * timestamp) within `windowMs`. A genuine second write of the same value carries a new payload
 * timestamp and is applied; a command without a payload timestamp cannot be told from a genuine
 * repeat and is never dropped.
 */
import type { Logger } from 'pino';

/** How often at most a dropped duplicate is logged; the others are counted into the next line. */
const LOG_EVERY_MS = 10_000;
/** Commands remembered at most: a client flooding commands must not grow the node's memory without bound. */
const MAX_KEYS = 10_000;

export class CommandDedup {
  /** key → when it was first seen; insertion order is time order, so expiry scans from the front. */
  private readonly seen = new Map<string, number>();
  private lastLogAt = -Infinity;
  private unlogged = 0;

  constructor(
    /** `commandsDuplicate` counts the drops (EdgeStats). */
    private readonly stats: { commandsDuplicate: number },
    private readonly windowMs: number,
    private readonly now: () => number,
    private readonly log: Logger | undefined,
  ) {}

  /** True (and logged, rate-limited) when this command was already delivered within the window. */
  isDuplicate(topic: string, payload: Uint8Array): boolean {
    const t = this.now();
    for (const [key, at] of this.seen) {
      if (t - at < this.windowMs) break;
      this.seen.delete(key);
    }
    // latin1 maps each byte to one char: an exact, cheap key for the small payloads commands are.
    const key = `${topic}\u0000${Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('latin1')}`;
    if (!this.seen.has(key)) {
      if (this.seen.size >= MAX_KEYS) this.seen.delete(this.seen.keys().next().value as string);
      this.seen.set(key, t);
      return false;
    }
    this.stats.commandsDuplicate++;
    this.unlogged++;
    if (t - this.lastLogAt >= LOG_EVERY_MS) {
      this.log?.warn({ topic, duplicates: this.unlogged }, 'duplicate command delivery dropped (same metrics, values and timestamp)');
      this.lastLogAt = t;
      this.unlogged = 0;
    }
    return true;
  }
}
