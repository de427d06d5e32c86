/**
 * One logical MQTT session over a list of servers, shared by the edge node and the host application.
 *
 * MQTT.js's own reconnect is off: this class reconnects itself so that the Will is computed afresh
 * for every CONNECT. One MQTT.js client per connection attempt (an `Attempt`); events from an
 * attempt that is no longer current are ignored, so a late callback can never touch a newer link.
 *
 *   idle ──start──▶ connecting ──CONNACK──▶ connected
 *                     ▲    │ fail               │ lost
 *                     │    ▼                    ▼
 *                     └─ waiting (back-off) ◀───┘
 *   any ──stop──▶ stopping ──▶ stopped        (nextServer: connected/waiting ──▶ connecting)
 */
import { Socket } from 'node:net';
import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import { pino, type Logger } from 'pino';
import { ErrorCodes, SparkplugError } from '../errors.js';
import { TypedEmitter } from '../events.js';
import { Backoff } from './backoff.js';
import type { DisconnectReason, MqttSessionEvents, SessionState } from './events.js';
import { connectFailure, notConnected, transportError, willFailure, type ConnectError } from './failures.js';
import {
  redactUrl,
  resolveOptions,
  type DisconnectOptions,
  type MqttSessionOptions,
  type PublishOptions,
  type ResolvedOptions,
  type SubscriptionFilter,
  type WillMessage,
} from './options.js';

interface Attempt {
  readonly client: MqttClient;
  readonly serverIndex: number;
  readonly will: WillMessage | undefined;
  /** 0 until CONNACK. */
  sessionId: number;
  lastError: Error | undefined;
  /** Rejecters of publishes/subscribes MQTT.js has not answered yet; failed when the socket closes. */
  readonly pending: Set<(e: Error) => void>;
}

/** Shared by every operation that succeeded synchronously (a settled promise cannot change). */
const RESOLVED: Promise<void> = Promise.resolve();

export class MqttSession extends TypedEmitter<MqttSessionEvents> {
  private readonly opts: ResolvedOptions;
  private readonly log: Logger;
  private readonly backoff: Backoff;
  private state: SessionState = 'idle';
  private attempt: Attempt | undefined;
  private serverIndex = 0;
  private sessions = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  /** stop() and nextServer() run one at a time, in call order. */
  private ops: Promise<void> = Promise.resolve();
  private stopping: Promise<void> | undefined;

  /** Validates options (throws SPB_ERR_CONFIG); does no I/O. */
  constructor(options: MqttSessionOptions) {
    super();
    this.opts = resolveOptions(options);
    this.log = (options.logger ?? pino({ enabled: false })).child({
      component: 'transport',
      clientId: this.opts.clientId,
    });
    this.backoff = new Backoff(this.opts.backoff, this.opts.random);
  }

  get sessionState(): SessionState {
    return this.state;
  }

  /** The server of the current connection or attempt (password masked). */
  get currentServer(): string | undefined {
    return this.attempt === undefined ? undefined : this.serverName(this.attempt.serverIndex);
  }

  isConnected(): boolean {
    return this.attempt !== undefined && this.attempt.sessionId > 0;
  }

  /** Starts the connect loop; resolves at once (listen for `connect`). */
  async start(): Promise<void> {
    if (this.state !== 'idle') {
      throw new SparkplugError(ErrorCodes.LIFECYCLE, `transport: start() called in state ${this.state}`);
    }
    this.connectNext();
  }

  /**
   * Runs `beforeDisconnect` if connected, sends DISCONNECT and stops reconnecting for good.
   * Idempotent. Rejects with the hook's error (after disconnecting) if the hook failed.
   */
  stop(opts: DisconnectOptions = {}): Promise<void> {
    this.stopping ??= this.serial(async () => {
      if (this.state === 'idle') {
        this.transition('stopped');
        return;
      }
      const connected = this.attempt !== undefined && this.attempt.sessionId > 0;
      this.transition('stopping');
      clearTimeout(this.retryTimer);
      const hook = connected ? await runHook(opts.beforeDisconnect) : undefined;
      // The link may have dropped during the hook; 'stopping' kept it from reconnecting.
      if (this.attempt !== undefined) await this.drop(this.attempt, 'stop', opts.reasonCode);
      this.transition('stopped');
      if (hook !== undefined) throw hook.error;
    });
    return this.stopping;
  }

