/**
 * The retained plain-MQTT mirror: every metric the host holds, as one retained JSON message per
 * metric on its own MQTT session (README: Retained MQTT mirror).
 *
 * Driven by the host's events: data updates one topic each; a birth, a death or the host losing
 * its connection re-reads the owner (node or device) from the model, so qualities follow and a
 * metric missing from a new birth is cleared. The session is persistent (clean session off): a
 * CONNACK without the session present means the broker lost its state (restart without
 * persistence, or first contact), and everything is published again.
 */
import type { Logger } from 'pino';
import { ErrorCodes, SparkplugError } from '../errors.js';
import type { HostApplication, HostState, MetricOwnerView, MetricUpdate } from '../host/index.js';
import type { ConnectInfo } from '../transport/index.js';
import { metricTopic, type MirrorQuality } from './format.js';
import { isMirrorPayload, staleCopy } from './leftovers.js';
import { RetainedPublisher, type MirrorTransport, type PublisherCounters } from './publisher.js';
import { LeftoverSweep } from './sweep.js';

/** MQTT's limit on a topic name (a two-byte length). */
const MAX_TOPIC_BYTES = 65_535;

export type MirrorHost = Pick<HostApplication, 'on' | 'state' | 'metricOwner' | 'metricOwners'>;

export interface MirrorOptions {
  readonly host: MirrorHost;
  /** Its own session, created with `cleanSession: false` and the Will of `statusWill()`. */
  readonly transport: MirrorTransport;
  readonly prefix: string;
  readonly maxPerSecond: number;
  readonly logger?: Logger | undefined;
  /** How long `stop()` waits for the last values to go out. Default 5000. */
  readonly stopTimeoutMs?: number | undefined;
  /**
   * Reads the retained messages under the prefix once at start (leftovers.ts): those an earlier run
   * left saying "good", for metrics the host has not heard of since, are republished as stale.
   */
  readonly scanLeftovers?: (() => Promise<Map<string, Uint8Array>>) | undefined;
  /**
   * How long after a node's birth its leftovers that no metric of the node or its devices has are
   * cleared (sweep.ts): time for its devices to DBIRTH. Default 30000.
   */
  readonly leftoverGraceMs?: number | undefined;
}

export interface MirrorCounters extends PublisherCounters {
  /** Metrics not mirrored: another metric already has their topic, or it would be too long. */
  conflicts: number;
  /** Connections after which the broker had lost the session, so everything went out again. */
  republishes: number;
  /** Retained values of an earlier run, for metrics not (yet) in the model, republished as stale. */
  leftovers: number;
  /** Leftover topics cleared: their node birthed again and, after the grace, no metric has them. */
  leftoversCleared: number;
}

/** The metrics of one node or device: name → topic (built once; '' for a metric whose topic another owner has). */
interface Owner {
  readonly key: string;
  topics: Map<string, string>;
}

export class Mirror {
  private readonly publisher: RetainedPublisher;
  private readonly sweep: LeftoverSweep;
  private readonly owners = new Map<string, Owner>();
  /** Node key → its devices seen, so a node's birth or death re-reads them without a walk of the model. */
  private readonly devicesOf = new Map<string, Set<string>>();
  /** Which owner a topic belongs to: a node metric "Filler/Count" and device Filler's "Count" meet on one topic. */
  private readonly topicOwner = new Map<string, string>();
  private readonly offHost: (() => void)[] = [];
  private readonly offTransport: (() => void)[] = [];
  private readonly log: Logger | undefined;
  private conflicts = 0;
  private republishes = 0;
  private leftovers = 0;
  private scanned = false;
  private started = false;

  constructor(private readonly o: MirrorOptions) {
    this.log = o.logger?.child({ component: 'mirror' });
    this.publisher = new RetainedPublisher(o.transport, o.maxPerSecond);
    this.sweep = new LeftoverSweep({
      host: o.host,
      prefix: o.prefix,
      graceMs: o.leftoverGraceMs ?? 30_000,
      devicesOf: (group, node) => this.devicesOf.get(`${group}/${node}`) ?? [],
      clear: (topic) => this.publisher.clearRetained(topic),
      logger: this.log,
    });
  }

  /** The status topic: the prefix itself, retained `{"online":…,"timestamp":…}`; offline as the session's Will. */
  get statusTopic(): string {
    return this.o.prefix;
  }

