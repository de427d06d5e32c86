/**
 * Child processes of the host benchmark (bench/host.ts), one role each (argv[2]):
 * - `pub`: raw fan-in publishers, one raw MQTT connection per edge node, pre-encoded payloads.
 * - `consumer`: one fan-in contender (`sparkstate` | `tahu` | `count`), CPU measured in-process.
 * - `edges`: simulated edge nodes for the restart scenarios (MQTT.js, Will = NDEATH, re-birth on
 *   every new connection, answer Node Control/Rebirth NCMDs, optional primary host).
 * - `host`: a sparkstate HostApplication built from a YAML config, with completeness tracking.
 */
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { connect as mqttConnect, type MqttClient } from 'mqtt';
import { parseHostConfig } from '../src/config/index.js';
import { createHostApplication, type HostApplication } from '../src/host/index.js';
import { decodePayload } from '../src/payload/index.js';
import { serve } from './host-rpc.js';
import {
  GROUP,
  dbirthBody,
  ddataBody,
  nbirthBody,
  ndeathPayload,
  publishPacket,
  rawConnect,
  topicOf,
  withHeader,
} from './host-wire.js';

const role = process.argv[2] ?? '';
const cfg = JSON.parse(process.argv[3] ?? '{}') as Record<string, unknown>;
const num = (v: unknown, def = 0): number => (typeof v === 'number' ? v : def);
const str = (v: unknown, def = ''): string => (typeof v === 'string' ? v : def);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const port = num(cfg['port']);
const url = `mqtt://127.0.0.1:${port}`;

async function until(cond: () => boolean, timeoutMs: number, stepMs = 5): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) return false;
    await sleep(stepMs);
  }
  return true;
}

function cpuUs(u: NodeJS.CpuUsage): number {
  return u.user + u.system;
}

// ---------------------------------------------------------------- pub

function rolePub(): void {
  const nodes = num(cfg['nodes']);
  const devices = num(cfg['devices']);
  const metrics = num(cfg['metrics']);
  const variants = 4;
  const socks: Socket[] = [];
  const seqs = new Array<number>(nodes).fill(0);
  const bdSeqs = new Array<number>(nodes).fill(0);
  const dbirth = Array.from({ length: devices }, (_, j) => dbirthBody(j, metrics));
  const ddata = Array.from({ length: devices }, (_, j) => Array.from({ length: variants }, (_, v) => ddataBody(j, metrics, 0, metrics, v)));
  const ddataTopic = Array.from({ length: nodes }, (_, i) => Array.from({ length: devices }, (_, j) => topicOf('DDATA', i, j)));
  const drained = async (): Promise<void> => {
    await until(() => socks.every((s) => s.writableLength === 0), 60_000, 1);
  };
  serve({
    connect: async () => {
      for (let i = 0; i < nodes; i++) socks.push(await rawConnect(port, `bench-pub-${i}`));
      return nodes;
    },
    births: async () => {
      const now = Date.now();
      for (let i = 0; i < nodes; i++) {
        const s = socks[i];
        if (s === undefined) continue;
        bdSeqs[i] = ((bdSeqs[i] ?? 0) + 1) % 256;
        s.write(publishPacket(topicOf('NBIRTH', i), withHeader(now, 0, nbirthBody(bdSeqs[i] ?? 0))));
        for (let j = 0; j < devices; j++) s.write(publishPacket(topicOf('DBIRTH', i, j), withHeader(now, j + 1, dbirth[j] ?? new Uint8Array())));
        seqs[i] = devices;
      }
      await drained();
      return nodes * (devices + 1);
    },
    /** `rate` messages/s (each carries `metrics` metrics) for `durationMs`; round-robin over every device. */
    data: async (a) => {
      const rate = num(a['rate']);
      const total = Math.max(1, Math.round((rate * num(a['durationMs'])) / 1000));
      const all = nodes * devices;
      let sent = 0;
      const startAt = Date.now();
      const t0 = performance.now();
      let lastAt = startAt;
      while (sent < total) {
        const due = Math.min(total, Math.floor(((performance.now() - t0) * rate) / 1000) + 1);
        if (due > sent) {
          const ts = Date.now();
          for (const s of socks) s.cork();
          for (; sent < due; sent++) {
            const g = sent % all;
            const i = Math.floor(g / devices);
            const j = g % devices;
            const seq = ((seqs[i] ?? 0) + 1) & 0xff;
            seqs[i] = seq;
            const body = ddata[j]?.[Math.floor(sent / all) % variants] ?? new Uint8Array();
            socks[i]?.write(publishPacket(ddataTopic[i]?.[j] ?? '', withHeader(ts, seq, body)));
          }
          for (const s of socks) s.uncork();
          lastAt = ts;
        }
        await sleep(1);
      }
      await drained();
      return { sent, startAt, lastAt, flushedAt: Date.now() };
    },
  });
}

