/**
 * An OPC UA server as a Sparkplug device. States (one `#transition` logs and emits each change):
 *
 *   idle ─start→ connecting ─→ online ─(lost)→ waiting ─(back-off)→ connecting …
 *                     │  └──(unreachable)──────→ waiting
 *                     └──(config error)→ failed          any ─stop→ stopped
 *
 * Each `connecting` builds a fresh client, session and subscription, re-resolves the NodeIds
 * (namespace indexes may change when a server restarts), reads every value and reports it, and
 * only then goes online, so a DBIRTH after a reconnect carries the server's current values.
 */
import { AttributeIds } from 'node-opcua-client';
import type { ClientSession, DataValue, UserIdentityInfo } from 'node-opcua-client';
import { pino, type Logger } from 'pino';
import { ConfigError } from '../../config/error.js';
import type { OpcuaDeviceConfig } from '../../config/opcua.js';
import { ErrorCodes, SparkplugEncodeError, SparkplugError, isSparkplugError } from '../../errors.js';
import type { MetricValue } from '../../payload/types.js';
import { Backoff } from '../../transport/backoff.js';
import type { BackoffOptions } from '../../transport/backoff.js';
import { Quality } from '../types.js';
import type { ChangeSink, DeviceSource, MetricDefinition, SourceEvents } from '../types.js';
import { Bindings } from './bindings.js';
import { parseNodeId } from './nodeid.js';
import type { ParsedNodeId } from './nodeid.js';
import { acquirePki } from './pki.js';
import type { Pki } from './pki.js';
import { qualityOf } from './quality.js';
import { routeLibraryLogs } from './quiet.js';
import { readBatched, readServerInfo, resolveVariables } from './resolve.js';
import { UaConnection, loadIdentity } from './session.js';
import { Monitor } from './subscription.js';
import { describeFailure, handleUntrustedServer, isUntrustedServer } from './trust.js';
import { toVariant } from './write-value.js';

export interface OpcuaSourceOptions {
  /** The edge's store; the client PKI lives in `<storeDir>/pki`. */
  readonly storeDir: string;
  readonly logger?: Logger;
  /** Reconnect back-off: 500 ms doubling to 10 s with full jitter unless given (tests shorten it). */
  readonly reconnect?: Partial<Pick<BackoffOptions, 'initialMs' | 'maxMs'>>;
}

type State = 'idle' | 'connecting' | 'online' | 'waiting' | 'failed' | 'stopped';

/** One connection attempt and what hangs off it. */
interface Live {
  readonly conn: UaConnection;
  session?: ClientSession;
  monitor?: Monitor;
}

