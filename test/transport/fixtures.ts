/** Shared set-up for the transport tests: fast back-off, a counting Will, event waits with timeouts. */
import { MqttSession, type MqttSessionEvents, type MqttSessionOptions, type WillMessage } from '../../src/transport/index.js';

export interface TestSession {
  session: MqttSession;
  /** Every Will handed out, in order: one per connect attempt. */
  wills: WillMessage[];
}

/** A session whose Will payload is `will-<n>` (n = attempt number), so each CONNECT's Will is recognisable. */
export function newSession(servers: string[], extra: Partial<MqttSessionOptions> = {}): TestSession {
  const wills: WillMessage[] = [];
  const session = new MqttSession({
    servers,
    clientId: `t-${process.pid}-${Math.random().toString(16).slice(2, 10)}`,
    backoff: { initialMs: 50, maxMs: 200 },
    connectTimeoutMs: 2_000,
    will: () => {
      const will: WillMessage = {
        topic: 'spBv1.0/test/NDEATH/node1',
        payload: Buffer.from(`will-${wills.length + 1}`),
        qos: 1,
        retain: false,
      };
      wills.push(will);
      return will;
    },
    ...extra,
  });
  return { session, wills };
}

/** The next `event` from `session`, or a rejection naming the event after `timeoutMs`. */
export function nextEvent<K extends keyof MqttSessionEvents>(
  session: MqttSession,
  event: K,
  timeoutMs = 5_000,
): Promise<MqttSessionEvents[K]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no '${String(event)}' event within ${timeoutMs} ms`));
    }, timeoutMs);
    const off = session.on(event, (...args) => {
      clearTimeout(timer);
      off();
      resolve(args);
    });
  });
}

export const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString();
