/**
 * The Sparkplug edge node: one explicit state machine over an injected MQTT transport.
 *
 *   offline → connecting → (waitingForHost →) birthing → online → closing → offline
 *
 * bdSeq and seq live only here. Every CONNECT carries an NDEATH Will with the session's bdSeq;
 * each session starts with NBIRTH (seq 0) and a DBIRTH per device, then report-by-exception data.
 */
import type { Logger } from 'pino';
import { ErrorCodes, SparkplugError } from '../errors.js';
import { TypedEmitter } from '../events.js';
import { encodePayload } from '../payload/index.js';
import type { Metric, Payload } from '../payload/types.js';
import { formatTopic } from '../topic/index.js';
import { AliasTable } from './aliases.js';
import { NodeTopics } from './topics.js';
import { nbirthPayload, ndeathPayload } from './certificates.js';
import { type CommandContext, handleCommand } from './commands.js';
import { CommandDedup } from './command-dedup.js';
import { Forwarder, type ReplayTarget } from './forward.js';
import { PrimaryHostTracker } from './primary-host.js';
import { Scope } from './scope.js';
import { LiveData } from './data-message.js';
import { ScanClock } from './scan-clock.js';
import type { WillMessage } from '../transport/index.js';
import { newEdgeStats, type EdgeEvents, type EdgeNodeOptions, type EdgeState, type EdgeStats } from './types.js';
import { ALLOWED_TRANSITIONS, NO_METRICS, startSources } from './lifecycle.js';
import { RecentData } from './recent-data.js';

export class EdgeNode extends TypedEmitter<EdgeEvents> {
  readonly stats: EdgeStats = newEdgeStats();
  private stateValue: EdgeState = 'offline';
  private seq = 0;
  /** bdSeq of the current MQTT session (the one its Will carries). */
  private sessionBdSeq: number | undefined;
  private readonly clock: ScanClock;
  private walkTimer: NodeJS.Timeout | undefined;
  private readonly unsubscribe: (() => void)[] = [];
  readonly nodeScope: Scope;
  readonly deviceScopes = new Map<string, Scope>();
  private readonly host: PrimaryHostTracker | undefined;
  private readonly forwarder: Forwarder;
  private readonly log: Logger | undefined;
  private readonly now: () => number;
  private readonly withNames: boolean;
  private readonly omitDataTypes: boolean;
  private readonly live: LiveData;
  private readonly topics: NodeTopics;
  private readonly dedup: CommandDedup;

  constructor(readonly options: EdgeNodeOptions) {
    super();
    this.topics = new NodeTopics(options.groupId, options.edgeNodeId);
    const aliases = options.useAliases === false ? undefined : new AliasTable();
    this.nodeScope = new Scope('', options.nodeSource ?? NO_METRICS, aliases, this.topics.ndata);
    for (const d of options.devices) {
      this.deviceScopes.set(d.deviceId, new Scope(d.deviceId, d, aliases, this.topics.device('DDATA', d.deviceId)));
    }
    this.host = options.primaryHostId === undefined ? undefined : new PrimaryHostTracker(options.primaryHostId);
    this.log = options.logger?.child({ group: options.groupId, node: options.edgeNodeId });
    // [tck-id-payloads-timestamp-in-UTC] payload timestamps are Date.now(): UTC ms since the epoch
    this.now = options.now ?? Date.now;
    this.withNames = options.sendNamesInData === true;
    this.omitDataTypes = options.datatypesInData !== true;
    this.dedup = new CommandDedup(this.stats, options.commandDedupWindowMs ?? 10_000, this.now, this.log);
    this.forwarder = new Forwarder(options.forwardStore, options.replayRatePerSec ?? 5000, this.log, this.withNames);
    this.live = new LiveData({
      transport: options.transport,
      forwarder: this.forwarder,
      stats: this.stats,
      log: this.log,
      withNames: this.withNames,
      withTypes: !this.omitDataTypes,
      now: this.now,
      seq: () => this.nextSeq(),
      recent: options.forwardStore !== undefined && (options.resendWindowMs ?? 0) > 0 ? new RecentData(options.resendWindowMs ?? 0, options.resendWindowMaxBytes ?? 16 * 1024 * 1024) : undefined,
    });
    this.clock = new ScanClock(options.scanIntervalMs, { scan: () => this.scan(), isOnline: () => this.stateValue === 'online' });
  }

