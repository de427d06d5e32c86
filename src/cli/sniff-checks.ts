/**
 * What `sparkstate sniff` checks, as a pure state machine over the messages seen on the wire (no
 * I/O; the receive time comes with each message). Per edge node it keeps the NBIRTH's bdSeq, the
 * last seq and the metrics its births declared, and flags what a passive subscriber can see to be
 * wrong. Aliases in data are resolved to names from the births seen.
 */
import { decodePayload } from '../payload/index.js';
import type { DecodedMetric, DecodedPayload, Int64, MetricTypeName } from '../payload/types.js';
import { decodeState, parseTopic, type MessageType, type SparkplugTopic } from '../topic/index.js';

export interface WireMessage {
  readonly topic: string;
  readonly payload: Uint8Array;
  /** As received at a QoS 2 subscription: the publisher's QoS. */
  readonly qos: 0 | 1 | 2;
  /** The publisher's flag when subscribed with MQTT 5 Retain As Published. */
  readonly retain: boolean;
  readonly receivedAt: number;
}

export const FLAG_KINDS = ['seq-gap', 'seq-repeat', 'seq-invalid', 'before-birth', 'unknown-metric', 'bdseq-mismatch', 'qos-retain', 'undecodable'] as const;
export type FlagKind = (typeof FLAG_KINDS)[number];

export interface Flag {
  readonly kind: FlagKind;
  readonly message: string;
}

type EdgeTopic = Exclude<SparkplugTopic, { kind: 'state' }>;

export type SniffRecord =
  | { readonly kind: 'sparkplug'; readonly wire: WireMessage; readonly topic: EdgeTopic; readonly payload: DecodedPayload; readonly flags: Flag[] }
  | { readonly kind: 'state'; readonly wire: WireMessage; readonly hostId: string; readonly online: boolean; readonly timestamp: number; readonly flags: Flag[] }
  | { readonly kind: 'undecodable'; readonly wire: WireMessage; readonly type: MessageType | 'STATE' | undefined; readonly flags: Flag[] };

export interface FlagExample extends Flag {
  readonly topic: string;
  readonly receivedAt: number;
}

export interface SniffSummary {
  readonly messages: number;
  /** Messages per type (NBIRTH … STATE; `invalid` for topics that are not Sparkplug). */
  readonly byType: Readonly<Record<string, number>>;
  readonly byKind: Readonly<Partial<Record<FlagKind, number>>>;
  /** The first few occurrences of each kind, in arrival order. */
  readonly examples: readonly FlagExample[];
  /** False when the broker only spoke MQTT 3.1.1: retain flags are then not the publisher's. */
  readonly retainChecked: boolean;
}

const EXAMPLES_PER_KIND = 3;

interface Declared {
  readonly name: string;
  readonly type: MetricTypeName | undefined;
}

/** What one birth (NBIRTH or DBIRTH) declared. */
interface Scope {
  born: boolean;
  readonly byAlias: Map<string, Declared>;
  readonly byName: Map<string, Declared>;
}

interface EdgeState {
  node: Scope;
  readonly devices: Map<string, Scope>;
  /** bdSeq of the latest NBIRTH; undefined until one was seen. */
  bdSeq: Int64 | undefined;
  /** Last seq seen; undefined after NDEATH and before the first message. */
  seq: number | undefined;
}

const flag = (kind: FlagKind, message: string): Flag => ({ kind, message });

/** A topic or payload that could not be read; the flag carries the error's code (SPB_ERR_…) and text. */
function undecodable(wire: WireMessage, type: MessageType | 'STATE' | undefined, flags: Flag[], e: unknown): SniffRecord {
  const text = e instanceof Error ? `${'code' in e && typeof e.code === 'string' ? `${e.code}: ` : ''}${e.message}` : String(e);
  return { kind: 'undecodable', wire, type, flags: [...flags, flag('undecodable', text)] };
}

