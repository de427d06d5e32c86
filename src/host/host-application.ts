/**
 * The Sparkplug host application: one explicit state machine over an injected MQTT transport.
 *
 *   offline ──start──▶ connecting ──CONNACK, SUBSCRIBE, STATE birth──▶ online
 *                          ▲                                            │ link lost
 *                          └────────────────────────────────────────────┘
 *   connecting | online ──stop──▶ closing (offline STATE, DISCONNECT) ──▶ offline
 *
 * The STATE timestamp T is taken when the transport asks for the Will before a CONNECT; the birth
 * after that CONNACK reuses it. The live model, seq checking and rebirth requests are delegated to
 * `Ingest`, `HostModel` and `RebirthScheduler`.
 */
import type { Logger } from 'pino';
import { ErrorCodes, SparkplugError } from '../errors.js';
import { TypedEmitter } from '../events.js';
import { encodePayload } from '../payload/index.js';
import type { MetricTypeName, MetricValue } from '../payload/types.js';
import { NAMESPACE, assertValidId, formatTopic, parseTopic } from '../topic/index.js';
import type { ConnectInfo, DisconnectInfo } from '../transport/index.js';
import { rebirthPayload, writePayload } from './commands.js';
import { Ingest } from './ingest.js';
import { InputGate, type InputProblemCause } from './input-problems.js';
import { StateCertificate } from './state-certificate.js';
import { HostModel, type NodeModel } from './model.js';
import { DEFAULT_MAX_NODES, RouteCache } from './routes.js';
import { RebirthScheduler, resolveRebirthOptions, type RebirthRequestResult } from './rebirth.js';
import { StaleCheck } from './stale-check.js';
import { ownerView, ownerViews, type MetricOwnerView } from './views.js';
import { modelStats, snapshotModel, type HostSnapshot, type ModelStats } from './snapshot.js';
import type { HostApplicationOptions, HostCounters, HostEvents, HostState, HostWillMessage, RebirthReason } from './types.js';

const ALLOWED: Record<HostState, readonly HostState[]> = {
  offline: ['connecting'],
  connecting: ['online', 'closing'],
  online: ['connecting', 'closing'],
  closing: ['offline'],
};

export class HostApplication extends TypedEmitter<HostEvents> {
  readonly hostId: string;
  readonly counters: HostCounters = {
    messages: 0,
    invalidMessages: 0,
    decodeErrors: 0,
    gaps: 0,
    rebirthsRequested: 0,
    rebirthsDeduplicated: 0,
    staleDeaths: 0,
    historicalMetrics: 0,
    stateReasserts: 0,
  };
  /** Bad input seen, by cause (see input-problems.ts); every cause present. */
  readonly inputProblems: Readonly<Record<InputProblemCause, number>>;
  private stateValue: HostState = 'offline';
  private readonly model = new HostModel();
  private readonly routes: RouteCache;
  private readonly ingest: Ingest;
  private readonly scheduler: RebirthScheduler;
  private readonly groups: ReadonlySet<string> | undefined;
  private readonly certificate: StateCertificate;
  private readonly autoRebirth: boolean;
  private readonly staleCheck: StaleCheck;
  private readonly log: Logger | undefined;
  private readonly gate: InputGate;
  private readonly now: () => number;
  private connections = 0;
  /** Payload timestamp of the last write command sent. */
  private lastWriteTs = 0;
  private readonly unsubscribe: (() => void)[] = [];