  statusWill(): { topic: string; payload: Uint8Array; qos: 1; retain: true } {
    return { topic: this.statusTopic, payload: statusPayload(false), qos: 1, retain: true };
  }

  get counters(): Readonly<MirrorCounters> {
    return { ...this.publisher.counters, conflicts: this.conflicts, republishes: this.republishes, leftovers: this.leftovers, leftoversCleared: this.sweep.cleared };
  }

  /** Leftover topics of an earlier run waiting for their node's birth (and grace) to be cleared or claimed. */
  get leftoversPending(): number {
    return this.sweep.pending;
  }

  /** Topics waiting to be published or awaiting their PUBACK. */
  get pending(): number {
    return this.publisher.pending;
  }

  get topics(): number {
    return this.publisher.topics;
  }

  async start(): Promise<void> {
    if (this.started) throw new SparkplugError(ErrorCodes.LIFECYCLE, 'mirror already started');
    this.started = true;
    const h = this.o.host;
    const t = this.o.transport;
    this.offTransport.push(
      t.on('connect', (info) => this.onConnect(info)),
      t.on('disconnect', () => this.publisher.pause()),
    );
    this.offHost.push(
      h.on('metrics', (m) => this.onMetrics(m.group, m.node, m.device, m.metrics)),
      h.on('nodeBirth', (n) => {
        this.syncNode(n.group, n.node);
        this.sweep.nodeBorn(n.group, n.node);
      }),
      h.on('nodeDeath', (n) => this.syncNode(n.group, n.node)),
      h.on('deviceBirth', (d) => this.syncOwner(d.group, d.node, d.device)),
      h.on('deviceDeath', (d) => this.syncOwner(d.group, d.node, d.device)),
      h.on('stateChanged', (from, to) => this.onHostState(from, to)),
    );
    this.syncAll();
    await t.start();
  }