function scopeOf(metrics: readonly DecodedMetric[]): Scope {
  const scope: Scope = { born: true, byAlias: new Map(), byName: new Map() };
  for (const m of metrics) {
    if (m.name === undefined) continue;
    const d: Declared = { name: m.name, type: m.type };
    scope.byName.set(m.name, d);
    if (m.alias !== undefined) scope.byAlias.set(String(m.alias), d);
  }
  return scope;
}

/** Expected MQTT QoS and retain per message type. */
const MQTT_RULES: Record<MessageType | 'STATE', { readonly qos: 0 | 1; readonly retain: boolean }> = {
  NBIRTH: { qos: 0, retain: false }, // [tck-id-payloads-nbirth-qos] [tck-id-payloads-nbirth-retain]
  DBIRTH: { qos: 0, retain: false }, // [tck-id-payloads-dbirth-qos] [tck-id-payloads-dbirth-retain]
  NDATA: { qos: 0, retain: false }, // [tck-id-payloads-ndata-qos] [tck-id-payloads-ndata-retain]
  DDATA: { qos: 0, retain: false }, // [tck-id-payloads-ddata-qos] [tck-id-payloads-ddata-retain]
  DDEATH: { qos: 0, retain: false }, // [tck-id-topics-ddeath-mqtt]
  NDEATH: { qos: 1, retain: false }, // [tck-id-payloads-ndeath-will-message-qos] [tck-id-payloads-ndeath-will-message-retain]
  NCMD: { qos: 0, retain: false }, // [tck-id-payloads-ncmd-qos] [tck-id-payloads-ncmd-retain]
  DCMD: { qos: 0, retain: false }, // [tck-id-payloads-dcmd-qos] [tck-id-payloads-dcmd-retain]
  // [tck-id-host-topic-phid-birth-qos] [tck-id-host-topic-phid-birth-retain] [tck-id-host-topic-phid-death-qos] [tck-id-host-topic-phid-death-retain]
  STATE: { qos: 1, retain: true },
};

export class SniffChecker {
  /** Set false when the subscription could not use Retain As Published (MQTT 3.1.1 broker). */
  retainKnown = true;
  private readonly edges = new Map<string, EdgeState>();
  private readonly byType = new Map<string, number>();
  private readonly byKind = new Map<FlagKind, number>();
  private readonly examples: FlagExample[] = [];
  private messages = 0;

  check(wire: WireMessage): SniffRecord {
    const record = this.classify(wire);
    this.messages++;
    const type = record.kind === 'sparkplug' ? record.topic.type : record.kind === 'state' ? 'STATE' : (record.type ?? 'invalid');
    this.byType.set(type, (this.byType.get(type) ?? 0) + 1);
    for (const f of record.flags) {
      const seen = this.byKind.get(f.kind) ?? 0;
      this.byKind.set(f.kind, seen + 1);
      if (seen < EXAMPLES_PER_KIND) this.examples.push({ ...f, topic: wire.topic, receivedAt: wire.receivedAt });
    }
    return record;
  }

  /** The subscriber's own connection dropped: messages may have been missed, so seq counting starts afresh. */
  connectionLost(): void {
    for (const edge of this.edges.values()) edge.seq = undefined;
  }

  summary(): SniffSummary {
    return {
      messages: this.messages,
      byType: Object.fromEntries(this.byType),
      byKind: Object.fromEntries(FLAG_KINDS.flatMap((k) => this.byKind.has(k) ? [[k, this.byKind.get(k) ?? 0] as const] : [])),
      examples: [...this.examples],
      retainChecked: this.retainKnown,
    };
  }

