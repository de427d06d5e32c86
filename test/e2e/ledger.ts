/**
 * An independent account of what the edge nodes said on the wire: a plain MQTT.js subscriber
 * (test/helpers/observer.ts) whose payloads are decoded by protobufjs from proto/sparkplug_b.proto,
 * never by our codec. (Tahu's decoder cannot read data messages without datatypes.)
 * It answers the suite's questions: which samples of each counter arrived (live or historical), how
 * many are missing or came twice, what each metric's latest value is, and how many rebirth requests
 * each node got.
 */
import { startObserver, type ObservedMessage, type Observer } from '../helpers/observer.js';
import { PayloadType } from '../payload/proto-schema.js';

/** A metric as protobufjs gives it (snake_case fields of the .proto; 64-bit as decimal strings). */
interface WireMetric {
  name?: string;
  alias?: string;
  is_historical?: boolean;
  timestamp?: string;
  int_value?: number;
  long_value?: string;
  float_value?: number;
  double_value?: number;
  boolean_value?: boolean;
  string_value?: string;
}

const VALUE_FIELDS = ['int_value', 'long_value', 'float_value', 'double_value', 'boolean_value', 'string_value'] as const;

function decodeMetrics(bytes: Uint8Array): WireMetric[] {
  const o = PayloadType.toObject(PayloadType.decode(bytes), { longs: String }) as { metrics?: WireMetric[] };
  return o.metrics ?? [];
}

/** The value field that is present (the type is in the birth; the value field alone tells it here). */
function valueOf(m: WireMetric): number | boolean | string | null {
  for (const f of VALUE_FIELDS) {
    const v = m[f];
    if (v !== undefined) return f === 'long_value' ? Number(v) : v;
  }
  return null;
}

export interface Sample {
  readonly value: number | boolean | string | null;
  readonly historical: boolean;
  readonly inBirth: boolean;
  readonly receivedAt: number;
  /** The metric's own timestamp (when it was sampled), if it has one. */
  readonly timestamp?: number;
}

interface NodeAccount {
  /** alias → "device/name" ('' device for node metrics), from the node's latest births. */
  readonly aliases: Map<string, string>;
  readonly bdSeqs: number[];
  /** true after an NDEATH whose bdSeq matches the latest NBIRTH. */
  dead: boolean;
  deaths: number;
  /** Messages the node published (births, data, deaths; not the commands it got). */
  messages: number;
  rebirthRequests: number;
  /** When each rebirth request arrived (ms). */
  readonly rebirthRequestTimes: number[];
  /** device → online */
  readonly devices: Map<string, boolean>;
}

export interface CounterReport {
  readonly first: number;
  readonly last: number;
  /** Values in [first, last] that never arrived. */
  readonly lost: number;
  /** Live data samples (not births, which restate the current value) that arrived more than once. */
  readonly duplicates: number;
  /**
   * Historical copies of samples that had arrived live: the edge's resend window re-sends what may
   * have died in flight; consumers keyed by (metric, timestamp) absorb them.
   */
  readonly resent: number;
  readonly historical: number;
  /** Historical samples that arrived after a larger historical one (replay out of order). */
  readonly outOfOrder: number;
}

const metricKey = (node: string, device: string, name: string): string => `${node}/${device}/${name}`;

export class Ledger {
  private readonly nodes = new Map<string, NodeAccount>();
  private readonly samples = new Map<string, Sample[]>();
  /** Messages of each observer already taken into the account. */
  private readonly processed: number[];

  /** One observer per broker URL: several brokers (not bridged) each carry part of the traffic. */
  private constructor(
    private readonly urls: string[],
    private readonly observers: Observer[],
  ) {
    this.processed = observers.map(() => 0);
  }

  /** Subscribes to everything Sparkplug on `url`, or on each of several brokers. */
  static async start(url: string | readonly string[]): Promise<Ledger> {
    const urls = typeof url === 'string' ? [url] : [...url];
    return new Ledger(urls, await Promise.all(urls.map((u) => startObserver(u, { topics: ['spBv1.0/#'] }))));
  }

  /**
   * After a broker restart: a new subscription, continuing the account. Call it before the
   * publishers are let back in, or the ledger misses what they say first. With several brokers,
   * `url` names the one that restarted.
   */
  async reconnect(url: string): Promise<void> {
    this.sync();
    const i = this.urls.length === 1 ? 0 : this.urls.indexOf(url);
    if (i < 0) throw new Error(`ledger: ${url} is none of its brokers`);
    await (this.observers[i] as Observer).close();
    this.observers[i] = await startObserver(url, { topics: ['spBv1.0/#'] });
    this.urls[i] = url;
    this.processed[i] = 0;
  }

  /** How many Sparkplug messages the observer of broker `url` has seen (since its last reconnect). */
  messagesOn(url: string): number {
    const o = this.observers[this.urls.indexOf(url)];
    if (o === undefined) throw new Error(`ledger: ${url} is none of its brokers`);
    return o.messages.filter((m) => !m.topic.startsWith('spBv1.0/STATE/')).length;
  }

  /** Reads what the observers recorded since the last call, in the order it arrived. */
  private sync(): void {
    const fresh: ObservedMessage[] = [];
    this.observers.forEach((o, i) => {
      const all = o.messages;
      for (let k = this.processed[i] ?? 0; k < all.length; k++) fresh.push(all[k] as ObservedMessage);
      this.processed[i] = all.length;
    });
    if (this.observers.length > 1) fresh.sort((a, b) => a.receivedAt - b.receivedAt);
    for (const m of fresh) this.take(m);
  }

