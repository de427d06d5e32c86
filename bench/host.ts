/**
 * Host application benchmarks (issue 4, "Speed"), each beside its baseline in one run, against a
 * private Mosquitto (never the machine's broker on 1883). Every role is its own forked process
 * (bench/host-child.ts), so CPU time and peak RSS are the contender's own.
 *
 * 1. Fan-in: 100 nodes × 10 devices × 100 metrics. Raw publishers (one raw MQTT connection per
 *    node, pre-encoded payloads, NBIRTH/DBIRTH first, then alias-only DDATA without datatype, seq
 *    correct per node, payload timestamp = send time). Contenders, one at a time in their own
 *    process: sparkstate HostApplication; MQTT.js + Tahu decodePayload + Map by alias; MQTT.js
 *    subscriber that only counts. The rate is raised level by level (each level is one run per
 *    contender still passing, which doubles as the warm-up) until messages are lost, a seq gap is
 *    seen or lag > 1 s (lag = time the consumer has the last message − time the publisher's last
 *    byte left its socket); then 5 interleaved runs per contender at its highest passing level.
 *    Per core = metrics processed ÷ consumer CPU seconds (user + system) = metrics/s ÷ cores used.
 * 2. Broker restart: 100 simulated edge nodes (MQTT.js, one connection each, Will = NDEATH, re-birth
 *    on every connection once the primary host's STATE is online, as our EdgeNode with
 *    primaryHostId does; backoff full jitter 500 ms × 2^n like the transport's default), a
 *    sparkstate host in its own process. Mosquitto kill -9 + restart on the same port; time from
 *    the broker accepting connections to a complete, non-stale model. Warm-up + 5 runs.
 * 3. Host restart (issue 17): 1,000 nodes × 2 devices × 500 metrics = 1,000,000 metrics of mixed
 *    datatypes, every one born with properties (engUnit, engLow, engHigh, Description); edges in 2
 *    processes, no primary host: they re-birth only when asked; each sends one small DDATA every
 *    500 ms so the host learns of them. The host process is killed (SIGKILL) and a new one
 *    started; time from start() to a complete model, rebirth pacing checked against maxPerSecond,
 *    and the host's whole-process RSS after GC ÷ metrics held (the goal's measure; the growth
 *    since before start() is shown beside it). Warm-up (first host) + 5 restarts.
 *
 * Env: HOST_SCENARIOS ("fanin,broker,restart"), HOST_RUNS (5), HOST_RUN_MS (2000, fan-in run),
 * HOST_LEVELS (fan-in metrics/s list), HOST_MAX_PER_SECOND (500, host restart),
 * HOST_RESTART_NODES (1000; 2 devices × 500 metrics each), HOST_UNIQUE_DESCRIPTIONS=1 (host restart:
 * every description names its node and device, so no two metrics have equal property sets), HOST_BACKOFF_MS
 * (500), HOST_NODE_FLAGS (extra node flags for the restarted host, e.g. --max-semi-space-size=64), HOST_CPU_PROF=<dir>: V8 profiles of the sparkstate fan-in consumer and of the last
 * restarted host (summarise with `node build/bench/edge-profile.js <file>`).
 */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { startMosquitto, type Broker } from '../test/helpers/mosquitto.js';
import { Proc, killAllChildren } from './host-rpc.js';
import { envInt, fmt, median, printTable } from './report.js';

const RUNS = envInt('HOST_RUNS', 5);
const BACKOFF_MS = envInt('HOST_BACKOFF_MS', 500);
const PROF_DIR = process.env['HOST_CPU_PROF'];
function profArgs(name: string): string[] {
  if (PROF_DIR === undefined || PROF_DIR === '') return [];
  const dir = resolve(PROF_DIR);
  mkdirSync(dir, { recursive: true });
  return ['--cpu-prof', '--cpu-prof-dir', dir, '--cpu-prof-name', `host-${name}-${Date.now()}.cpuprofile`];
}