// ---------------------------------------------------------------- consumer

interface TahuMetric {
  name?: string;
  alias?: unknown;
  type?: string;
  value?: unknown;
  timestamp?: unknown;
}
interface TahuPayload {
  timestamp?: unknown;
  seq?: unknown;
  metrics?: TahuMetric[];
}
interface TahuEntry {
  name: string | undefined;
  type: string | undefined;
  value: unknown;
  timestamp: unknown;
}

function toNum(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'object' && v !== null && 'toNumber' in v && typeof v.toNumber === 'function') return Number(v.toNumber());
  return Number(v);
}

function hostYaml(a: { port: number; maxPerSecond?: number; backoffMs?: number; staleAfterReconnectMs?: number; rebirth?: boolean }): string {
  return [
    'mqtt:',
    `  servers: ["mqtt://127.0.0.1:${a.port}"]`,
    `  backoff: { initialMs: ${a.backoffMs ?? 500}, maxMs: 30000 }`,
    'sparkplug:',
    '  hostId: scada',
    'http:',
    '  port: 0',
    'rebirth:',
    `  enabled: ${a.rebirth === false ? 'false' : 'true'}`,
    // Absent: the host's defaults.
    ...(a.maxPerSecond === undefined ? [] : [`  maxPerSecond: ${a.maxPerSecond}`]),
    ...(a.staleAfterReconnectMs === undefined ? [] : [`  staleAfterReconnectMs: ${a.staleAfterReconnectMs}`]),
    'logLevel: silent',
    '',
  ].join('\n');
}

function roleConsumer(): void {
  const kind = str(cfg['kind']);
  const births = num(cfg['nodes']) * (num(cfg['devices']) + 1);
  const devicesTotal = num(cfg['nodes']) * num(cfg['devices']);
  const require = createRequire(import.meta.url);
  const tahu = (require('sparkplug-payload') as { get(ns: string): { decodePayload(b: Uint8Array): unknown } | null }).get('spBv1.0');
  let host: HostApplication | undefined;
  let client: MqttClient | undefined;
  let count = 0;
  let expected = Number.POSITIVE_INFINITY;
  let cpuBegin = process.cpuUsage();
  let cpuDone: NodeJS.CpuUsage | undefined;
  let doneAt: number | undefined;
  let gapsBegin = 0;
  // baseline model: per edge node, alias → entry; seq per edge node
  const models = new Map<string, Map<number, TahuEntry>>();
  const lastSeq = new Map<string, number>();
  let tahuGaps = 0;
  let tahuUnknown = 0;

  const onCount = (): void => {
    if (++count === expected) {
      doneAt = Date.now();
      cpuDone = process.cpuUsage(cpuBegin);
    }
  };

  const tahuMessage = (topic: string, payload: Buffer): void => {
    const parts = topic.split('/');
    const verb = parts[2] ?? '';
    if (parts[1] === 'STATE' || verb === 'NCMD' || verb === 'DCMD') return;
    const key = `${parts[1] ?? ''}/${parts[3] ?? ''}`;
    const p = (tahu?.decodePayload(payload) ?? {}) as TahuPayload;
    if (verb === 'NDEATH') return;
    const seq = toNum(p.seq);
    let model = models.get(key);
    if (verb === 'NBIRTH' || model === undefined) {
      model = new Map();
      models.set(key, model);
    } else {
      const prev = lastSeq.get(key);
      if (prev === undefined || ((prev + 1) & 0xff) !== seq) tahuGaps++;
    }
    lastSeq.set(key, seq);
    const ms = p.metrics ?? [];
    if (verb === 'NBIRTH' || verb === 'DBIRTH') {
      for (const m of ms) {
        if (m.alias !== undefined) model.set(toNum(m.alias), { name: m.name, type: m.type, value: m.value, timestamp: m.timestamp });
      }
    } else {
      for (const m of ms) {
        const e = model.get(toNum(m.alias));
        if (e === undefined) tahuUnknown++;
        else {
          e.value = m.value;
          e.timestamp = m.timestamp;
        }
      }
    }
    onCount();
  };

  serve({
    connect: async () => {
      count = 0;
      expected = Number.POSITIVE_INFINITY;
      if (kind === 'sparkstate') {
        const h = createHostApplication(await parseHostConfig(hostYaml({ port })));
        host = h;
        await h.start();
        h.options.transport.on('message', onCount);
        if (!(await until(() => h.state === 'online', 10_000))) throw new Error('host not online');
      } else {
        const c = mqttConnect(url, { clean: true, reconnectPeriod: 0, clientId: `bench-${kind}-${process.pid}` });
        client = c;
        await new Promise<void>((resolve, reject) => {
          c.once('connect', () => resolve());
          c.once('error', reject);
        });
        if (kind === 'tahu') c.on('message', tahuMessage);
        else c.on('message', onCount);
        await c.subscribeAsync('spBv1.0/#', { qos: 0 });
      }
      return true;
    },
    ready: async () => {
      const h = host;
      const ok = await until(() => (h !== undefined ? h.stats().devicesOnline === devicesTotal : count >= births), 30_000);
      await sleep(50);
      return ok;
    },
    begin: (a) => {
      count = 0;
      expected = num(a['expected']);
      doneAt = undefined;
      cpuDone = undefined;
      gapsBegin = host !== undefined ? host.counters.gaps : tahuGaps;
      cpuBegin = process.cpuUsage();
      return true;
    },
    end: async (a) => {
      const deadline = num(a['deadline']);
      await until(() => count >= expected || Date.now() > deadline, 120_000, 2);
      const cpu = cpuDone ?? process.cpuUsage(cpuBegin);
      const gaps = host !== undefined ? host.counters.gaps - gapsBegin : kind === 'tahu' ? tahuGaps - gapsBegin : 0;
      return {
        received: count,
        doneAt: doneAt ?? null,
        cpuUs: cpuUs(cpu),
        gaps,
        unknown: tahuUnknown,
        rebirths: host?.counters.rebirthsRequested ?? 0,
        maxRssKb: process.resourceUsage().maxRSS,
      };
    },
    disconnect: async () => {
      await host?.stop();
      host = undefined;
      await client?.endAsync();
      client = undefined;
      return true;
    },
  });
}

