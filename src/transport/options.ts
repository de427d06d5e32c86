import type { Logger } from 'pino';
import type { IClientOptions } from 'mqtt';
import { ErrorCodes, SparkplugError } from '../errors.js';
import { DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js';

/** The Will registered with one CONNECT. Built afresh for every attempt by `MqttSessionOptions.will`. */
export interface WillMessage {
  topic: string;
  payload: Uint8Array;
  qos: 0 | 1;
  retain: boolean;
}

/** Certificate contents (not paths: the config layer reads the files). */
export interface TlsOptions {
  ca?: string | Buffer;
  cert?: string | Buffer;
  key?: string | Buffer;
  /** Default true. false accepts any server certificate: for tests only. */
  rejectUnauthorized?: boolean;
}

export interface PublishOptions {
  qos: 0 | 1 | 2;
  retain: boolean;
}

export interface SubscriptionFilter {
  topic: string;
  qos: 0 | 1 | 2;
}

export interface DisconnectOptions {
  /** Runs while still connected, before DISCONNECT (publish NDEATH / offline STATE here). */
  beforeDisconnect?: () => Promise<void>;
  /** MQTT 5 DISCONNECT reason code, e.g. 0x04 so the broker still sends the Will. Ignored for 3.1.1. */
  reasonCode?: number;
}

export interface MqttSessionOptions {
  /** Tried round-robin: `mqtt://`, `mqtts://`, `ws://`, `wss://` URLs. */
  servers: readonly string[];
  clientId: string;
  username?: string;
  password?: string | Buffer;
  tls?: TlsOptions;
  /** 4 = MQTT 3.1.1 (default), 5 = MQTT 5.0. */
  protocolVersion?: 4 | 5;
  /** Default 30. */
  keepaliveSec?: number;
  /** Time allowed for TCP/TLS + CONNACK per attempt. Default 10 000. */
  connectTimeoutMs?: number;
  /** Time allowed for a graceful DISCONNECT in stop()/nextServer() before the socket is destroyed. Default 5 000. */
  disconnectTimeoutMs?: number;
  backoff?: Partial<BackoffOptions>;
  /**
   * Called before EVERY connect attempt, so each CONNECT carries a fresh Will (the edge's bdSeq
   * increments per connection; the host's STATE Will timestamp is the CONNECT time).
   */
  will: () => WillMessage | undefined;
  /**
   * false keeps a broker-side session across connections (MQTT 3.1.1 clean session 0, MQTT 5 a
   * session that outlives the connection), so `ConnectInfo.sessionPresent` tells whether the broker
   * kept its state. Only for non-Sparkplug clients (the retained mirror). Default true.
   */
  cleanSession?: boolean;
  logger?: Logger;
  /** Jitter source in [0, 1); tests pin it. Default Math.random. */
  random?: () => number;
}

export interface ResolvedOptions {
  readonly servers: readonly string[];
  readonly clientId: string;
  readonly protocolVersion: 4 | 5;
  readonly disconnectTimeoutMs: number;
  readonly backoff: Readonly<BackoffOptions>;
  readonly will: () => WillMessage | undefined;
  readonly random: () => number;
  /** Everything MQTT.js needs except the Will; holds secrets, so never log it. */
  readonly base: Readonly<IClientOptions>;
}

/** MQTT 5 session expiry when `cleanSession` is false: a day outlasts any broker restart. */
const SESSION_KEPT_SEC = 86_400;

const PROTOCOLS = new Set(['mqtt:', 'mqtts:', 'ws:', 'wss:']);

function configError(message: string): SparkplugError {
  return new SparkplugError(ErrorCodes.CONFIG, `transport: ${message}`);
}

/** Validates eagerly (a typo in a URL should fail at start-up, not as an endless retry loop). */
function noLog(): void {}

export function resolveOptions(o: MqttSessionOptions): ResolvedOptions {
  if (o.servers.length === 0) throw configError('servers must list at least one URL');
  for (const s of o.servers) {
    let url: URL;
    try {
      url = new URL(s);
    } catch {
      throw configError(`invalid server URL ${redactUrl(s)}`);
    }
    if (!PROTOCOLS.has(url.protocol)) throw configError(`unsupported protocol in ${redactUrl(s)}`);
  }
  if (o.clientId.length === 0) throw configError('clientId must not be empty');
  const backoff = { ...DEFAULT_BACKOFF, ...o.backoff };
  if (!(backoff.initialMs > 0 && backoff.maxMs >= backoff.initialMs && backoff.factor >= 1)) {
    throw configError('backoff needs initialMs > 0, maxMs >= initialMs and factor >= 1');
  }
  const protocolVersion = o.protocolVersion ?? 4;
  const tls = o.tls ?? {};
  const base: IClientOptions = {
    clientId: o.clientId,
    protocolVersion,
    // Sparkplug keeps no broker-side session: every CONNECT starts clean.
    clean: o.cleanSession ?? true, // [tck-id-principles-persistence-clean-session-311] [tck-id-message-flow-phid-sparkplug-clean-session-311]
    ...(protocolVersion === 5
      ? { properties: { sessionExpiryInterval: o.cleanSession === false ? SESSION_KEPT_SEC : 0 } } // [tck-id-principles-persistence-clean-session-50] [tck-id-message-flow-phid-sparkplug-clean-session-50]
      : {}),
    keepalive: o.keepaliveSec ?? 30,
    connectTimeout: o.connectTimeoutMs ?? 10_000,
    // The session owns reconnection: MQTT.js would reuse the first Will on every reconnect.
    reconnectPeriod: 0,
    // Nothing is queued while offline: callers (store-and-forward) must see the failure instead.
    queueQoSZero: false,
    resubscribe: false,
    // MQTT.js logs every packet through `debug`, whose enabled check costs ~3 % of a busy edge's
    // CPU even when off; its log stays available with DEBUG=mqttjs*.
    ...(/mqttjs/.test(process.env['DEBUG'] ?? '') ? {} : { log: noLog }),
    ...(o.username === undefined ? {} : { username: o.username }),
    ...(o.password === undefined ? {} : { password: o.password }),
    ...(tls.ca === undefined ? {} : { ca: tls.ca }),
    ...(tls.cert === undefined ? {} : { cert: tls.cert }),
    ...(tls.key === undefined ? {} : { key: tls.key }),
    ...(tls.rejectUnauthorized === undefined ? {} : { rejectUnauthorized: tls.rejectUnauthorized }),
  };
  return {
    servers: [...o.servers],
    clientId: o.clientId,
    protocolVersion,
    disconnectTimeoutMs: o.disconnectTimeoutMs ?? 5_000,
    backoff,
    will: o.will,
    random: o.random ?? Math.random,
    base,
  };
}

/** A server URL fit for logs and events: any password in it is masked. */
export function redactUrl(server: string): string {
  try {
    const url = new URL(server);
    if (url.password !== '') url.password = '***';
    return url.toString();
  } catch {
    // Not parseable: show only the scheme-ish prefix so nothing secret can leak.
    return `${server.slice(0, server.indexOf(':') + 1)}<invalid url>`;
  }
}