// ------------------------------------------------------------------ fan-in

type Kind = 'sparkstate' | 'tahu' | 'count';
const KINDS: readonly Kind[] = ['sparkstate', 'tahu', 'count'];
const LABEL: Record<Kind, string> = {
  sparkstate: 'sparkstate HostApplication',
  tahu: 'MQTT.js + Tahu decode + Map',
  count: 'MQTT.js count only (ceiling)',
};

interface ConsumerEnd {
  received: number;
  doneAt: number | null;
  cpuUs: number;
  gaps: number;
  unknown: number;
  rebirths: number;
  maxRssKb: number;
}
interface PubData {
  sent: number;
  startAt: number;
  lastAt: number;
  flushedAt: number;
}
interface FanSample {
  ok: boolean;
  why: string;
  wallRate: number;
  perCore: number;
  cpuPct: number;
  lagMs: number;
  pubRate: number;
  maxRssMb: number;
}

async function fanIn(broker: Broker): Promise<void> {
  const shape = { nodes: 100, devices: 10, metrics: 100 };
  const runMs = envInt('HOST_RUN_MS', 2000);
  const levels = (process.env['HOST_LEVELS'] ?? '100000,200000,400000,700000,1000000,1500000,2000000,3000000,4000000')
    .split(',')
    .map(Number)
    .filter((n) => n > 0);
  process.stdout.write(
    `\nFan-in: ${shape.nodes} nodes × ${shape.devices} devices × ${shape.metrics} metrics (DDATA = 100 metrics by alias, no datatype), ` +
      `QoS 0, ${runMs} ms per run; pass = all messages, no seq gap, lag ≤ 1 s\n`,
  );
  const pub = new Proc('pub', { port: broker.port, ...shape });
  await pub.call('connect');
  const consumers = new Map<Kind, Proc>();
  for (const k of KINDS) consumers.set(k, new Proc('consumer', { port: broker.port, kind: k, ...shape }, k === 'sparkstate' ? profArgs('fanin') : []));

  const run = async (kind: Kind, rateMetrics: number): Promise<FanSample> => {
    const c = consumers.get(kind);
    if (c === undefined) throw new Error(kind);
    await c.call('connect');
    await pub.call('births');
    if (!(await c.call<boolean>('ready'))) throw new Error(`${kind}: births not all received`);
    const rateMsgs = rateMetrics / shape.metrics;
    const n = Math.max(1, Math.round((rateMsgs * runMs) / 1000));
    await c.call('begin', { expected: n });
    const p = await pub.call<PubData>('data', { rate: rateMsgs, durationMs: runMs });
    const r = await c.call<ConsumerEnd>('end', { deadline: p.flushedAt + 1500 });
    await c.call('disconnect');
    const lagMs = r.doneAt === null ? Number.POSITIVE_INFINITY : Math.max(0, r.doneAt - p.flushedAt);
    const wallMs = (r.doneAt ?? p.flushedAt + 1500) - p.startAt;
    const metricsDone = r.received * shape.metrics;
    const why =
      r.received < n ? `lost ${n - r.received} msgs` : r.gaps > 0 ? `${r.gaps} seq gaps` : lagMs > 1000 ? `lag ${lagMs} ms` : '';
    return {
      ok: why === '',
      why,
      wallRate: (metricsDone * 1000) / wallMs,
      perCore: r.cpuUs > 0 ? metricsDone / (r.cpuUs / 1e6) : 0,
      cpuPct: r.cpuUs / (wallMs * 10),
      lagMs,
      pubRate: (p.sent * shape.metrics * 1000) / Math.max(1, p.flushedAt - p.startAt),
      maxRssMb: r.maxRssKb / 1024,
    };
  };

  // Ramp (also the warm-up).
  const best = new Map<Kind, number>();
  const alive = new Set<Kind>(KINDS);
  const rampRows: string[][] = [['target metrics/s', ...KINDS.map((k) => `${k}: result, metrics/s per core, CPU, lag`), 'publisher']];
  for (const level of levels) {
    if (alive.size === 0) break;
    const row = [fmt(level)];
    let pubRate = Number.POSITIVE_INFINITY;
    for (const k of KINDS) {
      if (!alive.has(k)) {
        row.push('');
        continue;
      }
      const s = await run(k, level);
      pubRate = Math.min(pubRate, s.pubRate);
      row.push(`${s.ok ? 'ok' : `FAIL (${s.why})`}, ${fmt(s.perCore)}, ${s.cpuPct.toFixed(0)}%, ${Number.isFinite(s.lagMs) ? s.lagMs : '∞'} ms`);
      if (s.ok) best.set(k, level);
      else alive.delete(k);
    }
    row.push(fmt(pubRate));
    rampRows.push(row);
    if (pubRate < level * 0.9) {
      process.stdout.write(`(publisher reached only ${fmt(pubRate)} metrics/s at target ${fmt(level)}: machine-bound, ramp stopped)\n`);
      break;
    }
  }
  printTable(rampRows, 1);

  // Measured runs at each contender's highest passing level, interleaved, rotated order.
  const samples = new Map<Kind, FanSample[]>(KINDS.map((k) => [k, []]));
  for (let r = 0; r < RUNS; r++) {
    for (let i = 0; i < KINDS.length; i++) {
      const k = KINDS[(i + r) % KINDS.length] ?? 'count';
      const level = best.get(k);
      if (level !== undefined) samples.get(k)?.push(await run(k, level));
    }
  }
  const perCore = (k: Kind): number => median((samples.get(k) ?? []).map((s) => s.perCore));
  process.stdout.write(`\nFan-in, median of ${RUNS} runs at each contender's highest passing level (after the ramp as warm-up):\n`);
  const rows: string[][] = [['contender', 'level metrics/s', 'metrics/s (wall)', 'metrics/s per core', 'consumer CPU', 'lag ms', 'runs ok', 'peak RSS MB', 'per core vs sparkstate']];
  for (const k of KINDS) {
    const ss = samples.get(k) ?? [];
    rows.push([
      LABEL[k],
      fmt(best.get(k) ?? Number.NaN),
      fmt(median(ss.map((s) => s.wallRate))),
      fmt(perCore(k)),
      `${median(ss.map((s) => s.cpuPct)).toFixed(0)}%`,
      median(ss.map((s) => s.lagMs)).toFixed(0),
      `${ss.filter((s) => s.ok).length}/${ss.length}`,
      Math.max(0, ...ss.map((s) => s.maxRssMb)).toFixed(0),
      k === 'sparkstate' ? '1.00x' : `${(perCore('sparkstate') / perCore(k)).toFixed(2)}x`,
    ]);
  }
  printTable(rows, 1);
  const vsTahu = perCore('sparkstate') / perCore('tahu');
  const vsCount = perCore('sparkstate') / perCore('count');
  process.stdout.write(
    `goal per core: ≥ 4x baseline → ${vsTahu.toFixed(2)}x ${vsTahu >= 4 ? 'MET' : 'NOT MET'}; ` +
      `≥ 80% of count-only → ${(vsCount * 100).toFixed(0)}% ${vsCount >= 0.8 ? 'MET' : 'NOT MET'}\n`,
  );
  await pub.kill();
  for (const c of consumers.values()) await c.call('disconnect').catch(() => undefined);
  for (const c of consumers.values()) {
    c.child.disconnect();
    await Promise.race([c.exit, new Promise((r) => setTimeout(r, 5000))]);
    await c.kill();
  }
}