  private account(node: string): NodeAccount {
    let a = this.nodes.get(node);
    if (a === undefined) {
      a = { aliases: new Map(), bdSeqs: [], dead: false, deaths: 0, messages: 0, rebirthRequests: 0, rebirthRequestTimes: [], devices: new Map() };
      this.nodes.set(node, a);
    }
    return a;
  }

  private take(m: ObservedMessage): void {
    const [ns, , verb, node, device = ''] = m.topic.split('/');
    if (ns !== 'spBv1.0' || node === undefined || verb === 'STATE' || verb === undefined) return;
    const metrics = decodeMetrics(m.payload);
    const a = this.account(node);
    if (verb !== 'NCMD' && verb !== 'DCMD') a.messages++;
    switch (verb) {
      case 'NCMD':
        if (metrics.some((x) => x.name === 'Node Control/Rebirth' && x.boolean_value === true)) {
          a.rebirthRequests++;
          a.rebirthRequestTimes.push(m.receivedAt);
        }
        return;
      case 'DCMD':
        return;
      case 'NDEATH': {
        const bdSeq = metrics.find((x) => x.name === 'bdSeq');
        if (bdSeq !== undefined && Number(valueOf(bdSeq)) === a.bdSeqs.at(-1)) {
          a.dead = true;
          a.deaths++;
        }
        return;
      }
      case 'DDEATH':
        a.devices.set(device, false);
        return;
      case 'NBIRTH': {
        a.dead = false;
        a.aliases.clear();
        a.devices.clear();
        const bdSeq = metrics.find((x) => x.name === 'bdSeq');
        if (bdSeq !== undefined) a.bdSeqs.push(Number(valueOf(bdSeq)));
        break;
      }
      case 'DBIRTH':
        a.devices.set(device, true);
        break;
      default:
        break;
    }
    const birth = verb === 'NBIRTH' || verb === 'DBIRTH';
    for (const metric of metrics) {
      const alias = metric.alias;
      let name = metric.name;
      if (birth && name !== undefined && alias !== undefined) a.aliases.set(alias, `${device}/${name}`);
      if (name === undefined && alias !== undefined) name = a.aliases.get(alias)?.slice(device.length + 1);
      if (name === undefined) throw new Error(`${m.topic}: alias ${String(alias)} never born`);
      const key = metricKey(node, device, name);
      let list = this.samples.get(key);
      if (list === undefined) this.samples.set(key, (list = []));
      list.push({ value: valueOf(metric), historical: metric.is_historical === true, inBirth: birth, receivedAt: m.receivedAt, ...(metric.timestamp === undefined ? {} : { timestamp: Number(metric.timestamp) }) });
    }
  }

  /** Every node seen on the wire, with its last bdSeq and whether its latest birth has died. */
  nodeIds(): string[] {
    this.sync();
    return [...this.nodes.keys()];
  }

  node(node: string): Readonly<NodeAccount> {
    this.sync();
    return this.account(node);
  }

  /** Samples of one metric, in arrival order. `device` '' for node metrics. */
  samplesOf(node: string, device: string, name: string): readonly Sample[] {
    this.sync();
    return this.samples.get(metricKey(node, device, name)) ?? [];
  }

  /** Metric names (with their device) the node's latest births declared. */
  bornMetrics(node: string): { device: string; name: string }[] {
    this.sync();
    const out = new Map<string, { device: string; name: string }>();
    for (const key of this.samples.keys()) {
      const [n, device = '', ...rest] = key.split('/');
      if (n === node) out.set(key, { device, name: rest.join('/') });
    }
    return [...out.values()];
  }

  /** Accounting of one counter's samples with a value ≥ `from` (a restarted edge starts its counters anew). */
  counter(node: string, device: string, name: string, from = 0, upTo = Number.POSITIVE_INFINITY): CounterReport {
    const samples = this.samplesOf(node, device, name)
      .map((s) => ({ ...s, n: Number(s.value) }))
      .filter((s) => s.n >= from && s.n <= upTo);
    if (samples.length === 0) throw new Error(`no samples of ${metricKey(node, device, name)} ≥ ${from}`);
    const seen = new Set<number>();
    let duplicates = 0;
    let resent = 0;
    let historical = 0;
    let outOfOrder = 0;
    let lastHistorical = Number.NEGATIVE_INFINITY;
    for (const s of samples) {
      if (seen.has(s.n) && s.historical) resent++;
      else if (seen.has(s.n) && !s.inBirth) duplicates++;
      seen.add(s.n);
      if (s.historical) {
        historical++;
        if (s.n < lastHistorical) outOfOrder++;
        lastHistorical = s.n;
      }
    }
    const first = Math.min(...seen);
    const last = Math.max(...seen);
    return { first, last, lost: last - first + 1 - seen.size, duplicates, resent, historical, outOfOrder };
  }

  /** Rebirth requests the wire carried, all nodes. */
  rebirthRequests(): number {
    this.sync();
    let n = 0;
    for (const a of this.nodes.values()) n += a.rebirthRequests;
    return n;
  }

  /** Arrival times of every rebirth request on the wire, all nodes, oldest first. */
  rebirthRequestTimes(): number[] {
    this.sync();
    return [...this.nodes.values()].flatMap((a) => a.rebirthRequestTimes).sort((x, y) => x - y);
  }

  async close(): Promise<void> {
    await Promise.all(this.observers.map((o) => o.close()));
  }
}