  constructor(readonly options: HostApplicationOptions) {
    super();
    // [tck-id-host-topic-phid-death-topic] the STATE topic is built from a valid host id
    // [tck-id-operational-behavior-host-application-connect-will-topic]
    assertValidId(options.hostId, 'host');
    this.hostId = options.hostId;
    const r = resolveRebirthOptions(options.rebirth ?? {});
    this.autoRebirth = r.enabled;
    this.staleCheck = new StaleCheck({
      staleAfterMs: r.staleAfterReconnectMs,
      retryAfterMs: r.retryAfterMs,
      nodes: () => this.model.nodes(),
      current: (connection) => connection === this.connections && this.stateValue === 'online',
      // Nodes already asked in this session (their data arrived without an NBIRTH) are not asked twice.
      ask: (n) => {
        if (!this.scheduler.isOutstanding(n)) this.enqueueRebirth(n, 'staleAfterReconnect');
      },
    });
    this.groups = options.groups === undefined ? undefined : new Set(options.groups);
    this.log = options.logger?.child({ hostId: options.hostId });
    // [tck-id-payloads-timestamp-in-UTC] command payload timestamps are Date.now(): UTC ms
    this.now = options.now ?? Date.now;
    this.gate = new InputGate(this.log, this.now, options.limits);
    const maxNodes = options.limits?.maxNodes ?? DEFAULT_MAX_NODES;
    this.routes = new RouteCache(this.model, this.groups, maxNodes, (group, node) => this.gate.problems.report('too_many_nodes', { group, node, limit: maxNodes }));
    this.inputProblems = this.gate.problems.counts;
    this.scheduler = new RebirthScheduler({
      ratePerSecond: r.maxPerSecond,
      burst: r.burst,
      retryAfterMs: r.retryAfterMs,
      now: this.now,
      random: options.random ?? Math.random,
      send: (node, reason) => this.sendRebirth(node, reason),
    });
    this.ingest = new Ingest({
      model: this.model,
      counters: this.counters,
      log: this.log,
      problem: this.gate.problems.report,
      reorderWindowMs: r.reorderWindowMs,
      now: this.now,
      requestRebirth: (node, reason) => {
        // Rebirth NCMDs only inside a session whose STATE birth has gone out ([tck-id-host-topic-phid-birth-message]).
        if (this.autoRebirth && this.stateValue === 'online') this.enqueueRebirth(node, reason);
      },
      born: (node) => this.scheduler.answered(node),
      emit: (event, ...args) => this.emit(event, ...args),
      wantsMetrics: () => this.hasListeners('metrics'),
    });
    this.certificate = new StateCertificate(formatTopic({ kind: 'state', hostId: options.hostId }), {
      transport: options.transport,
      now: this.now,
      log: this.log,
      reasserted: () => this.counters.stateReasserts++,
      malformed: (detail) => {
        this.counters.invalidMessages++;
        this.gate.problems.report('malformed_payload', { topic: this.certificate.topic, detail });
      },
    });
  }

  get state(): HostState {
    return this.stateValue;
  }

  /** The STATE Will for the next CONNECT: the transport calls this before EVERY attempt. */
  willMessage(): HostWillMessage {
    return this.certificate.will();
  }

  /**
   * false: the host says offline (STATE, retained) while it stays connected, so that edge nodes
   * store and forward instead of publishing what it cannot keep (the historian's full spool);
   * true: online again. Kept across reconnects until changed.
   */
  setAvailable(available: boolean, reason: string): Promise<void> | undefined {
    return this.certificate.setAvailable(available, reason);
  }

  async start(): Promise<void> {
    if (this.stateValue !== 'offline') throw new SparkplugError(ErrorCodes.LIFECYCLE, 'host application already started');
    const t = this.options.transport;
    this.unsubscribe.push(
      t.on('connect', (info) => void this.onConnect(info)),
      t.on('disconnect', (info) => this.onDisconnect(info)),
      t.on('message', (topic, payload) => this.onMessage(topic, payload)),
    );
    this.transition('connecting');
    await t.start();
  }

  /** Publishes the offline STATE (current time, QoS 1, retained), then disconnects. Idempotent. */
  async stop(): Promise<void> {
    if (this.stateValue === 'offline' || this.stateValue === 'closing') return;
    this.transition('closing');
    this.quiesce();
    try {
      await this.options.transport.stop({
        // [tck-id-operational-behavior-host-application-termination] offline STATE before DISCONNECT
        // [tck-id-host-topic-phid-death-payload-timestamp-disconnect-clean] current time, never older than the Will's T
        // [tck-id-operational-behavior-host-application-death-qos] [tck-id-operational-behavior-host-application-death-retained]
        // [tck-id-host-topic-phid-death-payload-timestamp-disconnect-with-no-disconnect-packet]
        // [tck-id-operational-behavior-host-application-death-topic] [tck-id-operational-behavior-host-application-death-payload]
        // [tck-id-operational-behavior-host-application-disconnect-intentional] the DISCONNECT follows
        beforeDisconnect: () => this.certificate.death(),
      });
    } finally {
      for (const off of this.unsubscribe.splice(0)) off();
      this.gate.problems.flush(true);
      this.certificate.disconnected();
      this.transition('offline');
    }
  }