// ---------------------------------------------------------------- edges

interface EdgeStats {
  connects: number;
  births: number;
  rebirthNcmds: number;
  dataMsgs: number;
}

class SimEdge {
  private bdSeq = 0;
  private seq = 0;
  private client: MqttClient | undefined;
  private born = false;
  private failures = 0;
  private stopped = false;
  private lastStateTs = -1;
  private birthStateTs: number | undefined;
  private nextDevice = 0;
  private variant = 0;

  constructor(
    private readonly i: number,
    private readonly o: {
      devices: number;
      dbirth: Uint8Array[];
      ddata: Uint8Array[][];
      primaryHostId: string | undefined;
      /** An older edge or a gateway: after its first birth it reconnects without one and goes on sending data. */
      birthOnlyWhenAsked: boolean;
      backoffMs: number;
      stats: EdgeStats;
    },
  ) {}

  get connected(): boolean {
    return this.client?.connected === true;
  }
  get isBorn(): boolean {
    return this.born;
  }

  connect(): void {
    if (this.stopped) return;
    const bdSeq = this.bdSeq;
    const c = mqttConnect(url, {
      clientId: `bench-edge-${GROUP}-${this.i}`,
      clean: true,
      reconnectPeriod: 0,
      keepalive: 30,
      connectTimeout: 5000,
      will: { topic: topicOf('NDEATH', this.i), payload: Buffer.from(ndeathPayload(bdSeq)), qos: 1, retain: false },
    });
    this.client = c;
    const keepsSession = this.o.birthOnlyWhenAsked && this.born;
    this.born = keepsSession;
    this.birthStateTs = undefined;
    c.on('error', () => undefined);
    c.on('connect', () => {
      this.failures = 0;
      this.o.stats.connects++;
      const subs: Record<string, { qos: 0 | 1 }> = { [topicOf('NCMD', this.i)]: { qos: 1 } };
      if (this.o.primaryHostId !== undefined) subs[`spBv1.0/STATE/${this.o.primaryHostId}`] = { qos: 1 };
      c.subscribe(subs, () => {
        if (this.o.primaryHostId === undefined && !keepsSession) this.birth();
      });
    });
    c.on('message', (topic, payload) => this.onMessage(topic, payload));
    c.on('close', () => {
      if (this.client !== c) return;
      c.removeAllListeners('close');
      c.end(true);
      this.client = undefined;
      if (!this.o.birthOnlyWhenAsked) this.born = false;
      if (this.stopped) return;
      this.bdSeq = (bdSeq + 1) % 256;
      const cap = Math.min(30_000, this.o.backoffMs * 2 ** this.failures++);
      setTimeout(() => this.connect(), Math.random() * cap);
    });
  }