// ------------------------------------------------------------------ restarts

interface HostStart {
  rssBefore: number;
  heapBefore: number;
  startAt: number;
}
interface HostDone {
  ok: boolean;
  doneAt: number;
  markAt: number;
  stats: { nodesOnline: number; devicesOnline: number; metrics: number; staleMetrics: number };
  rebirths: number;
  redundant: number;
  duplicates: number;
  maxIn1s: number;
  minGapMs: number | null;
  rssAfter: number;
  heapAfter: number;
  maxRssKb: number;
  cpuUs: number;
}
interface EdgeStats {
  connects: number;
  births: number;
  rebirthNcmds: number;
  dataMsgs: number;
  connected: number;
  born: number;
}

async function sumStats(edges: Proc[]): Promise<EdgeStats> {
  const all = await Promise.all(edges.map((e) => e.call<EdgeStats>('stats')));
  const out: EdgeStats = { connects: 0, births: 0, rebirthNcmds: 0, dataMsgs: 0, connected: 0, born: 0 };
  for (const s of all) {
    out.connects += s.connects;
    out.births += s.births;
    out.rebirthNcmds += s.rebirthNcmds;
    out.dataMsgs += s.dataMsgs;
    out.connected += s.connected;
    out.born += s.born;
  }
  return out;
}