  /**
   * Leaves the current server (running `beforeDisconnect` first if connected) and connects to the
   * next one in the list at once, without back-off: a deliberate move, not a failure.
   */
  nextServer(opts: DisconnectOptions = {}): Promise<void> {
    return this.serial(async () => {
      if (this.state === 'idle') {
        throw new SparkplugError(ErrorCodes.LIFECYCLE, 'transport: nextServer() before start()');
      }
      const before = this.attempt;
      const hook = before !== undefined && before.sessionId > 0 ? await runHook(opts.beforeDisconnect) : undefined;
      if (this.state === 'stopping' || this.state === 'stopped') return;
      if (before !== undefined && this.attempt === before) {
        // [tck-id-operational-behavior-primary-application-state-with-multiple-servers-single-server] one server at a time:
        // the current connection is dropped before the next one is opened
        await this.drop(before, 'nextServer', opts.reasonCode);
        this.serverIndex = (before.serverIndex + 1) % this.opts.servers.length;
        this.connectNext();
      } else if (this.attempt === undefined) {
        // Waiting in back-off: the failure already advanced serverIndex; go now instead of later.
        clearTimeout(this.retryTimer);
        this.connectNext();
      } // else: the link dropped during the hook and a new attempt to the next server is under way.
      if (hook !== undefined) throw hook.error;
    });
  }

  /** Rejects with SPB_ERR_TRANSPORT when not connected or when the broker refuses a filter. */
  subscribe(filters: readonly SubscriptionFilter[]): Promise<void> {
    const attempt = this.attempt;
    if (attempt === undefined || attempt.sessionId === 0) return Promise.reject(notConnected('subscribe'));
    const map = Object.fromEntries(filters.map((f) => [f.topic, { qos: f.qos }]));
    return this.track(attempt, (done) =>
      attempt.client.subscribe(map, (err, granted) => {
        if (err !== null && err !== undefined) return done(transportError('subscribe failed', err));
        // 0x80 (3.1.1) and every MQTT 5 reason code >= 0x80 mean the filter was refused.
        const refused = (granted ?? []).filter((g) => g.qos >= 0x80).map((g) => g.topic);
        done(refused.length > 0 ? transportError(`subscription refused: ${refused.join(', ')}`) : undefined);
      }),
    );
  }

  /**
   * Resolves when MQTT.js has written the packet (QoS 0; waits for 'drain' under back-pressure) or
   * the broker acknowledged it (QoS 1/2). Rejects with SPB_ERR_TRANSPORT when not connected or when
   * the connection closes first. Nothing is queued while offline.
   */
  publish(topic: string, payload: Uint8Array, opts: PublishOptions): Promise<void> {
    const attempt = this.attempt;
    if (attempt === undefined || attempt.sessionId === 0) return Promise.reject(notConnected('publish'));
    return this.track(attempt, (done) =>
      attempt.client.publish(topic, toBuffer(payload), opts, (err) =>
        done(err === undefined || err === null ? undefined : transportError(`publish to ${topic} failed`, err)),
      ),
    );
  }

  /**
   * True when every byte published so far has left the process: MQTT.js and the socket hold no
   * payload buffer any more, so a buffer whose publish resolved may be written again. Only a TCP
   * or TLS socket is known to let go of a buffer this way; any other stream (WebSocket) says false.
   */
  flushed(): boolean {
    const stream: unknown = this.attempt?.client.stream;
    return stream instanceof Socket && stream.writableLength === 0;
  }

  /**
   * Wraps one MQTT.js callback call in a promise. On the hot path (QoS 0 with a free socket)
   * MQTT.js calls back synchronously: then a settled promise is returned at once, and neither a
   * pending promise nor the pending set is needed.
   */
  private track(attempt: Attempt, send: (done: (err: Error | undefined) => void) => void): Promise<void> {
    // undefined: no answer yet; null: succeeded synchronously.
    let answer: Error | null | undefined;
    let later: ((err: Error | undefined) => void) | undefined;
    send((err) => {
      if (later !== undefined) later(err);
      else answer = err ?? null;
    });
    if (answer === null) return RESOLVED;
    if (answer !== undefined) return Promise.reject(answer);
    return new Promise((resolve, reject) => {
      attempt.pending.add(reject);
      later = (err) => {
        attempt.pending.delete(reject);
        if (err === undefined) resolve();
        else reject(err);
      };
    });
  }

  private connectNext(): void {
    this.retryTimer = undefined;
    const serverIndex = this.serverIndex;
    this.transition('connecting', { server: this.serverName(serverIndex) });
    let will: WillMessage | undefined;
    try {
      will = this.opts.will();
    } catch (e: unknown) {
      this.reportFailure(serverIndex, willFailure(e));
      this.scheduleNext();
      return;
    }
    const options: IClientOptions = { ...this.opts.base };
    if (will !== undefined) {
      options.will = { topic: will.topic, payload: toBuffer(will.payload), qos: will.qos, retain: will.retain };
    }
    const client = connect(this.opts.servers[serverIndex] ?? '', options);
    const attempt: Attempt = { client, serverIndex, will, sessionId: 0, lastError: undefined, pending: new Set() };
    this.attempt = attempt;
    client.on('connect', (connack) => this.onConnack(attempt, connack.sessionPresent));
    client.on('message', (topic, payload, packet) => {
      if (this.attempt === attempt) this.safeEmit('message', topic, payload, { qos: packet.qos, retain: packet.retain });
    });
    // MQTT.js emits 'error' then 'close'; keep the error and report it once, on close.
    client.on('error', (err) => {
      attempt.lastError = err;
    });
    client.on('close', () => this.onClose(attempt));
  }