  private onMessage(topic: string, payload: Buffer): void {
    if (topic.startsWith('spBv1.0/STATE/')) {
      let s: { online?: unknown; timestamp?: unknown };
      try {
        s = JSON.parse(payload.toString('utf8')) as { online?: unknown; timestamp?: unknown };
      } catch {
        return;
      }
      const ts = num(s.timestamp, -1);
      if (ts < this.lastStateTs) return;
      this.lastStateTs = ts;
      if (s.online === true) {
        if (this.birthStateTs !== ts) {
          this.birthStateTs = ts;
          this.birth();
        }
      } else {
        this.born = false; // waits for the host's next online STATE
      }
      return;
    }
    try {
      const p = decodePayload(payload);
      if (p.metrics?.some((m) => m.name === 'Node Control/Rebirth' && m.value === true) === true) {
        this.o.stats.rebirthNcmds++;
        this.birth();
      }
    } catch {
      // not ours
    }
  }

  birth(): void {
    const c = this.client;
    if (c === undefined || !c.connected) return;
    const now = Date.now();
    c.publish(topicOf('NBIRTH', this.i), withHeader(now, 0, nbirthBody(this.bdSeq)), { qos: 0 });
    for (let j = 0; j < this.o.devices; j++) {
      c.publish(topicOf('DBIRTH', this.i, j), withHeader(now, j + 1, this.o.dbirth[j] ?? new Uint8Array()), { qos: 0 });
    }
    this.seq = this.o.devices;
    this.born = true;
    this.o.stats.births++;
  }

  data(): void {
    const c = this.client;
    if (!this.born || c === undefined || !c.connected) return;
    const j = this.nextDevice;
    this.nextDevice = (j + 1) % this.o.devices;
    if (j === 0) this.variant = (this.variant + 1) % 2;
    this.seq = (this.seq + 1) & 0xff;
    c.publish(topicOf('DDATA', this.i, j), withHeader(Date.now(), this.seq, this.o.ddata[j]?.[this.variant] ?? new Uint8Array()), { qos: 0 });
    this.o.stats.dataMsgs++;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.client?.endAsync(true);
  }
}

function roleEdges(): void {
  const from = num(cfg['nodeFrom']);
  const to = num(cfg['nodeTo']);
  const devices = num(cfg['devices']);
  const metrics = num(cfg['metrics']);
  const dataMetrics = num(cfg['dataMetrics'], 10);
  const dataEveryMs = num(cfg['dataEveryMs'], 1000);
  const primary = cfg['primaryHostId'];
  const stats: EdgeStats = { connects: 0, births: 0, rebirthNcmds: 0, dataMsgs: 0 };
  const plant = cfg['plant'] === true;
  // Descriptions unique per node and device: every birth is its own bytes (encoded once, up front).
  const unique = cfg['uniqueDescriptions'] === true;
  const shared = Array.from({ length: devices }, (_, j) => dbirthBody(j, metrics, plant));
  const dbirthOf = (i: number): Uint8Array[] => (unique ? Array.from({ length: devices }, (_, j) => dbirthBody(j, metrics, plant, `N${i}/D${j} `)) : shared);
  const ddata = Array.from({ length: devices }, (_, j) => [0, 1].map((v) => ddataBody(j, metrics, v * dataMetrics, dataMetrics, v, plant)));
  const edges: SimEdge[] = [];
  for (let i = from; i < to; i++) {
    edges.push(
      new SimEdge(i, {
        devices,
        dbirth: dbirthOf(i),
        ddata,
        primaryHostId: typeof primary === 'string' ? primary : undefined,
        birthOnlyWhenAsked: cfg['birthOnlyWhenAsked'] === true,
        backoffMs: num(cfg['backoffMs'], 500),
        stats,
      }),
    );
  }
  // Each node publishes one DDATA (one device, `dataMetrics` metrics) every dataEveryMs, spread evenly.
  let tick = 0;
  const slices = 10;
  let timer: NodeJS.Timeout | undefined;
  serve({
    start: async () => {
      for (const e of edges) e.connect();
      const ok = await until(() => edges.every((e) => e.connected), 30_000, 10);
      timer = setInterval(() => {
        const slice = tick++ % slices;
        for (let k = slice; k < edges.length; k += slices) edges[k]?.data();
      }, dataEveryMs / slices);
      return ok;
    },
    stats: () => ({ ...stats, connected: edges.filter((e) => e.connected).length, born: edges.filter((e) => e.isBorn).length }),
    stop: async () => {
      clearInterval(timer);
      await Promise.all(edges.map((e) => e.stop()));
      return true;
    },
  });
}

