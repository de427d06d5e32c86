/**
 * Monitored items on the Value attribute, created in batches of at most the server's
 * MaxMonitoredItemsPerCall (one ClientMonitoredItemGroup per batch and sampling interval). Items a
 * subscription refuses with BadTooManyMonitoredItems move to a further subscription. The publish
 * responses (data or keep-alive) double as a watchdog: silence beyond a few keep-alive periods
 * means the server or the network is gone, which a half-open TCP connection would not show.
 */
import { AttributeIds, ClientMonitoredItemGroup, StatusCodes, TimestampsToReturn } from 'node-opcua-client';
import type { ClientSession, ClientSubscription, DataValue, NodeId } from 'node-opcua-client';
import type { Logger } from 'pino';
import { batchSize } from './resolve.js';

export interface MonitoredVariable {
  readonly index: number;
  readonly nodeId: NodeId;
  readonly samplingMs: number;
}

export interface MonitorOptions {
  readonly publishingIntervalMs: number;
  readonly maxMonitoredItemsPerCall: number;
  /** The hot path: one call per notification, with the metric index. */
  readonly onValue: (index: number, value: DataValue) => void;
  /** A variable the server refused to monitor (status name, e.g. BadTooManyMonitoredItems). */
  readonly onRefused: (index: number, status: string) => void;
  /** No publish response for too long. */
  readonly onSilence: (reason: string) => void;
  readonly log: Logger;
}

/** Keep-alive responses at least this often when nothing changes (a few bytes a second). */
const KEEPALIVE_MS = 1_000;

export class Monitor {
  readonly #session: ClientSession;
  readonly #options: MonitorOptions;
  readonly #subscriptions: ClientSubscription[] = [];
  #lastContact = Date.now();
  #silenceLimitMs = 0;
  #watchdog: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(session: ClientSession, options: MonitorOptions) {
    this.#session = session;
    this.#options = options;
  }

  get subscriptionCount(): number {
    return this.#subscriptions.length;
  }

  /** Monitors every variable; resolves when the server has answered for all of them. */
  async start(variables: readonly MonitoredVariable[]): Promise<void> {
    const queue = batches(variables, batchSize(this.#options.maxMonitoredItemsPerCall));
    let subscription = await this.#subscribe();
    let accepted = 0;
    for (let batch = queue.shift(); batch !== undefined; batch = queue.shift()) {
      const refused = await this.#monitor(subscription, batch);
      accepted += batch.length - refused.length;
      if (refused.length === 0) continue;
      // A fresh subscription that takes nothing means the server's overall limit is reached.
      const next = accepted === 0 ? undefined : await this.#subscribe().catch(() => undefined);
      if (next === undefined) {
        const rest = [...refused, ...queue.flat()];
        for (const v of rest) this.#options.onRefused(v.index, 'BadTooManyMonitoredItems');
        this.#options.log.error({ refused: rest.length }, 'the server refuses to monitor more variables');
        break;
      }
      subscription = next;
      accepted = 0;
      queue.unshift(refused);
    }
    this.#watch();
  }

  async #subscribe(): Promise<ClientSubscription> {
    const interval = this.#options.publishingIntervalMs;
    const keepAliveCount = Math.max(3, Math.ceil(KEEPALIVE_MS / interval));
    const subscription = await this.#session.createSubscription2({
      requestedPublishingInterval: interval,
      requestedMaxKeepAliveCount: keepAliveCount,
      requestedLifetimeCount: keepAliveCount * 10,
      maxNotificationsPerPublish: 0,
      publishingEnabled: true,
      priority: 1,
    });
    subscription.on('raw_notification', () => {
      this.#lastContact = Date.now();
    });
    subscription.on('status_changed', (status) => {
      if (status.isBad()) this.#options.onSilence(`subscription ended by the server (${status.name})`);
    });
    // Revised by the server: two keep-alive periods without any response mean it is gone.
    const period = subscription.publishingInterval * subscription.maxKeepAliveCount;
    this.#silenceLimitMs = Math.max(this.#silenceLimitMs, 2 * period + 1_000);
    this.#subscriptions.push(subscription);
    this.#lastContact = Date.now();
    return subscription;
  }

  /** One CreateMonitoredItems call; returns the variables refused for lack of room. */
  async #monitor(subscription: ClientSubscription, batch: readonly MonitoredVariable[]): Promise<MonitoredVariable[]> {
    const first = batch[0];
    if (first === undefined) return [];
    // Position in the group → metric index, so a notification costs an array read.
    const indexes = Int32Array.from(batch, (v) => v.index);
    const group = ClientMonitoredItemGroup.create(
      subscription,
      batch.map((v) => ({ nodeId: v.nodeId, attributeId: AttributeIds.Value })),
      { samplingInterval: first.samplingMs, queueSize: queueSize(first.samplingMs, this.#options.publishingIntervalMs), discardOldest: true },
      TimestampsToReturn.Both,
    );
    const onValue = this.#options.onValue;
    group.on('changed', (_item, dataValue, position) => {
      const index = indexes[position];
      if (index !== undefined && !this.#closed) onValue(index, dataValue);
    });
    await new Promise<void>((resolve, reject) => {
      group.once('initialized', resolve);
      group.once('terminated', (err) => reject(err));
    });
    const refused: MonitoredVariable[] = [];
    for (const [position, item] of group.monitoredItems.entries()) {
      const variable = batch[position];
      if (variable === undefined || item.statusCode.isGood()) continue;
      if (item.statusCode.equals(StatusCodes.BadTooManyMonitoredItems)) refused.push(variable);
      else this.#options.onRefused(variable.index, item.statusCode.name);
    }
    return refused;
  }

  #watch(): void {
    this.#watchdog = setInterval(() => {
      const silent = Date.now() - this.#lastContact;
      if (silent > this.#silenceLimitMs) this.#options.onSilence(`no response from the server for ${silent} ms`);
    }, 1_000);
    this.#watchdog.unref();
  }

  /** Stops reporting at once; the session's close deletes the subscriptions on the server. */
  close(): void {
    this.#closed = true;
    clearInterval(this.#watchdog);
  }
}

/**
 * Room on the server for every value sampled between two publishes: with a queue of one, a value
 * that changes twice within a publishing interval would lose the first change. Sampling on every
 * change (0) gets room for ten.
 */
export function queueSize(samplingMs: number, publishingIntervalMs: number): number {
  return samplingMs <= 0 ? 10 : Math.min(100, Math.ceil(publishingIntervalMs / samplingMs) + 1);
}

/** Batches of at most `size` variables sharing one sampling interval, in config order within each. */
function batches(variables: readonly MonitoredVariable[], size: number): MonitoredVariable[][] {
  const bySampling = new Map<number, MonitoredVariable[]>();
  for (const v of variables) {
    const list = bySampling.get(v.samplingMs);
    if (list === undefined) bySampling.set(v.samplingMs, [v]);
    else list.push(v);
  }
  const out: MonitoredVariable[][] = [];
  for (const list of bySampling.values()) {
    for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  }
  return out;
}