  get state(): EdgeState {
    return this.stateValue;
  }

  /** The bdSeq for the next (or current) MQTT session's Will: called by the transport before each CONNECT. */
  willMessage(): WillMessage {
    const bdSeq = this.options.bdSeq.peek();
    // [tck-id-message-flow-edge-node-birth-publish-will-message] [tck-id-message-flow-edge-node-birth-publish-will-message-topic]
    // [tck-id-message-flow-edge-node-birth-publish-will-message-qos] [tck-id-payloads-ndeath-will-message-qos] QoS 1
    // [tck-id-message-flow-edge-node-birth-publish-will-message-will-retained] [tck-id-payloads-ndeath-will-message-retain] not retained
    // [tck-id-payloads-ndeath-will-message]
    return {
      topic: this.topics.ndeath,
      // [tck-id-message-flow-edge-node-birth-publish-will-message-payload] a Sparkplug B protobuf payload
      payload: encodePayload(ndeathPayload(bdSeq, this.now())),
      qos: 1,
      retain: false,
    };
  }

  async start(): Promise<void> {
    if (this.stateValue !== 'offline') throw new SparkplugError(ErrorCodes.LIFECYCLE, 'edge node already started');
    const t = this.options.transport;
    this.unsubscribe.push(
      t.on('connect', (info) => void this.onConnect(info.serverIndex).catch((e: unknown) => this.log?.error({ err: e }, 'session setup failed'))),
      t.on('disconnect', (info) => this.onDisconnect(info.reason)),
      // A failed first attempt: store-and-forward starts sampling now.
      t.on('error', () => this.clock.begin()),
      t.on('message', (topic, payload) => this.onMessage(topic, payload)),
    );
    try {
      await startSources(this.scopes());
    } catch (e) {
      for (const off of this.unsubscribe.splice(0)) off();
      this.options.forwardStore?.close();
      throw e;
    }
    for (const scope of this.deviceScopes.values()) this.unsubscribe.push(scope.source.onConnectivity((up) => this.onDevice(scope, up)));
    this.transition('connecting');
    this.clock.arm();
    await t.start();
  }

  /** Publishes NDEATH, disconnects (MQTT 5: reason 0x04), flushes the queue and stops the sources. */
  async stop(): Promise<void> {
    if (this.stateValue === 'offline' || this.stateValue === 'closing') return;
    const wasBorn = this.stateValue === 'online' || this.stateValue === 'birthing';
    this.transition('closing');
    this.clock.stop();
    const t = this.options.transport;
    await t.stop({
      // [tck-id-operational-behavior-edge-node-intentional-disconnect-ndeath] NDEATH before DISCONNECT
      // [tck-id-payloads-ndeath-will-message-publisher-disconnect-mqtt311]
      // [tck-id-payloads-ndeath-will-message-publisher]
      // [tck-id-operational-behavior-edge-node-intentional-disconnect-packet] the DISCONNECT follows the NDEATH
      beforeDisconnect: async () => {
        if (wasBorn && this.sessionBdSeq !== undefined && t.isConnected()) {
          await this.publish(this.topics.ndeath, ndeathPayload(this.sessionBdSeq, this.now()), false, 1);
        }
      },
      // [tck-id-payloads-ndeath-will-message-publisher-disconnect-mqtt50] reason 0x04: disconnect with Will
      ...(this.options.protocolVersion === 5 ? { reasonCode: 0x04 } : {}),
    });
    for (const off of this.unsubscribe.splice(0)) off();
    this.options.forwardStore?.close();
    for (const scope of this.scopes()) await scope.source.stop();
    this.transition('offline');
  }

  /** Sends NBIRTH and every DBIRTH again (Node Control/Rebirth). Same bdSeq, seq from 0. */
  rebirth(): void {
    if (this.stateValue !== 'online') return;
    // [tck-id-operational-behavior-data-commands-rebirth-action-1] data stops: births are sent synchronously
    // [tck-id-operational-behavior-data-commands-rebirth-action-2] then NBIRTH and every DBIRTH
    this.birth();
  }

  private isStopping(): boolean {
    return this.stateValue === 'closing' || this.stateValue === 'offline';
  }

  private scopes(): Scope[] {
    return [this.nodeScope, ...this.deviceScopes.values()];
  }