// ---------------------------------------------------------------- host

function roleHost(): void {
  const nodes = num(cfg['nodes']);
  const devices = nodes * num(cfg['devices']);
  const metrics = devices * num(cfg['metrics']) + nodes * 2;
  const gc = (): void => {
    const g = (globalThis as { gc?: () => void }).gc;
    if (g !== undefined) {
      g();
      g();
    }
  };
  let host: HostApplication | undefined;
  const bornNodes = new Set<string>();
  const bornDevices = new Set<string>();
  const requestedSinceMark = new Set<string>();
  const bornThisSession = new Set<string>();
  const rebirthTimes: number[] = [];
  let redundant = 0;
  let duplicates = 0;
  let markAt = 0;
  const mark = (): void => {
    bornNodes.clear();
    bornDevices.clear();
    requestedSinceMark.clear();
    rebirthTimes.length = 0;
    redundant = 0;
    duplicates = 0;
    markAt = Date.now();
  };
  serve({
    start: async () => {
      gc();
      const before = process.memoryUsage();
      mark();
      const h = createHostApplication(
        await parseHostConfig(
          hostYaml({
            port,
            backoffMs: num(cfg['backoffMs'], 500),
            ...(cfg['maxPerSecond'] === undefined ? {} : { maxPerSecond: num(cfg['maxPerSecond']) }),
            ...(cfg['staleAfterReconnectMs'] === undefined ? {} : { staleAfterReconnectMs: num(cfg['staleAfterReconnectMs']) }),
          }),
        ),
      );
      host = h;
      h.on('stateChanged', (_from, to) => {
        if (to === 'connecting') bornThisSession.clear();
      });
      h.on('nodeBirth', (n) => {
        bornNodes.add(n.node);
        bornThisSession.add(n.node);
      });
      h.on('deviceBirth', (d) => bornDevices.add(`${d.node}/${d.device}`));
      h.on('rebirthRequested', (r) => {
        rebirthTimes.push(performance.now());
        if (bornThisSession.has(r.node)) redundant++;
        if (requestedSinceMark.has(r.node)) duplicates++;
        requestedSinceMark.add(r.node);
      });
      const startAt = Date.now();
      await h.start();
      return { rssBefore: before.rss, heapBefore: before.heapUsed, startAt };
    },
    mark: () => {
      mark();
      return markAt;
    },
    waitComplete: async (a) => {
      const h = host;
      if (h === undefined) throw new Error('not started');
      const complete = (): boolean => {
        if (bornNodes.size < nodes || bornDevices.size < devices || h.state !== 'online') return false;
        const s = h.stats();
        return s.nodesOnline === nodes && s.devicesOnline === devices && s.staleMetrics === 0 && s.metrics === metrics;
      };
      const ok = await until(complete, num(a['timeoutMs'], 60_000), 5);
      const doneAt = Date.now();
      // Rebirth rate: the most requests in any 1 s window, and the smallest gap between two.
      const t = rebirthTimes;
      let maxIn1s = 0;
      let minGapMs = Number.POSITIVE_INFINITY;
      for (let i = 0, j = 0; i < t.length; i++) {
        while ((t[i] ?? 0) - (t[j] ?? 0) >= 1000) j++;
        maxIn1s = Math.max(maxIn1s, i - j + 1);
        if (i > 0) minGapMs = Math.min(minGapMs, (t[i] ?? 0) - (t[i - 1] ?? 0));
      }
      const stats = h.stats();
      gc();
      const after = process.memoryUsage();
      return {
        ok,
        doneAt,
        markAt,
        stats,
        rebirths: t.length,
        redundant,
        duplicates,
        maxIn1s,
        minGapMs: Number.isFinite(minGapMs) ? minGapMs : null,
        rssAfter: after.rss,
        heapAfter: after.heapUsed,
        maxRssKb: process.resourceUsage().maxRSS,
        cpuUs: cpuUs(process.cpuUsage()),
      };
    },
    stop: async () => {
      await host?.stop();
      return true;
    },
  });
}

switch (role) {
  case 'pub':
    rolePub();
    break;
  case 'consumer':
    roleConsumer();
    break;
  case 'edges':
    roleEdges();
    break;
  case 'host':
    roleHost();
    break;
  default:
    process.stderr.write(`host-child: unknown role ${role}\n`);
    process.exit(2);
}
