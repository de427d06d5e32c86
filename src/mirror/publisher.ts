/**
 * Retained QoS 1 publishes, one latest value per topic, at most `maxPerSecond`.
 *
 * Each topic has the payload it should hold (desired) and the one the broker acknowledged
 * (`sent`). A topic waits in the queue (insertion order) while they differ; a newer value for a
 * topic already waiting replaces it there (coalesced), so over the limit the latest value always
 * goes out and no older one is sent after it. An empty payload clears the retained message. A
 * publish that fails (link lost) leaves the broker's copy unknown: the topic goes out again once
 * connected.
 *
 * A metric's value is kept as it came (`setMetric`) and formatted as JSON only when it goes out:
 * over the rate most values are replaced before that, and their JSON would only be garbage.
 */
import type { Int64, MetricTypeName, MetricValue } from '../payload/types.js';
import type { MqttSession } from '../transport/index.js';
import { metricPayload, type MirrorQuality } from './format.js';
import { PendingList, type Queued } from './pending-list.js';

export type MirrorTransport = Pick<MqttSession, 'start' | 'stop' | 'publish' | 'isConnected' | 'on'>;

/** QoS 1 publishes awaiting their PUBACK at once: bounds memory and the broker's inflight queue. */
const MAX_IN_FLIGHT = 256;
/**
 * Freed window slots that make the pump run again. PUBACKs arrive a few per event-loop turn and the
 * publishes of one pump leave in one write system call: refilling the window as each few PUBACKs
 * came made about 4 publishes per write, and those writes cost the host more than the mirror's own
 * code. Half the window keeps the other half in flight at the broker meanwhile (a quarter and three
 * quarters measured within the noise of it: README, Retained MQTT mirror, Throughput).
 */
const REFILL_STEP = MAX_IN_FLIGHT / 2;

interface Entry extends Queued<Entry> {
  readonly topic: string;
  /** The payload the topic should hold; undefined: not formatted yet from the metric state below. */
  text: string | undefined;
  /** Whether the fields below hold the state of the last `setMetric` (false: `text` was set as it is). */
  metric: boolean;
  type: MetricTypeName;
  value: MetricValue<Int64>;
  timestamp: Int64;
  quality: MirrorQuality;
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

function newEntry(topic: string, text: string | undefined): Entry {
  return { topic, text, metric: false, type: 'String', value: null, timestamp: 0, quality: 'good', sent: undefined, inFlight: false, prev: undefined, next: undefined, queued: false };
}

/** The payload `e` should hold, formatted now if it was not yet. */
function desired(e: Entry): string {
  // Only a metric state is ever left unformatted (setMetric).
  if (e.text === undefined) e.text = metricPayload(e.type, e.value, e.timestamp, e.quality);
  return e.text;
}

export class RetainedPublisher {
  readonly counters: PublisherCounters = { published: 0, cleared: 0, coalesced: 0, failed: 0 };
  private readonly entries = new Map<string, Entry>();
  private readonly queue = new PendingList<Entry>();
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
      e = newEntry(topic, payload);
      this.entries.set(topic, e);
    } else if (desired(e) === payload) {
      return;
    } else {
      e.text = payload;
      e.metric = false;
    }
    this.changed(e);
  }

  /** Sets the metric state `topic` should hold; formatted (format.ts) only when it goes out. */
  setMetric(topic: string, type: MetricTypeName, value: MetricValue<Int64>, timestamp: Int64, quality: MirrorQuality): void {
    // Arrays, bytes, data sets and templates are compared as their JSON: a new object may hold the same.
    if (typeof value === 'object' && value !== null) return this.set(topic, metricPayload(type, value, timestamp, quality));
    let e = this.entries.get(topic);
    if (e === undefined) {
      e = newEntry(topic, undefined);
      this.entries.set(topic, e);
    } else if (e.metric && e.type === type && Object.is(e.value, value) && e.timestamp === timestamp && e.quality === quality) {
      return;
    }
    e.text = undefined;
    e.metric = true;
    e.type = type;
    e.value = value;
    e.timestamp = timestamp;
    e.quality = quality;
    this.changed(e);
  }

  /** Clears `topic` also when this publisher never sent it: a retained message of an earlier run. */
  clearRetained(topic: string): void {
    if (this.entries.has(topic)) return this.set(topic, '');
    const e = newEntry(topic, '');
    this.entries.set(topic, e);
    this.queue.push(e);
    this.schedule();
  }

  /** Starts (again) sending: the link is up. `brokerLostState`: every value must go out again. */
  resume(brokerLostState: boolean): void {
    this.active = true;
    if (brokerLostState) {
      for (const [topic, e] of this.entries) {
        e.sent = undefined;
        if (e.inFlight) continue;
        // A clear is moot on a broker that holds nothing.
        if (desired(e) === '') {
          this.entries.delete(topic);
          this.queue.remove(e);
        } else if (!e.queued) this.queue.push(e);
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

  /** `e` got a new desired value: it waits unless it waits already or is in flight. */
  private changed(e: Entry): void {
    if (e.queued) {
      this.counters.coalesced++;
      return;
    }
    // In flight: queued again when its PUBACK comes (see settled). Otherwise it may still equal what
    // the broker holds (a value set back): the pump formats it and drops it then.
    if (!e.inFlight && (e.text === undefined || e.text !== e.sent)) {
      this.queue.push(e);
      this.schedule();
    }
  }

  /**
   * One pump per event-loop turn, however many values arrived in it, and only once the window has
   * REFILL_STEP free slots (or is empty): the PUBACK that frees them schedules it.
   */
  private schedule(): void {
    if (this.immediate !== undefined || this.timer !== undefined || !this.active) return;
    if (this.inFlight > MAX_IN_FLIGHT - REFILL_STEP) return;
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
    for (let e = this.queue.first(); e !== undefined && this.inFlight < MAX_IN_FLIGHT; e = this.queue.first()) {
      if (e.inFlight || desired(e) === e.sent) {
        this.queue.remove(e);
        if (!e.inFlight && e.text === '' && this.entries.get(e.topic) === e) this.entries.delete(e.topic);
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
      this.queue.remove(e);
      this.send(e);
    }
    this.notifyIdle();
  }

  private send(e: Entry): void {
    const payload = desired(e);
    e.inFlight = true;
    this.inFlight++;
    this.transport.publish(e.topic, Buffer.from(payload, 'utf8'), { qos: 1, retain: true }).then(
      () => {
        e.sent = payload;
        this.counters.published++;
        if (payload === '') this.counters.cleared++;
        this.settled(e);
      },
      () => {
        // The link dropped before the PUBACK (the session logs that once): sent again once connected.
        e.sent = undefined;
        this.counters.failed++;
        this.settled(e);
      },
    );
  }

  private settled(e: Entry): void {
    e.inFlight = false;
    this.inFlight--;
    if (e.text === undefined || e.text !== e.sent) this.queue.push(e);
    else if (e.text === '' && this.entries.get(e.topic) === e) this.entries.delete(e.topic);
    this.schedule();
    this.notifyIdle();
  }

  private notifyIdle(): void {
    if (this.pending > 0 || this.idleWaiters.length === 0) return;
    for (const w of this.idleWaiters.splice(0)) w();
  }
}