  private transition(to: EdgeState): void {
    const from = this.stateValue;
    if (!ALLOWED_TRANSITIONS[from].includes(to)) {
      throw new SparkplugError(ErrorCodes.LIFECYCLE, `edge node cannot go from ${from} to ${to}`);
    }
    this.stateValue = to;
    clearTimeout(this.walkTimer);
    if (to === 'waitingForHost' && (this.options.serverCount ?? 1) > 1) {
      // [tck-id-operational-behavior-primary-application-state-with-multiple-servers-walk] a server where the
      // primary host is not online is left for the next one; the wait keeps several such servers from
      // being walked in a tight loop.
      this.walkTimer = setTimeout(() => {
        if (this.stateValue === 'waitingForHost') this.leaveServer('primary host not online on this server');
      }, this.options.primaryHostWaitMs ?? 5000);
    }
    this.log?.info({ from, to }, 'edge node state');
    this.emit('stateChanged', from, to);
  }

  private async onConnect(serverIndex: number): Promise<void> {
    if (this.stateValue === 'closing' || this.stateValue === 'offline') return;
    this.host?.newSession(serverIndex);
    // [tck-id-payloads-ndeath-bdseq] this CONNECT's Will and every NBIRTH of the session carry this bdSeq
    this.sessionBdSeq = this.options.bdSeq.peek();
    // Recorded before the births: a crash after this session's NBIRTH must not reuse its bdSeq.
    await this.options.bdSeq.confirm();
    if (this.isStopping()) return; // stop() ran meanwhile
    if (this.stateValue !== 'connecting') this.transition('connecting');
    for (const s of this.scopes()) s.born = false;
    const filters = [
      // [tck-id-message-flow-edge-node-ncmd-subscribe] NCMD at QoS 1 before NBIRTH
      { topic: this.topics.ncmd, qos: 1 as const },
      // [tck-id-message-flow-device-dcmd-subscribe] DCMD at QoS 1 before any DBIRTH
      { topic: this.topics.dcmdFilter, qos: 1 as const },
    ];
    if (this.host !== undefined) {
      // [tck-id-operational-behavior-primary-application-state-with-multiple-servers-state-subs] exact STATE topic
      filters.push({ topic: formatTopic({ kind: 'state', hostId: this.host.hostId }), qos: 1 });
      this.transition('waitingForHost');
    }
    await this.options.transport.subscribe(filters);
    // [tck-id-message-flow-edge-node-birth-publish-phid-wait] no births until the primary host is online
    // [tck-id-operational-behavior-edge-node-birth-sequence-wait]
    // [tck-id-message-flow-edge-node-birth-publish-connect] births only from the transport's connect event (after CONNACK)
    // [tck-id-principles-birth-certificates-order] NBIRTH is the first PUBLISH of the session
    if (this.host === undefined || (this.stateValue === 'waitingForHost' && this.host.isOnline())) this.birth();
    this.clock.begin();
  }

  private onDisconnect(reason: string): void {
    if (this.stateValue === 'closing' || this.stateValue === 'offline') return;
    this.log?.warn({ reason }, 'MQTT session lost; storing data until the next birth');
    this.live.sessionLost();
    for (const s of this.scopes()) s.born = false;
    if (this.stateValue !== 'connecting') this.transition('connecting');
  }

  /** The birth sequence, synchronous so that no data message can interleave. */
  private birth(): void {
    // [tck-id-operational-behavior-data-commands-rebirth-action-3] a rebirth reuses the session's bdSeq
    const bdSeq = this.sessionBdSeq;
    if (bdSeq === undefined) return;
    this.transition('birthing');
    const now = this.now();
    this.seq = 0;
    void this.publish(this.topics.nbirth, nbirthPayload(bdSeq, now, this.nodeScope.birthMetrics(now)), false);
    this.nodeScope.born = true;
    // [tck-id-payloads-dbirth-order] every DBIRTH right after the NBIRTH, before any data
    // [tck-id-message-flow-device-birth-publish-nbirth-wait] DBIRTHs only after this session's NBIRTH
    for (const scope of this.deviceScopes.values()) {
      scope.born = false;
      if (scope.source.isOnline()) this.deviceBirth(scope, now);
    }
    this.stats.births++;
    this.live.sessionStarted();
    this.transition('online');
    const target: ReplayTarget = {
      isOnline: () => this.stateValue === 'online',
      scope: (id) => (id === '' ? this.nodeScope : this.deviceScopes.get(id)),
      publishHistorical: (scope, metrics) => this.publishHistorical(scope, metrics),
    };
    this.forwarder.startReplay(target, (n) => {
      this.stats.metricsReplayed = this.forwarder.replayed;
      if (n > 0) this.emit('replayDone', n);
    });
  }

