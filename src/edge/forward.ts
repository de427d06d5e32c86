/**
 * Store-and-forward: changes sampled while the node has no live session go to a durable queue;
 * after the next birth sequence they are replayed, oldest first, as historical metrics at a
 * bounded rate, interleaved with live data (which is never held behind the backlog).
 */
import type { Logger } from 'pino';
import { decodePayload, encodePayload } from '../payload/index.js';
import type { Metric, MetricValue, PropertySet } from '../payload/types.js';
import type { ForwardStore } from './types.js';
import type { Changes } from './changes.js';
import type { MetricSlot, Scope } from './scope.js';

const REPLAY_BATCH = 500;
const IDLE_RETRY_MS = 1000;

export interface ReplayTarget {
  isOnline(): boolean;
  scope(id: string): Scope | undefined;
  /** Publishes one NDATA/DDATA of historical metrics for a born scope. */
  publishHistorical(scope: Scope, metrics: Metric[]): Promise<void>;
}

export class Forwarder {
  stored = 0;
  replayed = 0;
  discarded = 0;
  private replaying = false;

  constructor(
    private readonly store: ForwardStore | undefined,
    private readonly ratePerSec: number,
    private readonly log: Logger | undefined,
    private readonly withNames: boolean,
  ) {}

  /** A live data message the transport refused: its metrics are kept, read back from the bytes sent. */
  keepRefused(scope: Scope, bytes: Uint8Array, count: number): void {
    try {
      this.keepMessage(scope, bytes, count);
    } catch (err: unknown) {
      // e.g. the store was closed by stop() meanwhile: nothing to do but say so
      this.log?.error({ err, topic: scope.dataTopic, count }, 'refused data message could not be stored');
    }
  }

  /** Keeps the changes of a scan that could not be published live. */
  keep(scope: Scope, changes: Changes): void {
    if (this.store === undefined) {
      this.discarded += changes.count;
      return;
    }
    for (let i = 0; i < changes.count; i++) {
      const k = changes.indices[i] ?? 0;
      this.append(this.store, scope, scope.ordered[k] as MetricSlot, changes.value(i), changes.timestamps[i] ?? 0, changes.properties(i));
    }
  }

  /**
   * Keeps the `count` metrics of a live data message that the transport refused. They are read
   * back from the message itself: this is rare, and the live path then keeps no metric objects.
   */
  private keepMessage(scope: Scope, payload: Uint8Array, count: number): void {
    if (this.store === undefined) {
      this.discarded += count;
      return;
    }
    const metrics = decodePayload(payload, { resolveType: (m) => scope.resolve(m)?.def.type }).metrics ?? [];
    for (const m of metrics) {
      const slot = scope.resolve(m);
      if (slot !== undefined) this.append(this.store, scope, slot, m.value ?? null, Number(m.timestamp ?? 0), m.properties);
    }
  }

  /** Counts changes dropped without being stored (e.g. a value that cannot be encoded). */
  discard(count: number): void {
    this.discarded += count;
  }

  private append(store: ForwardStore, scope: Scope, slot: MetricSlot, value: MetricValue, timestamp: number, properties?: PropertySet): void {
    // Stored by name: aliases are only valid for one birth, the queue may outlive it.
    const metric: Metric = { name: slot.def.name, type: slot.def.type, timestamp };
    if (value === null) metric.isNull = true;
    else metric.value = value;
    // The Quality of a value travels with it into history.
    if (properties !== undefined) metric.properties = properties;
    // Refused (the disk is failing, see ForwardQueue): lost, and counted as such.
    if (store.append({ scope: scope.id, timestamp, data: encodePayload({ metrics: [metric] }) }) === false) this.discarded++;
    else this.stored++;
  }

  /** Starts the replay in the background; `done` gets the number of metrics replayed, failures are logged. */
  startReplay(target: ReplayTarget, done: (replayed: number) => void): void {
    this.replay(target)
      .then(done)
      .catch((e: unknown) => this.log?.error({ err: e }, 'store-and-forward replay failed'));
  }

  /** Replays the backlog; returns the number of metrics published. Runs at most once at a time. */
  private async replay(target: ReplayTarget): Promise<number> {
    const store = this.store;
    if (store === undefined || this.replaying) return 0;
    this.replaying = true;
    let count = 0;
    try {
      store.flush();
      while (target.isOnline() && !store.isEmpty()) {
        const started = Date.now();
        const batch = store.peek(Math.min(REPLAY_BATCH, this.ratePerSec));
        const last = batch.at(-1);
        if (last === undefined) {
          // Not empty, yet nothing to read: records wait in memory for a full disk. Look again soon.
          await new Promise((r) => setTimeout(r, IDLE_RETRY_MS));
          continue;
        }
        // Consecutive records of one scope share a message, so the global order is kept.
        let run: { scope: Scope | undefined; metrics: Metric[]; id: string } | undefined;
        const runs: { scope: Scope | undefined; metrics: Metric[]; id: string }[] = [];
        for (const rec of batch) {
          if (run === undefined || run.id !== rec.scope) {
            run = { scope: target.scope(rec.scope), metrics: [], id: rec.scope };
            runs.push(run);
          }
          const metric = this.historical(rec.data, run.scope);
          if (metric !== undefined) run.metrics.push(metric);
        }
        for (const r of runs) {
          if (r.scope === undefined || !r.scope.born) {
            this.log?.warn({ scope: r.id, count: r.metrics.length }, 'dropping stored metrics of a scope that is not born');
            this.discarded += r.metrics.length;
            continue;
          }
          if (r.metrics.length === 0) continue;
          await target.publishHistorical(r.scope, r.metrics);
          count += r.metrics.length;
        }
        if (!target.isOnline()) break; // keep the batch: the session ended while it was in flight
        store.ack(last.id);
        const wait = (batch.length / this.ratePerSec) * 1000 - (Date.now() - started);
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      }
    } finally {
      this.replaying = false;
    }
    this.replayed += count;
    return count;
  }

  private historical(data: Uint8Array, scope: Scope | undefined): Metric | undefined {
    let stored: Metric<number | bigint> | undefined;
    try {
      stored = decodePayload(data).metrics?.[0];
    } catch (e) {
      this.log?.error({ err: e }, 'unreadable record in the store-and-forward queue');
    }
    if (stored === undefined || stored.name === undefined || scope === undefined) return undefined;
    const slot = scope.slots.get(stored.name);
    if (slot === undefined) {
      this.log?.warn({ metric: stored.name, scope: scope.id }, 'stored metric no longer exists; dropped');
      this.discarded++;
      return undefined;
    }
    const m: Metric = { timestamp: stored.timestamp ?? 0, type: slot.def.type, isHistorical: true };
    if (slot.alias === undefined || this.withNames) m.name = slot.def.name;
    if (slot.alias !== undefined) m.alias = slot.alias;
    if (stored.isNull === true) m.isNull = true;
    else if (stored.value !== undefined) m.value = stored.value;
    if (stored.properties !== undefined) m.properties = stored.properties;
    return m;
  }
}