  /**
   * Writes one metric with its birth datatype: NCMD (device undefined) or DCMD.
   * Rejects with NOT_ONLINE (host, node or device offline), UNKNOWN_METRIC (not in the birth) or
   * ENCODE (value does not fit the datatype).
   */
  async writeMetric(group: string, node: string, device: string | undefined, name: string, value: MetricValue): Promise<void> {
    if (this.stateValue !== 'online') throw new SparkplugError(ErrorCodes.NOT_ONLINE, 'host application is not online');
    const n = this.model.findNode(group, node);
    if (n === undefined || !n.online) throw new SparkplugError(ErrorCodes.NOT_ONLINE, `edge node ${group}/${node} is not online`);
    let table = n.metrics;
    if (device !== undefined) {
      const d = n.devices.get(device);
      if (d === undefined || !d.online) throw new SparkplugError(ErrorCodes.NOT_ONLINE, `device ${group}/${node}/${device} is not online`);
      table = d.metrics;
    }
    // [tck-id-operational-behavior-data-commands-ncmd-metric-name] [tck-id-operational-behavior-data-commands-dcmd-metric-name]
    const row = table.byNameOnly(name);
    if (row < 0) throw new SparkplugError(ErrorCodes.UNKNOWN_METRIC, `no metric ${JSON.stringify(name)} in the birth of ${group}/${node}${device === undefined ? '' : `/${device}`}`);
    // Strictly increasing: two writes of one value within a millisecond still differ, so the edge
    // never takes a genuine repeat for a duplicated delivery (edge/command-dedup.ts).
    this.lastWriteTs = Math.max(this.now(), this.lastWriteTs + 1);
    const bytes = encodePayload(writePayload(table, row, value, this.lastWriteTs));
    // [tck-id-topics-ncmd-topic] [tck-id-operational-behavior-data-commands-ncmd-verb] [tck-id-topics-dcmd-topic]
    // [tck-id-operational-behavior-data-commands-dcmd-verb]
    const topic = device === undefined ? formatTopic({ kind: 'node', type: 'NCMD', group, node }) : formatTopic({ kind: 'device', type: 'DCMD', group, node, device });
    // [tck-id-payloads-ncmd-qos] [tck-id-payloads-ncmd-retain] [tck-id-payloads-dcmd-qos] [tck-id-payloads-dcmd-retain] QoS 0, not retained
    // [tck-id-topics-ncmd-mqtt] [tck-id-topics-dcmd-mqtt]
    this.gate.commandSent(topic);
    await this.options.transport.publish(topic, bytes, { qos: 0, retain: false });
  }

  /** Asks one edge node to re-birth, through the same de-duplication and rate limit as automatic requests. */
  requestRebirth(group: string, node: string): RebirthRequestResult {
    if (this.stateValue !== 'online') throw new SparkplugError(ErrorCodes.NOT_ONLINE, 'host application is not online');
    return this.enqueueRebirth(this.model.node(group, node), 'manual');
  }

  /** A JSON-able copy of the live model (see snapshot.ts for the encoding of bigint and bytes). */
  snapshot(): HostSnapshot {
    return snapshotModel(this.hostId, this.stateValue, this.counters, this.model);
  }

  /** Whether the model holds this edge node (born, dead or only heard of); never creates it. */
  hasNode(group: string, node: string): boolean {
    return this.model.findNode(group, node) !== undefined;
  }

  /** The birth datatype of a metric (device undefined: a node metric), or undefined when not in the model. */
  metricType(group: string, node: string, device: string | undefined, name: string): MetricTypeName | undefined {
    const n = this.model.findNode(group, node);
    const table = device === undefined ? n?.metrics : n?.devices.get(device)?.metrics;
    const row = table === undefined ? -1 : table.byNameOnly(name);
    return table === undefined || row < 0 ? undefined : table.type(row);
  }

  /** One node's (device undefined) or device's metrics as held, without a copy (views.ts); undefined when unknown. */
  metricOwner(group: string, node: string, device: string | undefined): MetricOwnerView | undefined {
    return ownerView(this.model, group, node, device);
  }

  /** Every node and device the model holds, as views (views.ts). */
  metricOwners(): IterableIterator<MetricOwnerView> {
    return ownerViews(this.model);
  }

  /** Counts of nodes, devices and metrics held, without copying the model (for gauges). */
  stats(): ModelStats {
    return modelStats(this.model);
  }

  /** A throwing event listener must not abort a model update or escape into the transport. */
  protected override emit<K extends keyof HostEvents>(event: K, ...args: HostEvents[K]): void {
    try {
      super.emit(event, ...args);
    } catch (err) {
      this.log?.error({ err, event }, 'event listener threw');
    }
  }

  private transition(to: HostState): void {
    const from = this.stateValue;
    if (!ALLOWED[from].includes(to)) throw new SparkplugError(ErrorCodes.LIFECYCLE, `host application cannot go from ${from} to ${to}`);
    this.stateValue = to;
    this.log?.info({ from, to }, 'host application state');
    this.emit('stateChanged', from, to);
  }