  private classify(wire: WireMessage): SniffRecord {
    let topic: SparkplugTopic;
    try {
      topic = parseTopic(wire.topic);
    } catch (e) {
      return undecodable(wire, undefined, [], e);
    }
    const type = topic.kind === 'state' ? 'STATE' : topic.type;
    const flags = this.mqttFlags(type, wire);
    if (topic.kind === 'state') {
      try {
        const s = decodeState(wire.payload);
        return { kind: 'state', wire, hostId: topic.hostId, online: s.online, timestamp: s.timestamp, flags };
      } catch (e) {
        return undecodable(wire, type, flags, e);
      }
    }
    const edge = this.edge(topic);
    const scope = topic.kind === 'device' ? edge.devices.get(topic.device) : edge.node;
    let payload: DecodedPayload;
    try {
      // Data carries no datatypes: the birth's types decide how values read (sign, width, arrays).
      payload = decodePayload(wire.payload, { resolveType: (m) => (scope === undefined ? undefined : lookup(scope, m)?.type) });
    } catch (e) {
      return undecodable(wire, type, flags, e);
    }
    const metrics = payload.metrics ?? [];
    switch (topic.type) {
      case 'NBIRTH': {
        // [tck-id-topics-nbirth-seq-num] NBIRTH seq is 0; it is the new baseline either way.
        if (payload.seq === undefined) flags.push(flag('seq-invalid', 'NBIRTH without seq'));
        else if (payload.seq !== 0) flags.push(flag('seq-invalid', `NBIRTH seq must be 0, got ${payload.seq}`));
        edge.seq = seqNumber(payload.seq);
        edge.bdSeq = bdSeqOf(payload);
        edge.node = scopeOf(metrics);
        edge.devices.clear(); // every device must be born again after an NBIRTH
        break;
      }
      case 'DBIRTH':
        this.checkSeq(edge, topic.type, payload, flags);
        // [tck-id-payloads-dbirth-order] a DBIRTH follows its node's NBIRTH
        if (!edge.node.born) flags.push(flag('before-birth', `DBIRTH before NBIRTH (${noBirth(edge)})`));
        edge.devices.set(topic.device, scopeOf(metrics));
        break;
      case 'NDATA':
      case 'DDATA':
        this.checkSeq(edge, topic.type, payload, flags);
        // [tck-id-payloads-ndata-order] [tck-id-payloads-ddata-order] no data before the births
        if (!edge.node.born) flags.push(flag('before-birth', `${topic.type} before NBIRTH (${noBirth(edge)})`));
        else if (topic.kind === 'device' && scope?.born !== true) flags.push(flag('before-birth', `DDATA before DBIRTH of ${topic.device}`));
        else if (scope !== undefined) payload = resolveNames(payload, scope, topic.type === 'NDATA' ? 'NBIRTH' : 'DBIRTH', flags);
        break;
      case 'DDEATH':
        this.checkSeq(edge, topic.type, payload, flags);
        if (scope !== undefined) scope.born = false;
        break;
      case 'NDEATH':
        this.onNdeath(edge, payload, flags);
        break;
      case 'NCMD':
      case 'DCMD':
        // Commands carry no seq; they use the aliases of the births they address.
        if (scope?.born === true) payload = resolveNames(payload, scope, topic.type === 'NCMD' ? 'NBIRTH' : 'DBIRTH', flags);
        break;
      default: {
        const unreachable: never = topic;
        return unreachable;
      }
    }
    return { kind: 'sparkplug', wire, topic, payload, flags };
  }

  private edge(topic: EdgeTopic): EdgeState {
    const key = `${topic.group}/${topic.node}`;
    let edge = this.edges.get(key);
    if (edge === undefined) {
      edge = { node: { born: false, byAlias: new Map(), byName: new Map() }, devices: new Map(), bdSeq: undefined, seq: undefined };
      this.edges.set(key, edge);
    }
    return edge;
  }

  private mqttFlags(type: MessageType | 'STATE', wire: WireMessage): Flag[] {
    const rule = MQTT_RULES[type];
    const wrong: string[] = [];
    if (wire.qos !== rule.qos) wrong.push(`QoS ${wire.qos} (must be ${rule.qos})`);
    if (this.retainKnown && wire.retain !== rule.retain) wrong.push(wire.retain ? 'retained (must not be)' : 'not retained (must be)');
    return wrong.length === 0 ? [] : [flag('qos-retain', `${type} ${wrong.join(', ')}`)];
  }