async function brokerRestart(broker: Broker): Promise<void> {
  const shape = { nodes: 100, devices: 10, metrics: 100 };
  // Issue #18: some nodes re-birth only when asked (older edges, gateways): after the restart they
  // reconnect and go on sending data without a birth.
  const askOnly = envInt('HOST_ASK_ONLY_NODES', 20);
  const conformant = shape.nodes - askOnly;
  process.stdout.write(
    `\nBroker restart: ${shape.nodes} simulated edge nodes × ${shape.devices} devices × ${shape.metrics} metrics ` +
      `(${shape.nodes * shape.devices * shape.metrics} metrics; MQTT.js edges, 1 DDATA/s per node): ${conformant} wait for the primary host "scada" and re-birth by themselves, ` +
      `${askOnly} re-birth only when asked; the host with its default rebirth settings; ` +
      `host and edge backoff ${BACKOFF_MS} ms × 2^n full jitter; kill -9 + restart; warm-up + ${RUNS} runs\n`,
  );
  const host = new Proc('host', { port: broker.port, ...shape, backoffMs: BACKOFF_MS });
  const edgeJob = { port: broker.port, devices: shape.devices, metrics: shape.metrics, dataEveryMs: 1000, dataMetrics: 10, backoffMs: BACKOFF_MS };
  const byThemselves = new Proc('edges', { ...edgeJob, nodeFrom: 0, nodeTo: conformant, primaryHostId: 'scada' });
  const whenAsked = askOnly > 0 ? new Proc('edges', { ...edgeJob, nodeFrom: conformant, nodeTo: shape.nodes, birthOnlyWhenAsked: true }) : undefined;
  const edges = whenAsked === undefined ? [byThemselves] : [byThemselves, whenAsked];
  await host.call('start');
  for (const e of edges) await e.call('start');
  const first = await host.call<HostDone>('waitComplete', { timeoutMs: 30_000 });
  if (!first.ok) throw new Error(`initial model incomplete: ${JSON.stringify(first.stats)}`);
  const rows: string[][] = [['run', 'broker up → model complete', 'rebirth NCMDs', 'received by self-birthing / asked-only nodes', 'redundant', 'edge births', 'host peak RSS MB', 'complete']];
  const times: number[] = [];
  let wrongful = 0;
  for (let r = 0; r <= RUNS; r++) {
    await host.call('mark');
    const before = await Promise.all(edges.map((e) => sumStats([e])));
    await broker.restart();
    const upAt = Date.now();
    const d = await host.call<HostDone>('waitComplete', { timeoutMs: 30_000 });
    const after = await Promise.all(edges.map((e) => sumStats([e])));
    const got = after.map((a, k) => a.rebirthNcmds - (before[k]?.rebirthNcmds ?? 0));
    const ms = d.doneAt - upAt;
    if (r > 0) {
      times.push(d.ok ? ms : Number.POSITIVE_INFINITY);
      wrongful += got[0] ?? 0;
    }
    rows.push([
      r === 0 ? 'warm-up' : String(r),
      d.ok ? `${ms} ms` : 'TIMEOUT',
      String(d.rebirths),
      got.join(' / '),
      String(d.redundant + d.duplicates),
      String(after.reduce((a, x) => a + x.births, 0) - before.reduce((a, x) => a + x.births, 0)),
      (d.maxRssKb / 1024).toFixed(0),
      `${d.stats.nodesOnline}/${d.stats.devicesOnline}/${d.stats.metrics}, stale ${d.stats.staleMetrics}`,
    ]);
    await new Promise((res) => setTimeout(res, 500));
  }
  printTable(rows, 1);
  const med = median(times);
  process.stdout.write(
    `median ${med.toFixed(0)} ms (min ${Math.min(...times)}, max ${Math.max(...times)}); goal < 3000 ms: ${med < 3000 ? 'MET' : 'NOT MET'} (median)${Math.max(...times) < 3000 ? ', every run under' : ''}; ` +
      `rebirth requests received by nodes that re-birth by themselves: ${wrongful} (goal 0)\n`,
  );
  for (const e of edges) await e.call('stop').catch(() => undefined);
  await host.call('stop').catch(() => undefined);
  for (const e of edges) await e.kill();
  await host.kill();
}

