/**
 * A plain MQTT.js subscriber that records what is on the wire, independent of sparkstate's code.
 * MQTT 5 with Retain As Published, so `retain` shows the publisher's flag even for live messages,
 * and QoS 2, so the received QoS equals the publisher's QoS.
 */
import { connect, type MqttClient } from 'mqtt';

export interface ObservedMessage {
  topic: string;
  qos: 0 | 1 | 2;
  retain: boolean;
  payload: Uint8Array;
  receivedAt: number;
}

export interface ObserverOptions {
  /** Default `['spBv1.0/#']`. */
  topics?: string[];
  clientId?: string;
}

export interface Observer {
  /** Every message so far, in arrival order. */
  readonly messages: readonly ObservedMessage[];
  /** First message (already recorded or future) matching `predicate`. */
  waitFor(predicate: (m: ObservedMessage) => boolean, timeoutMs?: number): Promise<ObservedMessage>;
  /** Resolves once `count` recorded messages match `predicate` (all messages when absent). */
  waitForCount(count: number, predicate?: (m: ObservedMessage) => boolean, timeoutMs?: number): Promise<ObservedMessage[]>;
  clear(): void;
  close(): Promise<void>;
}

interface Waiter {
  check(): boolean;
}

export async function startObserver(url: string, opts: ObserverOptions = {}): Promise<Observer> {
  const client: MqttClient = connect(url, {
    protocolVersion: 5,
    clean: true,
    reconnectPeriod: 0,
    ...(opts.clientId === undefined ? {} : { clientId: opts.clientId }),
  });
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  // After the handshake, errors are for the waiters' timeouts to report; keep the process alive.
  client.on('error', () => {});

  const messages: ObservedMessage[] = [];
  const waiters = new Set<Waiter>();
  client.on('message', (topic, payload, packet) => {
    messages.push({
      topic,
      qos: packet.qos,
      retain: packet.retain,
      payload: new Uint8Array(payload),
      receivedAt: Date.now(),
    });
    for (const w of waiters) if (w.check()) waiters.delete(w);
  });
  await client.subscribeAsync(
    Object.fromEntries((opts.topics ?? ['spBv1.0/#']).map((t) => [t, { qos: 2 as const, rap: true }])),
  );

  const waitForCount = (
    count: number,
    predicate: (m: ObservedMessage) => boolean = () => true,
    timeoutMs = 5_000,
  ): Promise<ObservedMessage[]> =>
    new Promise((resolve, reject) => {
      const waiter: Waiter = {
        check: () => {
          const hits = messages.filter(predicate);
          if (hits.length < count) return false;
          clearTimeout(timer);
          resolve(hits.slice(0, count));
          return true;
        },
      };
      const timer = setTimeout(() => {
        waiters.delete(waiter);
        const seen = messages.map((m) => m.topic).join(', ');
        reject(new Error(`observer: ${count} matching message(s) not seen within ${timeoutMs} ms; seen: [${seen}]`));
      }, timeoutMs);
      if (!waiter.check()) waiters.add(waiter);
    });

  return {
    messages,
    waitForCount,
    waitFor: async (predicate, timeoutMs) => {
      const [first] = await waitForCount(1, predicate, timeoutMs);
      if (first === undefined) throw new Error('observer: unreachable empty match');
      return first;
    },
    clear: () => {
      messages.length = 0;
    },
    close: () => client.endAsync(true),
  };
}