  /**
   * [tck-id-payloads-sequence-num-always-included] [tck-id-payloads-sequence-num-incrementing]
   * One counter per edge node over NBIRTH, DBIRTH, NDATA, DDATA and DDEATH; 255 is followed by 0.
   * Without a baseline (the sniffer started mid-session) the first seq seen becomes one.
   */
  private checkSeq(edge: EdgeState, type: MessageType, payload: DecodedPayload, flags: Flag[]): void {
    const seq = seqNumber(payload.seq);
    if (seq === undefined) {
      flags.push(flag('seq-invalid', payload.seq === undefined ? `${type} without seq` : `seq ${payload.seq} is outside 0..255`));
      edge.seq = undefined;
      return;
    }
    const last = edge.seq;
    edge.seq = seq;
    if (last === undefined) return;
    const expected = (last + 1) % 256;
    if (seq === last) flags.push(flag('seq-repeat', `seq ${seq} repeated`));
    else if (seq !== expected) flags.push(flag('seq-gap', `expected seq ${expected}, got ${seq}`));
  }

  private onNdeath(edge: EdgeState, payload: DecodedPayload, flags: Flag[]): void {
    // [tck-id-payloads-ndeath-seq] an NDEATH is outside the seq counter
    if (payload.seq !== undefined) flags.push(flag('seq-invalid', `NDEATH must not carry seq, got ${payload.seq}`));
    const bdSeq = bdSeqOf(payload);
    if (edge.bdSeq === undefined) return; // no NBIRTH seen: nothing to compare with
    // [tck-id-payloads-ndeath-bdseq] only an NDEATH with the NBIRTH's bdSeq ends the session
    if (bdSeq === undefined || String(bdSeq) !== String(edge.bdSeq)) {
      const got = bdSeq === undefined ? 'no bdSeq' : `bdSeq ${bdSeq}`;
      flags.push(flag('bdseq-mismatch', `NDEATH ${got} does not match the NBIRTH's bdSeq ${edge.bdSeq} (hosts ignore it)`));
      return;
    }
    edge.node.born = false;
    edge.devices.clear();
    edge.seq = undefined;
  }
}

function bdSeqOf(payload: DecodedPayload): Int64 | undefined {
  const value = payload.metrics?.find((m) => m.name === 'bdSeq')?.value;
  return typeof value === 'number' || typeof value === 'bigint' ? value : undefined;
}

function seqNumber(seq: Int64 | undefined): number | undefined {
  return typeof seq === 'number' && seq >= 0 && seq <= 255 ? seq : undefined;
}

function noBirth(edge: EdgeState): string {
  return edge.bdSeq === undefined ? 'no NBIRTH seen' : 'after NDEATH';
}

function lookup(scope: Scope, m: { name?: string; alias?: Int64 }): Declared | undefined {
  return m.name !== undefined ? scope.byName.get(m.name) : m.alias !== undefined ? scope.byAlias.get(String(m.alias)) : undefined;
}

/**
 * Names for alias-only metrics from the birth, and a flag for every metric the birth did not declare.
 * [tck-id-topics-nbirth-metric-reqs] [tck-id-topics-dbirth-metric-reqs]
 */
function resolveNames(payload: DecodedPayload, scope: Scope, birth: 'NBIRTH' | 'DBIRTH', flags: Flag[]): DecodedPayload {
  const metrics = (payload.metrics ?? []).map((m) => {
    const declared = lookup(scope, m);
    if (declared === undefined) {
      const what = m.name !== undefined ? `metric ${JSON.stringify(m.name)}` : m.alias !== undefined ? `alias ${m.alias}` : 'metric without name or alias';
      flags.push(flag('unknown-metric', `${what} not declared in the ${birth}`));
      return m;
    }
    return m.name === undefined ? { ...m, name: declared.name } : m;
  });
  return { ...payload, metrics };
}