async function hostRestart(broker: Broker): Promise<void> {
  const shape = { nodes: envInt('HOST_RESTART_NODES', 1000), devices: 2, metrics: 500 };
  const mps = envInt('HOST_MAX_PER_SECOND', 500);
  const unique = process.env['HOST_UNIQUE_DESCRIPTIONS'] === '1';
  const total = shape.nodes * shape.devices * shape.metrics;
  process.stdout.write(
    `\nHost restart: ${shape.nodes} nodes × ${shape.devices} devices × ${shape.metrics} metrics (${total} metrics + 2 per node), ` +
      `mixed datatypes, every metric born with engUnit/engLow/engHigh/Description (${unique ? 'unique per node and device' : 'one per metric name'}); ` +
      `edges in 2 processes, no primary host (re-birth only on request), 1 DDATA / 500 ms per node; ` +
      `host config rebirth.maxPerSecond = ${mps}; host killed (SIGKILL) and restarted; warm-up + ${RUNS} restarts\n`,
  );
  const half = Math.ceil(shape.nodes / 2);
  const edges = [0, 1].map(
    (p) =>
      new Proc('edges', {
        port: broker.port,
        nodeFrom: p * half,
        nodeTo: Math.min(shape.nodes, (p + 1) * half),
        devices: shape.devices,
        metrics: shape.metrics,
        plant: true,
        uniqueDescriptions: unique,
        dataEveryMs: 500,
        dataMetrics: 10,
        backoffMs: BACKOFF_MS,
      }),
  );
  await Promise.all(edges.map((e) => e.call('start')));
  const rows: string[][] = [
    ['run', 'start() → complete', 'spawn → complete', 'rebirth NCMDs', 'max in any 1 s', 'min gap ms', 'dup/redundant', 'process RSS MB', 'RSS B/metric', 'growth B/metric', 'heap B/metric', 'peak RSS MB', 'host CPU s'],
  ];
  const times: number[] = [];
  const rssPer: number[] = [];
  let rateOk = true;
  for (let r = 0; r <= RUNS; r++) {
    const spawnAt = Date.now();
    const host = new Proc('host', { port: broker.port, ...shape, maxPerSecond: mps, backoffMs: BACKOFF_MS, staleAfterReconnectMs: 5000 }, [
      '--expose-gc',
      ...(process.env['HOST_NODE_FLAGS'] ?? '').split(' ').filter((f) => f !== ''),
      ...(r === RUNS ? profArgs('restart') : []),
    ]);
    const before = await sumStats(edges);
    const s = await host.call<HostStart>('start');
    const d = await host.call<HostDone>('waitComplete', { timeoutMs: 60_000 });
    const after = await sumStats(edges);
    const metrics = d.stats.metrics;
    // The goal's measure: everything the host process holds, after GC, per metric in its model.
    const rss = d.rssAfter / metrics;
    const ms = d.doneAt - s.startAt;
    // Token bucket, capacity 1: at most maxPerSecond + 1 in any 1 s window.
    const within = d.maxIn1s <= mps + 1;
    if (r > 0) {
      times.push(d.ok ? ms : Number.POSITIVE_INFINITY);
      rssPer.push(d.ok ? rss : Number.POSITIVE_INFINITY);
      rateOk &&= within;
    }
    rows.push([
      r === 0 ? 'warm-up (first host)' : String(r),
      d.ok ? `${ms} ms` : `TIMEOUT (${JSON.stringify(d.stats)})`,
      `${d.doneAt - spawnAt} ms`,
      `${d.rebirths} (edges saw ${after.rebirthNcmds - before.rebirthNcmds})`,
      `${d.maxIn1s}${within ? '' : ' OVER'}`,
      d.minGapMs === null ? '–' : d.minGapMs.toFixed(1),
      `${d.duplicates}/${d.redundant}`,
      (d.rssAfter / 2 ** 20).toFixed(0),
      rss.toFixed(0),
      ((d.rssAfter - s.rssBefore) / metrics).toFixed(0),
      ((d.heapAfter - s.heapBefore) / metrics).toFixed(0),
      (d.maxRssKb / 1024).toFixed(0),
      (d.cpuUs / 1e6).toFixed(2),
    ]);
    if (r === RUNS && profArgs('x').length > 0) {
      await host.call('stop').catch(() => undefined);
      host.child.disconnect();
      await Promise.race([host.exit, new Promise((res) => setTimeout(res, 5000))]);
    }
    await host.kill(); // the restart: a crash, the broker publishes its STATE Will
    await new Promise((res) => setTimeout(res, 300));
  }
  printTable(rows, 1);
  const med = median(times);
  const medRss = median(rssPer);
  process.stdout.write(
    `median ${med.toFixed(0)} ms to a complete model (${Math.min(...times)}–${Math.max(...times)}; goal < 5000 ms: ${med < 5000 ? 'MET' : 'NOT MET'}); ` +
      `rebirth rate within ${mps}/s (+1 burst) in every run: ${rateOk ? 'yes' : 'NO'}; ` +
      `whole host process after GC: median ${medRss.toFixed(0)} B RSS per metric (${Math.min(...rssPer).toFixed(0)}–${Math.max(...rssPer).toFixed(0)}; ` +
      `goal < 300: ${(medRss / 300).toFixed(2)}x of it, ${medRss < 300 ? 'MET' : 'NOT MET'})\n`,
  );
  await Promise.all(edges.map((e) => e.call('stop').catch(() => undefined)));
  for (const e of edges) await e.kill();
}

export async function runHostBench(): Promise<void> {
  const scenarios = new Set((process.env['HOST_SCENARIOS'] ?? 'fanin,broker,restart').split(','));
  const onSignal = (sig: NodeJS.Signals): void => {
    killAllChildren();
    process.stderr.write(`\nhost bench: ${sig}, stopped children\n`);
    process.exit(130); // the Mosquitto helper's exit hook kills the brokers and removes their dirs
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('exit', killAllChildren);
  try {
    const steps: [string, (b: Broker) => Promise<void>][] = [
      ['fanin', fanIn],
      ['broker', brokerRestart],
      ['restart', hostRestart],
    ];
    for (const [name, fn] of steps) {
      if (!scenarios.has(name)) continue;
      const broker = await startMosquitto();
      try {
        await fn(broker);
      } catch (e: unknown) {
        process.stdout.write(`\n${name}: FAILED: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
        process.exitCode = 1;
      } finally {
        killAllChildren();
        await broker.dispose();
      }
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('exit', killAllChildren);
  }
}