  private onConnack(attempt: Attempt, sessionPresent: boolean): void {
    if (this.attempt !== attempt) return;
    attempt.sessionId = ++this.sessions;
    this.backoff.reset();
    const server = this.serverName(attempt.serverIndex);
    // While stopping (stop() raced this CONNACK) the link stays usable for beforeDisconnect.
    if (this.state === 'connecting') this.transition('connected', { server, sessionId: attempt.sessionId });
    this.safeEmit('connect', { server, serverIndex: attempt.serverIndex, sessionId: attempt.sessionId, will: attempt.will, sessionPresent });
  }

  private onClose(attempt: Attempt): void {
    const cause = attempt.lastError;
    for (const reject of attempt.pending) reject(transportError('connection closed before the broker answered', cause));
    attempt.pending.clear();
    if (this.attempt !== attempt) return; // dropped on purpose: drop() did the bookkeeping
    this.attempt = undefined;
    if (attempt.sessionId > 0) {
      const error = transportError(`connection to ${this.serverName(attempt.serverIndex)} lost`, cause);
      this.log.warn({ server: this.serverName(attempt.serverIndex), reason: error.message, cause: cause?.message }, 'connection lost');
      this.emitDisconnect(attempt, 'lost', error);
    } else {
      this.reportFailure(attempt.serverIndex, connectFailure(this.serverName(attempt.serverIndex), cause));
    }
    this.scheduleNext();
  }

  /** Ends `attempt` on purpose: DISCONNECT if it reached CONNACK, otherwise just close the socket. */
  private async drop(attempt: Attempt, reason: DisconnectReason, reasonCode: number | undefined): Promise<void> {
    this.attempt = undefined;
    if (attempt.sessionId === 0) {
      attempt.client.end(true);
      return;
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.log.warn({ timeoutMs: this.opts.disconnectTimeoutMs }, 'DISCONNECT did not complete; closing the socket');
        attempt.client.stream.destroy();
        resolve();
      }, this.opts.disconnectTimeoutMs);
      const packet = this.opts.protocolVersion === 5 && reasonCode !== undefined ? { reasonCode } : {};
      attempt.client.end(false, packet, () => {
        clearTimeout(timer);
        resolve();
      });
    });
    this.log.info({ server: this.serverName(attempt.serverIndex), reason, reasonCode }, 'disconnected');
    this.emitDisconnect(attempt, reason, undefined);
  }

  private scheduleNext(): void {
    if (this.state === 'stopping' || this.state === 'stopped') return;
    this.serverIndex = (this.serverIndex + 1) % this.opts.servers.length;
    const delayMs = this.backoff.next();
    this.transition('waiting', { next: this.serverName(this.serverIndex), delayMs, failures: this.backoff.attempts });
    this.retryTimer = setTimeout(() => this.connectNext(), delayMs);
  }

  /** One line per failed attempt; `failure` is the stable cause label (as in /metrics). */
  private reportFailure(serverIndex: number, error: ConnectError): void {
    this.log.warn({ server: this.serverName(serverIndex), failure: error.failure, reason: error.message }, 'connection attempt failed');
    this.safeEmit('error', error);
  }

  private emitDisconnect(attempt: Attempt, reason: DisconnectReason, error: SparkplugError | undefined): void {
    const server = this.serverName(attempt.serverIndex);
    const base = { server, serverIndex: attempt.serverIndex, sessionId: attempt.sessionId, reason };
    this.safeEmit('disconnect', error === undefined ? base : { ...base, error });
  }

  private transition(to: SessionState, detail: Record<string, unknown> = {}): void {
    const from = this.state;
    this.state = to;
    this.log.debug({ from, to, ...detail }, 'transport state');
  }

  /** A throwing listener must not break MQTT.js's packet handling or the reconnect loop. */
  private safeEmit<K extends keyof MqttSessionEvents>(event: K, ...args: MqttSessionEvents[K]): void {
    try {
      this.emit(event, ...args);
    } catch (e: unknown) {
      this.log.error({ event, err: e }, 'transport event listener threw');
    }
  }

  private serial(fn: () => Promise<void>): Promise<void> {
    const run = this.ops.then(fn);
    this.ops = run.catch(() => undefined);
    return run;
  }

  private serverName(index: number): string {
    return redactUrl(this.opts.servers[index] ?? '');
  }
}

async function runHook(hook: (() => Promise<void>) | undefined): Promise<{ error: unknown } | undefined> {
  if (hook === undefined) return undefined;
  try {
    await hook();
    return undefined;
  } catch (error: unknown) {
    return { error };
  }
}

/** MQTT.js writes Buffers; wrap (no copy) any other Uint8Array. */
function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