  private deviceBirth(scope: Scope, now: number): void {
    // [tck-id-topics-dbirth-seq] seq continues the node's counter
    // [tck-id-payloads-dbirth-seq] [tck-id-payloads-dbirth-seq-inc] [tck-id-message-flow-device-birth-publish-dbirth-payload-seq]
    // [tck-id-topics-dbirth-timestamp] [tck-id-payloads-dbirth-timestamp]
    const payload: Payload = { timestamp: now, seq: this.nextSeq(), metrics: scope.birthMetrics(now) };
    void this.publish(this.topics.device('DBIRTH', scope.id), payload, false);
    scope.born = true;
  }

  private onDevice(scope: Scope, online: boolean): void {
    // [tck-id-message-flow-device-birth-publish-nbirth-wait] a late DBIRTH only once the NBIRTH is out
    if (this.stateValue !== 'online') return;
    if (online && !scope.born) this.deviceBirth(scope, this.now());
    if (!online && scope.born) {
      // [tck-id-operational-behavior-device-ddeath] [tck-id-payloads-ddeath-seq] [tck-id-payloads-ddeath-timestamp]
      // [tck-id-topics-ddeath-seq-num] [tck-id-payloads-ddeath-seq-inc] [tck-id-payloads-ddeath-seq-number]
      void this.publish(this.topics.device('DDEATH', scope.id), { timestamp: this.now(), seq: this.nextSeq() }, false);
      scope.born = false;
    }
  }

  /**
   * One scan: sample every source; publish changes live, or keep them for later. Returns a promise
   * that settles once the scan's live messages are written, or undefined when it published none.
   */
  scan(): Promise<void> | undefined {
    const now = this.now();
    const live = this.stateValue === 'online';
    this.live.beginScan();
    for (const scope of this.scopes()) {
      if (!scope.source.isOnline()) {
        // What an unreachable device's source still reports is superseded by its next birth.
        scope.inbox.clear();
        continue;
      }
      // A source that declared its metrics after its device was born: born again with all of them.
      if (live && scope.born && !scope.isNode && scope.define() !== scope.bornSize) this.deviceBirth(scope, now);
      const changes = scope.scan(now);
      // [tck-id-topics-ndata-payload] [tck-id-topics-ddata-payload] only the metrics that changed; no message when none did
      if (changes.count === 0) continue;
      // [tck-id-payloads-ndata-order] [tck-id-payloads-ddata-order] no data before the scope's birth in this session
      if (live && scope.born) this.live.publish(scope, changes);
      else this.forwarder.keep(scope, changes);
    }
    this.stats.metricsStored = this.forwarder.stored;
    this.stats.metricsDiscarded = this.forwarder.discarded;
    return this.live.written();
  }

  /** One NDATA/DDATA of metrics replayed from store-and-forward. */
  private async publishHistorical(scope: Scope, metrics: Metric[]): Promise<void> {
    // [tck-id-topics-ndata-seq-num] [tck-id-topics-ddata-seq-num] [tck-id-topics-ndata-timestamp] [tck-id-payloads-ndata-timestamp]
    // [tck-id-payloads-ndata-seq] [tck-id-payloads-ndata-seq-inc] [tck-id-payloads-ddata-seq] [tck-id-payloads-ddata-seq-inc]
    // [tck-id-topics-ddata-timestamp] [tck-id-payloads-ddata-timestamp]
    const payload: Payload = { timestamp: this.now(), seq: this.nextSeq(), metrics };
    this.stats.metricsPublished += metrics.length;
    await this.publish(scope.dataTopic, payload, this.omitDataTypes);
  }

  private nextSeq(): number {
    // [tck-id-payloads-sequence-num-incrementing] one counter over all message types, 255 wraps to 0
    // [tck-id-payloads-sequence-num-always-included] NBIRTH seq 0; DBIRTH, NDATA, DDATA, DDEATH the next; NDEATH none
    this.seq = (this.seq + 1) & 0xff;
    return this.seq;
  }

