/**
 * `sparkstate sniff`: prints every Sparkplug message on a broker, decoded, one line each, with the
 * problems `sniff-checks.ts` finds. A plain MQTT.js subscriber rather than MqttSession: it needs
 * MQTT 5 Retain As Published and no Will, and falls back to MQTT 3.1.1 for brokers without 5
 * (the demo's aedes), where retain flags cannot be checked.
 */
import { connect, type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import { ErrorCodes, SparkplugError } from '../errors.js';
import { NAMESPACE } from '../topic/index.js';
import { redactUrl } from '../transport/options.js';
import { createLogger } from './logger.js';
import { watchStopSignals } from './signals.js';
import { SniffChecker, type SniffSummary } from './sniff-checks.js';
import { formatJson, formatLine, formatSummary } from './sniff-format.js';

export interface SniffOptions {
  /** Only this group's messages (STATE messages are shown either way). */
  group?: string;
  /** One JSON object per line instead of text. */
  json?: boolean;
}

export interface Sniffer {
  stop(): Promise<void>;
  summary(): SniffSummary;
}

const CONNECT_TIMEOUT_MS = 10_000;
const RECONNECT_MS = 1_000;
const DRAIN_TIMEOUT_MS = 1_000;
/** CONNACK codes for "protocol version not supported": 3.1.1 (1) and MQTT 5 (0x84). */
const UNSUPPORTED_VERSION = new Set([1, 0x84]);

export async function startSniffer(url: string, log: Logger | undefined, write: (line: string) => void, opts: SniffOptions = {}): Promise<Sniffer> {
  const checker = new SniffChecker();
  const topics = opts.group === undefined ? [`${NAMESPACE}/#`] : [`${NAMESPACE}/${opts.group}/#`, `${NAMESPACE}/STATE/#`];
  let client: MqttClient;
  try {
    client = await connectOnce(url, 5);
  } catch (e) {
    if (!(e instanceof Error && 'code' in e && typeof e.code === 'number' && UNSUPPORTED_VERSION.has(e.code))) throw connectError(url, e);
    client = await connectOnce(url, 4).catch((e2: unknown) => Promise.reject(connectError(url, e2)));
    checker.retainKnown = false;
    log?.info({ server: redactUrl(url) }, 'broker speaks MQTT 3.1.1 only: retain flags are not checked');
  }
  // Later losses reconnect (and resubscribe) on their own; seq counting restarts, as messages may have been missed.
  client.options.reconnectPeriod = RECONNECT_MS;
  client.on('offline', () => {
    checker.connectionLost();
    log?.warn({ server: redactUrl(url) }, 'connection lost; reconnecting');
  });
  client.on('error', (e) => log?.warn({ err: e }, 'MQTT error'));
  client.on('message', (topic, payload, packet) => {
    const record = checker.check({ topic, payload: new Uint8Array(payload), qos: packet.qos, retain: packet.retain, receivedAt: Date.now() });
    write(opts.json === true ? formatJson(record) : formatLine(record));
  });
  // QoS 2 so the received QoS is the publisher's; Retain As Published so the retain flag is too.
  const granted = await client.subscribeAsync(Object.fromEntries(topics.map((t) => [t, { qos: 2 as const, rap: true }])));
  const refused = granted.filter((g) => g.qos >= 0x80).map((g) => g.topic);
  if (refused.length > 0) {
    await client.endAsync(true);
    throw new SparkplugError(ErrorCodes.TRANSPORT, `subscription refused by ${redactUrl(url)}: ${refused.join(', ')}`);
  }

  return {
    summary: () => checker.summary(),
    stop: async () => {
      // The UNSUBACK comes after every message the broker queued for us before it, so nothing
      // already published (an NDEATH, an offline STATE) is cut off by the close.
      if (client.connected) await withTimeout(client.unsubscribeAsync(topics), DRAIN_TIMEOUT_MS).catch(() => undefined);
      await client.endAsync(!client.connected);
    },
  };
}

/** `sparkstate sniff`: runs until SIGINT/SIGTERM, then prints the summary (also at a forced exit). */
export async function sniffCommand(url: string, opts: SniffOptions): Promise<void> {
  const log = createLogger('warn', 'sparkstate-sniff');
  const stop = watchStopSignals(log);
  const out = (line: string): void => void process.stdout.write(`${line}\n`);
  const sniffer = await startSniffer(url, log, out, opts);
  let printed = false;
  const printSummary = (): void => {
    if (printed) return;
    printed = true;
    out(formatSummary(sniffer.summary(), opts.json === true));
  };
  process.once('exit', printSummary);
  await stop.stopWith(() => sniffer.stop());
  printSummary();
}

/** One attempt, no retries: a wrong URL or a refused CONNECT is reported at once. */
function connectOnce(url: string, protocolVersion: 4 | 5): Promise<MqttClient> {
  const client = connect(url, {
    protocolVersion,
    clean: true,
    clientId: `sparkstate-sniff-${process.pid}-${Date.now()}`,
    reconnectPeriod: 0,
    connectTimeout: CONNECT_TIMEOUT_MS,
  });
  return new Promise((resolve, reject) => {
    const settle = (e?: unknown): void => {
      client.removeListener('connect', ok);
      client.removeListener('error', settle);
      client.removeListener('close', closed);
      if (e === undefined) return resolve(client);
      client.on('error', () => undefined); // the socket may still report its end: nobody listens any more
      client.end(true);
      reject(e);
    };
    const ok = (): void => settle();
    const closed = (): void => settle(new Error('connection closed before CONNACK'));
    client.once('connect', ok);
    client.once('error', settle);
    client.once('close', closed);
  });
}

function connectError(url: string, e: unknown): SparkplugError {
  return new SparkplugError(ErrorCodes.TRANSPORT, `cannot connect to ${redactUrl(url)}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
}

async function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}