  /** Lets the last values go out (up to stopTimeoutMs), publishes the offline status, disconnects. */
  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    for (const f of this.offHost.splice(0)) f();
    this.sweep.close();
    // Nobody keeps these values current from now on: they say so.
    for (const v of this.o.host.metricOwners()) this.sync(v, v.online ? 'stale' : 'offline');
    if (this.o.transport.isConnected()) {
      const drained = await this.publisher.drained(this.o.stopTimeoutMs ?? 5000);
      if (!drained) this.log?.warn({ pending: this.publisher.pending }, 'mirror stopped with values not yet published');
    }
    this.publisher.close();
    for (const f of this.offTransport.splice(0)) f();
    await this.o.transport.stop({
      beforeDisconnect: () => this.o.transport.publish(this.statusTopic, statusPayload(false), { qos: 1, retain: true }),
    });
  }

  private onConnect(info: ConnectInfo): void {
    const lost = info.sessionPresent !== true;
    if (lost) this.republishes++;
    this.log?.info({ server: info.server, sessionPresent: info.sessionPresent === true }, lost ? 'mirror connected; publishing every value' : 'mirror connected; broker kept its state');
    this.o.transport.publish(this.statusTopic, statusPayload(true), { qos: 1, retain: true }).catch((err: unknown) => this.log?.warn({ err }, 'mirror status not published'));
    this.publisher.resume(lost);
    if (!this.scanned && this.o.scanLeftovers !== undefined) {
      this.scanned = true;
      this.o.scanLeftovers().then(
        (found) => this.markLeftovers(found),
        (err: unknown) => this.log?.warn({ err }, 'mirror: leftover scan failed'),
      );
    }
  }

  /**
   * Leftovers nobody owns (no metric of the model has the topic) say stale from now on, and are
   * cleared once their node has birthed again without them (sweep.ts).
   */
  private markLeftovers(found: Map<string, Uint8Array>): void {
    if (!this.started) return;
    const unowned: string[] = [];
    for (const [topic, payload] of found) {
      if (topic === this.statusTopic || this.topicOwner.has(topic) || this.publisher.has(topic) || !isMirrorPayload(payload)) continue;
      unowned.push(topic);
      const stale = staleCopy(payload);
      if (stale === undefined) continue;
      this.leftovers++;
      this.publisher.set(topic, stale);
    }
    this.sweep.add(unowned);
    if (this.leftovers > 0) this.log?.info({ leftovers: this.leftovers }, 'mirror: values of an earlier run not (yet) in the model marked stale');
  }

  /** H-LOST-SERVER-STALE: once the host's own link drops, every value it holds is stale, and says so. */
  private onHostState(from: HostState, to: HostState): void {
    if (from === 'online' && to === 'connecting') this.syncAll();
  }

  private syncAll(): void {
    for (const v of this.o.host.metricOwners()) this.sync(v);
  }

  private syncNode(group: string, node: string): void {
    const n = this.o.host.metricOwner(group, node, undefined);
    if (n !== undefined) this.sync(n);
    // A node's birth or death changes its devices' quality too.
    for (const device of this.devicesOf.get(`${group}/${node}`) ?? []) this.syncOwner(group, node, device);
  }

  private syncOwner(group: string, node: string, device: string): void {
    const v = this.o.host.metricOwner(group, node, device);
    if (v !== undefined) this.sync(v);
  }

  /** Every metric of the owner as the model holds it; topics of metrics no longer in its birth are cleared. */
  private sync(v: MetricOwnerView, quality: MirrorQuality = qualityOf(v)): void {
    const owner = this.owner(v.group, v.node, v.device);
    const before = owner.topics;
    const now = new Map<string, string>();
    v.forEachMetric((name, type, value, timestamp) => {
      const topic = before.get(name) ?? this.claim(owner, v, name);
      now.set(name, topic);
      if (topic !== '') this.publisher.setMetric(topic, type, value, timestamp, quality);
    });
    for (const [name, topic] of before) {
      if (now.has(name) || topic === '') continue;
      this.topicOwner.delete(topic);
      this.publisher.set(topic, '');
    }
    owner.topics = now;
  }

  private onMetrics(group: string, node: string, device: string | undefined, updates: readonly MetricUpdate[]): void {
    const v = this.o.host.metricOwner(group, node, device);
    if (v === undefined) return;
    // A historical value may or may not have been applied (only when newer): the model decides.
    if (updates.some((u) => u.isHistorical)) return this.sync(v);
    const owner = this.owner(group, node, device);
    const quality = qualityOf(v);
    for (const u of updates) {
      let topic = owner.topics.get(u.name);
      if (topic === undefined) {
        topic = this.claim(owner, v, u.name);
        owner.topics.set(u.name, topic);
      }
      if (topic !== '') this.publisher.setMetric(topic, u.type, u.value, u.timestamp, quality);
    }
  }

  private owner(group: string, node: string, device: string | undefined): Owner {
    const key = device === undefined ? `${group}/${node}` : `${group}/${node}/${device}`;
    let o = this.owners.get(key);
    if (o === undefined) {
      o = { key, topics: new Map() };
      this.owners.set(key, o);
      if (device !== undefined) {
        const nodeKey = `${group}/${node}`;
        let set = this.devicesOf.get(nodeKey);
        if (set === undefined) this.devicesOf.set(nodeKey, (set = new Set()));
        set.add(device);
      }
    }
    return o;
  }

  /**
   * The metric's topic, or '' when it cannot have one: another owner's metric has it already, or it
   * is longer than MQTT allows. Logged once: the owner remembers ''.
   */
  private claim(owner: Owner, v: MetricOwnerView, name: string): string {
    const topic = metricTopic(this.o.prefix, v.group, v.node, v.device, name);
    if (Buffer.byteLength(topic, 'utf8') > MAX_TOPIC_BYTES) {
      this.conflicts++;
      this.log?.warn({ metric: name.slice(0, 200), owner: owner.key }, 'metric name too long for an MQTT topic; not mirrored');
      return '';
    }
    const holder = this.topicOwner.get(topic);
    if (holder === undefined) {
      this.topicOwner.set(topic, owner.key);
      return topic;
    }
    if (holder === owner.key) return topic;
    this.conflicts++;
    this.log?.warn({ topic, metric: name, owner: owner.key, holder }, 'mirror topic already taken by another metric; not mirrored');
    return '';
  }
}

function qualityOf(v: MetricOwnerView): MirrorQuality {
  if (!v.online) return 'offline';
  return v.stale ? 'stale' : 'good';
}

function statusPayload(online: boolean): Uint8Array {
  return Buffer.from(JSON.stringify({ online, timestamp: Date.now() }), 'utf8');
}