  private async onConnect(info: ConnectInfo): Promise<void> {
    if (this.stateValue !== 'connecting') return;
    const connection = ++this.connections;
    this.certificate.connected(info);
    try {
      // [tck-id-host-topic-phid-birth-sub-required] [tck-id-message-flow-phid-sparkplug-subscription] [tck-id-payloads-state-subscribe]
      // Own STATE and the namespace before the birth: literally spBv1.0/# (Q10), or only the host's
      // groups, so that several hosts can split one plant without each receiving all of it.
      const namespace = this.groups === undefined ? [`${NAMESPACE}/#`] : [...this.groups].map((g) => `${NAMESPACE}/${g}/#`);
      await this.options.transport.subscribe([...namespace.map((topic) => ({ topic, qos: 1 as const })), { topic: this.certificate.topic, qos: 1 }]);
      if (connection !== this.connections || this.stateValue !== 'connecting') return;
      // [tck-id-host-topic-phid-birth-message] [tck-id-payloads-state-birth] first PUBLISH of the session
      // [tck-id-operational-behavior-host-application-connect-birth] [tck-id-host-topic-phid-birth-required]
      // [tck-id-message-flow-phid-sparkplug-state-publish] [tck-id-message-flow-phid-sparkplug-state-publish-payload-timestamp]
      // [tck-id-principles-birth-certificates-order] [tck-id-operational-behavior-primary-application-state-with-multiple-servers-state]
      // the STATE birth comes first on every session, on whichever server
      // [tck-id-intro-sparkplug-host-state] [tck-id-components-ph-state] [tck-id-conformance-primary-host] every host publishes STATE
      const birth = this.certificate.birth();
      // Online as soon as the birth is on its way: later publishes (rebirth NCMDs) follow it on the wire.
      this.transition('online');
      await birth;
      if (this.autoRebirth) this.staleCheck.start(connection);
    } catch (err) {
      this.log?.warn({ err }, 'session setup failed; waiting for the next connection');
    }
  }

  private onDisconnect(info: DisconnectInfo): void {
    if (this.stateValue === 'closing' || this.stateValue === 'offline') return;
    const { reason, server } = info;
    this.log?.warn({ reason, server, err: info.error }, 'MQTT session lost; every known edge node is stale until it births again');
    this.quiesce();
    this.certificate.disconnected();
    // H-LOST-SERVER-STALE (tck-not-testable): the link is gone, so nothing the host holds is current; the
    // seq baselines are lost too, so data before a new NBIRTH leads to a rebirth request (HP-7).
    const now = this.now();
    for (const n of this.model.nodes()) {
      n.lastSeq = undefined;
      if (n.online) n.markStale(now, false);
    }
    if (this.stateValue === 'online') this.transition('connecting');
  }

  /** Stops every timer: pending rebirths, reorder windows, the stale check. */
  private quiesce(): void {
    this.staleCheck.stop();
    this.scheduler.clear();
    for (const n of this.model.nodes()) n.clearReorder();
  }

  private onMessage(topic: string, payload: Uint8Array): void {
    // Never throw into the transport: a bad message or a failing event listener is logged and dropped.
    try {
      if (this.gate.oversized(topic, payload)) return;
      // Hot path: a topic seen before needs no parsing and no lookup of its group and node.
      let route = this.routes.get(topic);
      if (route === undefined) {
        let t;
        try {
          t = parseTopic(topic);
        } catch (err) {
          this.counters.invalidMessages++;
          this.gate.problems.report('bad_topic', { topic: topic.slice(0, 200), detail: err instanceof Error ? err.message : String(err) });
          return;
        }
        if (t.kind === 'state') return t.hostId === this.hostId ? this.certificate.delivered(payload, this.stateValue === 'online') : undefined;
        if (t.type === 'NCMD' || t.type === 'DCMD') this.gate.commandSeen(topic);
        route = this.routes.add(topic, t);
      }
      if (route !== undefined) this.ingest.handle(route, payload);
    } catch (err) {
      this.log?.error({ err, topic }, 'message handling failed');
    }
  }

  private enqueueRebirth(node: NodeModel, reason: RebirthReason): RebirthRequestResult {
    const result = this.scheduler.request(node, reason);
    if (result === 'duplicate') this.counters.rebirthsDeduplicated++;
    return result;
  }

  private sendRebirth(node: NodeModel, reason: RebirthReason): void {
    node.counters.rebirthsRequested++;
    this.counters.rebirthsRequested++;
    // Requests caused by bad input are already logged (rate-limited) under their cause; a line each would be one per node.
    const level = reason === 'manual' || reason === 'staleAfterReconnect' ? 'info' : 'debug';
    this.log?.[level]({ group: node.group, node: node.id, reason }, 'requesting rebirth');
    const topic = formatTopic({ kind: 'node', type: 'NCMD', group: node.group, node: node.id });
    this.gate.commandSent(topic);
    // [tck-id-operational-behavior-host-reordering-rebirth] [tck-id-payloads-ncmd-qos] QoS 0, not retained
    // [tck-id-topics-ncmd-mqtt] [tck-id-payloads-ncmd-retain]
    this.options.transport
      .publish(topic, encodePayload(rebirthPayload(this.now())), { qos: 0, retain: false })
      .catch((err: unknown) => this.log?.warn({ err, group: node.group, node: node.id }, 'rebirth request not sent'));
    this.emit('rebirthRequested', { group: node.group, node: node.id, reason });
  }
}