  /** Resolves true once the transport took the message, false when it could not be encoded or sent. */
  private publish(topic: string, payload: Payload, omitTypes: boolean, qos: 0 | 1 = 0): Promise<boolean> {
    let bytes: Uint8Array;
    try {
      // [tck-id-payloads-metric-datatype-not-req] data messages carry no datatype
      // [tck-id-message-flow-edge-node-birth-publish-nbirth-payload] [tck-id-message-flow-device-birth-publish-dbirth-payload] protobuf
      bytes = encodePayload(payload, omitTypes ? { omitMetricTypes: true } : {});
    } catch (e) {
      this.log?.error({ err: e, topic }, 'payload could not be encoded; not published');
      return Promise.resolve(false);
    }
    this.stats.messagesPublished++;
    // Every edge message is QoS 0 and not retained; an explicit NDEATH goes at QoS 1 so that it is
    // acknowledged before the DISCONNECT that follows it.
    // [tck-id-topics-nbirth-mqtt] [tck-id-topics-dbirth-mqtt] [tck-id-topics-ndata-mqtt] [tck-id-topics-ddata-mqtt]
    // [tck-id-topics-ddeath-mqtt] [tck-id-payloads-nbirth-qos] [tck-id-payloads-nbirth-retain]
    // [tck-id-message-flow-edge-node-birth-publish-nbirth-qos] [tck-id-message-flow-edge-node-birth-publish-nbirth-retained]
    // [tck-id-payloads-dbirth-qos] [tck-id-payloads-dbirth-retain] [tck-id-message-flow-device-birth-publish-dbirth-qos]
    // [tck-id-message-flow-device-birth-publish-dbirth-retained] [tck-id-payloads-ndata-qos] [tck-id-payloads-ndata-retain]
    // [tck-id-payloads-ddata-qos] [tck-id-payloads-ddata-retain]
    return this.options.transport.publish(topic, bytes, { qos, retain: false }).then(
      () => true,
      (e: unknown) => {
        this.log?.debug({ err: e, topic }, 'publish failed');
        return false;
      },
    );
  }

  private onMessage(topicString: string, payload: Uint8Array): void {
    handleCommand(this.commandContext(), topicString, payload);
  }

  private commandContext(): CommandContext {
    return {
      groupId: this.options.groupId,
      edgeNodeId: this.options.edgeNodeId,
      log: this.log,
      host: this.host,
      nodeScope: this.nodeScope,
      deviceScopes: this.deviceScopes,
      dedup: this.dedup,
      state: () => this.stateValue,
      rebirth: () => this.rebirth(),
      nextServer: () => this.leaveServer('Node Control/Next Server'),
      hostOnline: () => {
        if (this.stateValue === 'waitingForHost') this.birth();
      },
      hostOffline: () => {
        // Only a born session is ended. While waiting (e.g. right after the reconnect that an offline
        // STATE caused, when the broker hands us that same retained offline STATE again) leaving
        // would reconnect in a tight loop, burning a bdSeq per round: keep waiting for online.
        if (this.stateValue === 'online' || this.stateValue === 'birthing') this.leaveServer('primary host offline');
      },
      rejected: (info) => {
        this.stats.commandsRejected++;
        this.emit('commandRejected', info);
      },
    };
  }

  /** Ends this session (NDEATH first when born) and moves on to the next server. */
  private leaveServer(why: string): void {
    if (this.stateValue === 'closing' || this.stateValue === 'offline') return;
    this.log?.warn({ why }, 'leaving the current MQTT server');
    const born = this.stateValue === 'online' || this.stateValue === 'birthing';
    if (born && this.sessionBdSeq !== undefined) {
      // [tck-id-operational-behavior-edge-node-termination-host-offline] NDEATH, disconnect, reconnect
      // [tck-id-operational-behavior-primary-application-state-with-multiple-servers-walk] then on to the next server
      // [tck-id-message-flow-edge-node-birth-publish-phid-offline]
      void this.publish(this.topics.ndeath, ndeathPayload(this.sessionBdSeq, this.now()), false, 1).finally(() =>
        this.options.transport.nextServer(),
      );
    } else {
      void this.options.transport.nextServer();
    }
    for (const s of this.scopes()) s.born = false;
    this.live.sessionLost();
    this.transition('connecting');
  }
}