const REQUEST_TIMEOUT_MS = 10_000;

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export class OpcuaSource implements DeviceSource {
  readonly deviceId: string;
  readonly #config: OpcuaDeviceConfig;
  readonly #storeDir: string;
  readonly #log: Logger;
  readonly #parsed: readonly ParsedNodeId[];
  readonly #indexByName: ReadonlyMap<string, number>;
  readonly #listeners = new Set<SourceEvents['connectivity']>();
  readonly #backoff: Backoff;
  readonly #reportedCertificates = new Set<string>();
  readonly #closing = new Set<Promise<void>>();
  readonly #bindings: Bindings;
  #sink: ChangeSink | undefined;
  #state: State = 'idle';
  #live: Live | undefined;
  #pki: Pki | undefined;
  #identity: UserIdentityInfo | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  #attempt: Promise<unknown> | undefined;
  #failures = 0;

  /** Throws a ConfigError for a NodeId that is not OPC UA syntax (no I/O here). */
  constructor(config: OpcuaDeviceConfig, opts: OpcuaSourceOptions) {
    this.deviceId = config.id;
    this.#config = config;
    this.#storeDir = opts.storeDir;
    this.#backoff = new Backoff({ initialMs: 500, maxMs: 10_000, ...opts.reconnect, factor: 2, jitter: 'full' });
    const logger = opts.logger ?? pino({ enabled: false });
    routeLibraryLogs(logger);
    this.#log = logger.child({ device: config.id });
    const parsed = config.metrics.map((m) => parseNodeId(m.nodeId));
    const issues = parsed.flatMap((p, i) => ('problem' in p ? [{ path: `metrics[${i}].nodeId`, message: p.problem }] : []));
    if (issues.length > 0) throw new ConfigError(`device ${config.id}`, issues);
    this.#parsed = parsed.filter((p): p is ParsedNodeId => !('problem' in p));
    this.#indexByName = new Map(config.metrics.map((m, i) => [m.name, i]));
    this.#bindings = new Bindings(config);
  }

  get metrics(): readonly MetricDefinition[] {
    return this.#bindings.metrics;
  }

  isOnline(): boolean {
    return this.#state === 'online';
  }

  onConnectivity(listener: SourceEvents['connectivity']): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Resolves once online, or once the first attempt found the server unreachable (retrying in
   * the background); rejects with SPB_ERR_SOURCE when the server cannot serve the config.
   */
  async start(sink: ChangeSink): Promise<void> {
    if (this.#state !== 'idle') throw new SparkplugError(ErrorCodes.LIFECYCLE, `OPC UA device ${this.deviceId} was already started`);
    this.#sink = sink;
    this.#transition('connecting');
    try {
      this.#pki = await acquirePki(this.#storeDir);
      this.#identity = await loadIdentity(this.#config);
    } catch (e) {
      await this.stop();
      throw new SparkplugError(ErrorCodes.SOURCE, `device ${this.deviceId}: ${messageOf(e)}`, { cause: e });
    }
    const attempt = this.#connect(true);
    this.#attempt = attempt;
    const configError = await attempt;
    if (configError !== undefined) {
      await this.stop();
      throw configError;
    }
  }

  async stop(): Promise<void> {
    if (this.#state === 'stopped') return;
    this.#transition('stopped');
    clearTimeout(this.#retryTimer);
    const live = this.#live;
    this.#live = undefined;
    if (live !== undefined) this.#close(live);
    await this.#attempt;
    await Promise.all(this.#closing);
    await this.#pki?.release();
  }

  async write(name: string, value: MetricValue): Promise<void> {
    const index = this.#indexByName.get(name);
    const config = index === undefined ? undefined : this.#config.metrics[index];
    if (index === undefined || config === undefined) throw new SparkplugError(ErrorCodes.UNKNOWN_METRIC, `device ${this.deviceId} has no metric "${name}"`);
    const what = `metric "${name}" of device ${this.deviceId} (${config.nodeId})`;
    if (!config.writable) throw new SparkplugError(ErrorCodes.READ_ONLY, `${what} is read-only`);
    const session = this.#state === 'online' ? this.#live?.session : undefined;
    if (session === undefined) throw new SparkplugError(ErrorCodes.NOT_ONLINE, `device ${this.deviceId} is offline`);
    const binding = this.#bindings.variable(index);
    if (binding === undefined) throw new SparkplugError(ErrorCodes.WRITE, `${what} is not available on the server`);
    const variant = toVariant(binding.shape, value);
    if ('problem' in variant) throw new SparkplugEncodeError(`cannot write ${what}: ${variant.problem}`);
    let status;
    try {
      status = await session.write({ nodeId: binding.nodeId, attributeId: AttributeIds.Value, value: { value: variant } });
    } catch (e) {
      throw new SparkplugError(ErrorCodes.WRITE, `the write of ${what} failed: ${messageOf(e)}`, { cause: e });
    }
    if (!status.isGood()) throw new SparkplugError(ErrorCodes.WRITE, `device ${this.deviceId} refused the write of ${what}: ${status.name}`);
  }

  /**
   * The hot path: every value read or notified. No allocation beyond the value conversion
   * (arrays, 64-bit beyond 2^53); the converter was chosen when the metric was bound.
   */
  readonly #onValue = (index: number, dv: DataValue): void => {
    const sink = this.#sink;
    const convert = this.#bindings.converters[index];
    if (sink === undefined || convert === undefined) return;
    const ts = dv.sourceTimestamp?.getTime() ?? dv.serverTimestamp?.getTime() ?? Date.now();
    const quality = qualityOf(dv.statusCode.value);
    // Uncertain values are never reported as good: they are published as STALE, without value.
    if (quality !== Quality.GOOD) return sink.invalidate(index, quality, dv.statusCode.name, ts);
    const raw: unknown = dv.value.value;
    if (raw === null || raw === undefined) return sink.update(index, null, ts);
    const value = convert(raw);
    if (value === undefined) sink.invalidate(index, Quality.BAD, 'BadTypeMismatch', ts);
    else sink.update(index, value, ts);
  };

  /** One attempt; returns the config error that ends the source, if any. */
  async #connect(fromStart: boolean, retryingTrusted = false): Promise<SparkplugError | undefined> {
    const pki = this.#pki;
    const identity = this.#identity;
    if (pki === undefined || identity === undefined || this.#state === 'stopped') return undefined;
    this.#transition('connecting');
    const live: Live = { conn: new UaConnection({ config: this.#config, identity, pki, timeoutMs: REQUEST_TIMEOUT_MS }) };
    this.#live = live;
    live.conn.onLost((reason) => this.#onLost(live, reason));
    try {
      live.session = await live.conn.open();
      await this.#serve(live, live.session);
      if (live.conn.lost) throw new Error('the connection was lost while subscribing');
      if (this.#stateNow() !== 'connecting') return undefined;
      this.#backoff.reset();
      this.#failures = 0;
      this.#transition('online');
      return undefined;
    } catch (e) {
      if (this.#live === live) this.#live = undefined;
      this.#close(live);
      // The state may have changed while awaiting (stop()); TypeScript keeps the earlier narrowing.
      if (this.#stateNow() === 'stopped') return undefined;
      if (isSparkplugError(e) && e.code === ErrorCodes.SOURCE) {
        if (!fromStart) this.#log.error({ err: e }, `${e.message}; the device stays offline`);
        this.#transition('failed');
        return e;
      }
      const untrusted = isUntrustedServer(e);
      // A certificate trusted just now (acceptUnknownServerCertificate) deserves an immediate second try.
      if (untrusted && !retryingTrusted && (await handleUntrustedServer(this.#config, pki, this.#log, this.#reportedCertificates))) {
        return this.#connect(fromStart, true);
      }
      this.#retry(this.#backoff.next(), describeFailure(e, pki), !untrusted);
      return undefined;
    }
  }

  async #serve(live: Live, session: ClientSession): Promise<void> {
    const info = await readServerInfo(session);
    const resolution = await resolveVariables(session, this.#parsed, info);
    if (!this.#bindings.defined) this.#bindings.define(resolution);
    else {
      for (const { index, problem, status } of this.#bindings.rebind(resolution)) {
        this.#log.error({ metric: this.#config.metrics[index]?.name, nodeId: this.#config.metrics[index]?.nodeId }, `metric unavailable after reconnecting: ${problem}`);
        this.#sink?.invalidate(index, Quality.BAD, status, Date.now());
      }
    }
    const bound = this.#bindings.bound().map(({ index, binding }) => ({ index, nodeId: binding.nodeId }));
    const values = await readBatched(
      session,
      bound.map((b) => ({ nodeId: b.nodeId, attributeId: AttributeIds.Value })),
      info.maxNodesPerRead,
    );
    for (const [k, dv] of values.entries()) {
      const b = bound[k];
      if (b !== undefined) this.#onValue(b.index, dv);
    }
    live.monitor = new Monitor(session, {
      publishingIntervalMs: this.#config.publishingIntervalMs,
      maxMonitoredItemsPerCall: info.maxMonitoredItemsPerCall,
      onValue: this.#onValue,
      onRefused: (index, status) => {
        this.#log.warn({ metric: this.#config.metrics[index]?.name, status }, 'the server refuses to monitor this metric');
        this.#sink?.invalidate(index, Quality.BAD, status, Date.now());
      },
      onSilence: (reason) => live.conn.lose(reason),
      log: this.#log,
    });
    await live.monitor.start(bound.map((b) => ({ ...b, samplingMs: this.#config.metrics[b.index]?.samplingMs ?? this.#config.samplingMs })));
    this.#log.debug({ metrics: bound.length, subscriptions: live.monitor.subscriptionCount }, 'subscribed');
  }

  #onLost(live: Live, reason: string): void {
    // While connecting, #connect notices the loss itself.
    if (this.#live !== live || this.#state !== 'online') return;
    this.#live = undefined;
    this.#close(live);
    this.#log.warn({ endpoint: this.#config.endpoint }, `connection lost: ${reason}`);
    this.#retry(this.#backoff.next(), reason, false);
  }

  #retry(delayMs: number, reason: string, warn: boolean): void {
    if (this.#state === 'stopped') return;
    this.#failures++;
    const line = `cannot use ${this.#config.endpoint}: ${reason}; retrying in ${delayMs} ms`;
    // The first failure of a series is worth a warning; the rest of an outage is debug detail.
    if (warn && this.#failures === 1) this.#log.warn({ attempt: this.#failures }, line);
    else this.#log.debug({ attempt: this.#failures }, line);
    this.#transition('waiting');
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      this.#attempt = this.#connect(false);
    }, delayMs);
  }

  #stateNow(): State {
    return this.#state;
  }

  #close(live: Live): void {
    live.monitor?.close();
    const closing = live.conn.close().finally(() => this.#closing.delete(closing));
    this.#closing.add(closing);
  }

  #transition(to: State): void {
    const from = this.#state;
    if (from === to) return;
    this.#state = to;
    this.#log.debug({ from, to }, 'state');
    if (to === 'online') this.#log.info({ endpoint: this.#config.endpoint, metrics: this.#bindings.metrics.length }, 'online');
    // Stopping is not the device going away: the edge that stops us publishes its own deaths.
    if ((from === 'online') !== (to === 'online') && to !== 'stopped') {
      for (const listener of [...this.#listeners]) listener(to === 'online');
    }
  }
}
