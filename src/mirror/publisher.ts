/**
 * Retained QoS 1 publishes, one latest value per topic, at most `maxPerSecond`.
 *
 * Each topic has the payload it should hold (`desired`) and the one the broker acknowledged
 * (`sent`). A topic waits in the queue (insertion order) while they differ; a newer value for a
 * topic already waiting replaces it there (coalesced), so over the limit the latest value always
 * goes out and no older one is sent after it. An empty payload clears the retained message. A
 * publish that fails (link lost) leaves the broker's copy unknown: the topic goes out again once
 * connected.
 */
import type { MqttSession } from '../transport/index.js';

export type MirrorTransport = Pick<MqttSession, 'start' | 'stop' | 'publish' | 'isConnected' | 'on'>;

/** QoS 1 publishes awaiting their PUBACK at once: bounds memory and the broker's inflight queue. */
const MAX_IN_FLIGHT = 256;

interface Entry {
  desired: string;
  /** Acknowledged by the broker in its current state; undefined: unknown (never sent, failed, broker lost it). */
  sent: string | undefined;
  inFlight: boolean;
}

export interface PublisherCounters {
  /** Retained messages the broker acknowledged (values and clears). */
  published: number;
  /** Of those, empty payloads clearing a topic. */
  cleared: number;
  /** Values replaced by a newer one before they went out. */
  coalesced: number;
  /** Publishes that failed (link lost before PUBACK); each topic is sent again. */
  failed: number;
}

export class RetainedPublisher {
  readonly counters: PublisherCounters = { published: 0, cleared: 0, coalesced: 0, failed: 0 };
  private readonly entries = new Map<string, Entry>();
  private readonly queue = new Set<string>();
  private inFlight = 0;
  private readonly burst: number;
  private tokens: number;
  private lastRefill: number;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private immediate: ReturnType<typeof setImmediate> | undefined;
  private active = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly transport: MirrorTransport,
    private readonly maxPerSecond: number,
    private readonly now: () => number = Date.now,
  ) {
    // A tenth of a second's worth at once (at least one): in any second at most maxPerSecond plus that.
    this.burst = Math.max(1, Math.floor(maxPerSecond / 10));
    this.tokens = this.burst;
    this.lastRefill = now();
  }

  /** Topics waiting or in flight. */
  get pending(): number {
    return this.queue.size + this.inFlight;
  }

  /** Topics with a retained value (or a clear still to go out). */
  get topics(): number {
    return this.entries.size;
  }

  /** Whether the topic has a value (or a clear still to go out). */
  has(topic: string): boolean {
    return this.entries.has(topic);
  }

  /** Sets what `topic` should hold; '' clears it. */
  set(topic: string, payload: string): void {
    let e = this.entries.get(topic);
    if (e === undefined) {
      if (payload === '') return;
      e = { desired: payload, sent: undefined, inFlight: false };
      this.entries.set(topic, e);
    } else if (e.desired === payload) {
      return;
    } else {
      e.desired = payload;
    }
    if (this.queue.has(topic)) {
      this.counters.coalesced++;
      return;
    }
    // In flight: queued again when its PUBACK comes (see send).
    if (!e.inFlight && e.desired !== e.sent) {
      this.queue.add(topic);
      this.schedule();
    }
  }

  /** Clears `topic` also when this publisher never sent it: a retained message of an earlier run. */
  clearRetained(topic: string): void {
    if (this.entries.has(topic)) return this.set(topic, '');
    this.entries.set(topic, { desired: '', sent: undefined, inFlight: false });
    this.queue.add(topic);
    this.schedule();
  }

  /** Starts (again) sending: the link is up. `brokerLostState`: every value must go out again. */
  resume(brokerLostState: boolean): void {
    this.active = true;
    if (brokerLostState) {
      for (const [topic, e] of this.entries) {
        e.sent = undefined;
        // A clear is moot on a broker that holds nothing.
        if (e.desired === '' && !e.inFlight) {
          this.entries.delete(topic);
          this.queue.delete(topic);
        } else if (!e.inFlight) this.queue.add(topic);
      }
    }
    this.schedule();
  }

  /** The link is down: nothing is sent until `resume`. */
  pause(): void {
    this.active = false;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Resolves when nothing waits or is in flight, or after `timeoutMs`; true when drained. */
  async drained(timeoutMs: number): Promise<boolean> {
    if (this.pending === 0) return true;
    return new Promise<boolean>((resolve) => {
      const waiter = (): void => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.idleWaiters = this.idleWaiters.filter((w) => w !== waiter);
        resolve(false);
      }, timeoutMs);
      this.idleWaiters.push(waiter);
    });
  }

  close(): void {
    this.pause();
    if (this.immediate !== undefined) clearImmediate(this.immediate);
    this.immediate = undefined;
  }

  /** One pump per event-loop turn, however many values arrived in it. */
  private schedule(): void {
    if (this.immediate !== undefined || this.timer !== undefined || !this.active) return;
    this.immediate = setImmediate(() => {
      this.immediate = undefined;
      this.pump();
    });
  }

  private pump(): void {
    if (!this.active) return;
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.lastRefill) * this.maxPerSecond) / 1000);
    this.lastRefill = now;
    for (const topic of this.queue) {
      if (this.inFlight >= MAX_IN_FLIGHT) return; // the next PUBACK schedules the pump again
      const e = this.entries.get(topic);
      if (e === undefined || e.inFlight || e.desired === e.sent) {
        this.queue.delete(topic);
        if (e !== undefined && e.desired === '' && !e.inFlight) this.entries.delete(topic);
        continue;
      }
      if (this.tokens < 1) {
        const waitMs = Math.max(1, Math.ceil(((1 - this.tokens) * 1000) / this.maxPerSecond));
        this.timer = setTimeout(() => {
          this.timer = undefined;
          this.pump();
        }, waitMs);
        return;
      }
      this.tokens -= 1;
      this.queue.delete(topic);
      this.send(topic, e);
    }
    this.notifyIdle();
  }

  private send(topic: string, e: Entry): void {
    const payload = e.desired;
    e.inFlight = true;
    this.inFlight++;
    this.transport.publish(topic, Buffer.from(payload, 'utf8'), { qos: 1, retain: true }).then(
      () => {
        e.sent = payload;
        this.counters.published++;
        if (payload === '') this.counters.cleared++;
        this.settled(topic, e);
      },
      () => {
        // The link dropped before the PUBACK (the session logs that once): sent again once connected.
        e.sent = undefined;
        this.counters.failed++;
        this.settled(topic, e);
      },
    );
  }

  private settled(topic: string, e: Entry): void {
    e.inFlight = false;
    this.inFlight--;
    if (e.desired !== e.sent) this.queue.add(topic);
    else if (e.desired === '' && this.entries.get(topic) === e) this.entries.delete(topic);
    this.schedule();
    this.notifyIdle();
  }

  private notifyIdle(): void {
    if (this.pending > 0 || this.idleWaiters.length === 0) return;
    for (const w of this.idleWaiters.splice(0)) w();
  }
}
