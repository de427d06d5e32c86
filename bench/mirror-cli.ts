/**
 * The retained mirror on the path users run (issue #19, "changes/s mirrored"): the built CLI
 * `sparkstate host --config` with a `mirror:` section (rate limit out of the way) and
 * `sparkstate edge --config` with simulated devices of mixed datatypes whose every value changes on
 * every scan (mirror-cli-workload.ts), each its own process, through a private Mosquitto; a plain
 * MQTT.js subscriber to `<prefix>/#` in this process (mirror-cli-watch.ts). Per workload and run
 * (runs interleaved, figures medians), after a warm-up, over a window:
 *  - offered changes/s: `sparkstate_edge_metrics_published_total` on the edge's /metrics (every
 *    published metric is a change: report by exception);
 *  - mirrored/s: mirror messages the subscriber received; acked/s: the host's
 *    `sparkstate_mirror_published_total`; coalesced/s: `sparkstate_mirror_coalesced_total`;
 *  - CPU of the host, edge, broker, this process (the subscriber) and the machine, from /proc.
 * Then the edge stops (NDEATH: the mirror republishes every value as offline) and, once the mirror
 * is drained, the subscriber's last payload of every metric is compared with GET /api/state.
 * There is no Tahu baseline: Eclipse Tahu has no retained mirror. The baseline is the broker's
 * ceiling for the same messages: plain MQTT.js publishing them (mirror-cli-plain.ts), first in each run.
 *
 *   npm run bench -- mirror
 *   env: MIRROR_CLI_RUNS=3 MIRROR_CLI_RUN_MS=10000 MIRROR_CLI_WARMUP_MS=5000 MIRROR_CLI_ONLY=ceiling,fixed10k,fixed20k,fixed50k,fixed100k
 *        MIRROR_CLI_CPU_PROF=<dir> (profiles the host: node --cpu-prof)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HostSnapshot } from '../src/host/index.js';
import { freePort, type Broker } from '../test/helpers/mosquitto.js';
import { sleep, waitUntil } from '../test/helpers/wait.js';
import { startCli, stop } from './edge-cli-proc.js';
import { GROUP, type Layout } from './edge-cli-workload.js';
import { withBroker } from './edge-proc.js';
import { cpuMs, machineCpuMs, scrape } from './historian-cli-proc.js';
import { MirrorWatcher, type CheckResult } from './mirror-cli-watch.js';
import { mirrorEdgeConfig, mirrorHostConfig } from './mirror-cli-workload.js';
import { envInt, fmt, median, printTable } from './report.js';

const MAIN = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const PLAIN = fileURLToPath(new URL('./mirror-cli-plain.js', import.meta.url));
/** The mirror's bound on publishes awaiting their PUBACK (src/mirror/publisher.ts), which the ceiling keeps too. */
const MIRROR_IN_FLIGHT = 256;

interface Workload {
  readonly key: string;
  readonly label: string;
  readonly layout: Layout;
  readonly scanIntervalMs: number;
  /** Run only when named in MIRROR_CLI_ONLY. */
  readonly optIn?: boolean;
}

// The same 5,000 topics at three rates: only the change rate per topic moves.
const layout: Layout = { devices: 10, metricsPerDevice: 500 };
const WORKLOADS: readonly Workload[] = [
  { key: 'fixed10k', label: '10k/s (10 × 500 every 500 ms)', layout, scanIntervalMs: 500 },
  { key: 'fixed20k', label: '20k/s (10 × 500 every 250 ms)', layout, scanIntervalMs: 250 },
  { key: 'fixed50k', label: '50k/s (10 × 500 every 100 ms)', layout, scanIntervalMs: 100 },
  { key: 'fixed100k', label: '100k/s (10 × 1,000 every 100 ms)', layout: { devices: 10, metricsPerDevice: 1000 }, scanIntervalMs: 100, optIn: true },
];

interface Figures {
  /** Per second over the window. */
  readonly offered: number;
  readonly mirrored: number;
  readonly acked: number;
  readonly coalesced: number;
  /** Mirror topics waiting or in flight at the end of the window. */
  readonly pendingEnd: number;
  /** % of one core over the window. */
  readonly hostPct: number;
  readonly edgePct: number;
  readonly brokerPct: number;
  readonly watcherPct: number;
  /** % of all cores. */
  readonly machinePct: number;
  /** From the edge's stop to the mirror drained and the subscriber quiet. */
  readonly drainMs: number;
  readonly check: CheckResult;
}

interface Settings {
  readonly runs: number;
  readonly runMs: number;
  readonly warmupMs: number;
  readonly profDir: string | undefined;
}

const children = new Set<ChildProcess>();
// withBroker kills only its own forked children; a host left running would hold its port.
process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});

function startNode(args: readonly string[]): ChildProcess {
  const proc = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  children.add(proc);
  proc.once('exit', () => children.delete(proc));
  return proc;
}

/**
 * Starts a CPU window over `pids`; the function returned ends it: % of one core per pid, of this
 * process (the subscriber) as `watcher`, and of all cores as `machine`.
 */
function cpuWindow<K extends string>(pids: Record<K, number>): () => Record<K | 'watcher' | 'machine', number> {
  const keys = Object.keys(pids) as K[];
  const before = keys.map((k) => cpuMs(pids[k]));
  const self = process.cpuUsage();
  const machine = machineCpuMs();
  const t0 = performance.now();
  return () => {
    const ms = performance.now() - t0;
    const used = process.cpuUsage(self);
    const m = machineCpuMs();
    const out = { watcher: (100 * (used.user + used.system)) / 1000 / ms, machine: (100 * (m.busy - machine.busy)) / (m.total - machine.total) } as Record<K | 'watcher' | 'machine', number>;
    keys.forEach((k, i) => (out[k] = (100 * (cpuMs(pids[k]) - (before[i] ?? 0))) / ms));
    return out;
  };
}

/** A probe of `proc`: false while it is not listening yet; throws once it has exited. */
function probe(proc: ChildProcess, ok: () => Promise<boolean>): () => Promise<boolean> {
  return async () => {
    if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`mirror bench: the host exited (${proc.exitCode ?? proc.signalCode})`);
    try {
      return await ok();
    } catch {
      return false;
    }
  };
}

async function hostState(http: string): Promise<HostSnapshot> {
  return (await (await fetch(`${http}/api/state`)).json()) as HostSnapshot;
}

/** Until the subscriber got nothing new for `quietMs` (the broker has forwarded what it had). */
async function quiet(watcher: MirrorWatcher, quietMs: number): Promise<void> {
  for (let n = watcher.received(); ; ) {
    await sleep(quietMs);
    const m = watcher.received();
    if (m === n) return;
    n = m;
  }
}

async function runWorkload(w: Workload, run: number, broker: Broker, dir: string, s: Settings): Promise<Figures> {
  // Its own prefix, host id and node per run: nothing retained or kept in a session by an earlier one.
  const id = `${w.key}-${run}`;
  const prefix = `bench/${id}`;
  const node = `MIRROR-${id}`;
  const hostHttp = `http://127.0.0.1:${await freePort()}`;
  const edgeHttp = `http://127.0.0.1:${await freePort()}`;
  const hostFile = join(dir, `${id}-host.yaml`);
  writeFileSync(hostFile, mirrorHostConfig(broker.url, `bench-mirror-${id}`, prefix, Number(new URL(hostHttp).port), join(dir, `${id}-host-store`)));
  const edgeFile = join(dir, `${id}-edge.yaml`);
  writeFileSync(edgeFile, mirrorEdgeConfig(broker.url, node, w.layout, w.scanIntervalMs, Number(new URL(edgeHttp).port), join(dir, `${id}-edge-store`)));
  const watcher = await MirrorWatcher.connect(broker.url, prefix);
  const prof = s.profDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${s.profDir}`, `--cpu-prof-name=host-${id}.cpuprofile`];
  const host = startNode([...prof, MAIN, 'host', '--config', hostFile]);
  let edge: ChildProcess | undefined;
  try {
    await waitUntil(probe(host, async () => (await fetch(`${hostHttp}/healthz`)).ok), 30_000, 'the host online', 100);
    edge = startCli(edgeFile, []);
    await waitUntil(() => watcher.received() > 0, 60_000, 'the first mirrored values', 100);
    await sleep(s.warmupMs);
    const cpu = cpuWindow({ host: host.pid ?? 0, edge: edge.pid ?? 0, broker: broker.pid() ?? 0 });
    const t0 = performance.now();
    const r0 = watcher.received();
    const [h0, e0] = await Promise.all([scrape(hostHttp), scrape(edgeHttp)]);
    await sleep(s.runMs);
    const t1 = performance.now();
    const r1 = watcher.received();
    const [h1, e1] = await Promise.all([scrape(hostHttp), scrape(edgeHttp)]);
    const pct = cpu();
    const hostRate = (name: string): number => ((h1.value(name) - h0.value(name)) * 1000) / (h1.at - h0.at);
    const measured = {
      offered: ((e1.value('sparkstate_edge_metrics_published_total') - e0.value('sparkstate_edge_metrics_published_total')) * 1000) / (e1.at - e0.at),
      mirrored: ((r1 - r0) * 1000) / (t1 - t0),
      acked: hostRate('sparkstate_mirror_published_total'),
      coalesced: hostRate('sparkstate_mirror_coalesced_total'),
      pendingEnd: h1.value('sparkstate_mirror_pending'),
      hostPct: pct.host,
      edgePct: pct.edge,
      brokerPct: pct.broker,
      watcherPct: pct.watcher,
      machinePct: pct.machine,
    };
    // The end check: after the NDEATH nothing changes, and every value must end up `offline`.
    const stopped = performance.now();
    await stop(edge);
    const offline = async (): Promise<boolean> => (await hostState(hostHttp)).groups[GROUP]?.nodes[node]?.online === false;
    await waitUntil(probe(host, offline), 30_000, 'the host to see the NDEATH', 100);
    await waitUntil(probe(host, async () => (await scrape(hostHttp)).value('sparkstate_mirror_pending') === 0), 300_000, 'the mirror drained', 100);
    await quiet(watcher, 500);
    const drainMs = performance.now() - stopped;
    return { ...measured, drainMs, check: watcher.check(await hostState(hostHttp)) };
  } finally {
    if (edge !== undefined) await stop(edge);
    await stop(host);
    await watcher.close();
  }
}

interface Ceiling {
  readonly topics: number;
  /** Retained publishes/s the subscriber got. */
  readonly rate: number;
  readonly publisherPct: number;
  readonly brokerPct: number;
  readonly watcherPct: number;
  readonly machinePct: number;
}

/** The plain MQTT.js publisher (mirror-cli-plain.ts) on `topics` topics, saturating, same subscriber. */
async function runCeiling(run: number, broker: Broker, topics: number, s: Settings): Promise<Ceiling> {
  const prefix = `bench/plain-${run}`;
  const watcher = await MirrorWatcher.connect(broker.url, prefix);
  const proc = startNode([PLAIN, JSON.stringify({ url: broker.url, prefix, topics, inFlight: MIRROR_IN_FLIGHT })]);
  try {
    await waitUntil(() => watcher.received() > 0, 30_000, "the plain publisher's first messages", 100);
    await sleep(s.warmupMs);
    const cpu = cpuWindow({ publisher: proc.pid ?? 0, broker: broker.pid() ?? 0 });
    const t0 = performance.now();
    const r0 = watcher.received();
    await sleep(s.runMs);
    const rate = ((watcher.received() - r0) * 1000) / (performance.now() - t0);
    const pct = cpu();
    return { topics, rate, publisherPct: pct.publisher, brokerPct: pct.broker, watcherPct: pct.watcher, machinePct: pct.machine };
  } finally {
    await stop(proc);
    await watcher.close();
  }
}

function checkCell(checks: readonly CheckResult[]): string {
  const bad = checks.filter((c) => c.missing > 0 || c.differ > 0);
  if (bad.length === 0) return `all ${checks[0]?.metrics ?? 0} equal${checks.length > 1 ? `, ${checks.length} runs` : ''}`;
  return bad.map((c) => `${c.missing} missing, ${c.differ} differ of ${c.metrics}`).join('; ');
}

const pctCell = (x: number): string => (Number.isFinite(x) ? `${x.toFixed(0)} %` : '–');

/** Medians over the runs; "of ceiling" pairs each run's mirrored rate with that run's ceiling. */
function report(results: readonly (readonly [Workload, readonly Figures[]])[], ceilings: readonly Ceiling[]): void {
  const rows = [['workload (nominal)', 'offered/s', 'mirrored/s', 'mirrored/offered', 'of ceiling', 'acked/s', 'coalesced/s', 'pending', 'host %', 'edge %', 'broker %', 'subscriber %', 'machine %', 'last values vs /api/state']];
  for (const [w, fs] of results) {
    const m = (pick: (f: Figures) => number): number => median(fs.map(pick));
    const ofCeiling = median(fs.flatMap((f, i) => (ceilings[i] === undefined ? [] : [(100 * f.mirrored) / ceilings[i].rate])));
    rows.push([
      w.label,
      fmt(m((f) => f.offered)),
      fmt(m((f) => f.mirrored)),
      pctCell(m((f) => (100 * f.mirrored) / f.offered)),
      pctCell(ofCeiling),
      fmt(m((f) => f.acked)),
      fmt(m((f) => f.coalesced)),
      m((f) => f.pendingEnd).toFixed(0),
      m((f) => f.hostPct).toFixed(0),
      m((f) => f.edgePct).toFixed(0),
      m((f) => f.brokerPct).toFixed(0),
      m((f) => f.watcherPct).toFixed(0),
      m((f) => f.machinePct).toFixed(0),
      checkCell(fs.map((f) => f.check)),
    ]);
  }
  if (ceilings.length > 0) {
    const m = (pick: (c: Ceiling) => number): number => median(ceilings.map(pick));
    rows.push([
      `plain MQTT.js ceiling (${fmt(ceilings[0]?.topics ?? 0)} topics, saturating)`,
      ...['–', fmt(m((c) => c.rate)), '–', '–', '–', '–', '–', '–'],
      `${m((c) => c.publisherPct).toFixed(0)} (publisher)`,
      m((c) => c.brokerPct).toFixed(0),
      m((c) => c.watcherPct).toFixed(0),
      m((c) => c.machinePct).toFixed(0),
      '–',
    ]);
  }
  printTable(rows, 1);
  process.stdout.write(
    `Medians of ${Math.max(ceilings.length, ...results.map(([, fs]) => fs.length))} run(s). ` +
      `ceiling: plain MQTT.js, retained QoS 1 JSON, ${MIRROR_IN_FLIGHT} awaiting PUBACK like the mirror, as fast as the broker acknowledges. ` +
      "offered: the edge's published metrics (all changes); mirrored: messages the subscriber got; acked: PUBACKs the mirror got; " +
      "pending: mirror topics waiting or in flight at the window's end (the edge's scans come in bursts). " +
      'CPU: % of one core (2 cores shared by all); machine: % of both. No Tahu baseline: Eclipse Tahu has no retained mirror.\n',
  );
  for (const [w, fs] of results) for (const f of fs) for (const e of f.check.examples) process.stdout.write(`  ${w.key}: ${e}\n`);
}

export async function runMirrorCliBench(): Promise<void> {
  const profEnv = process.env['MIRROR_CLI_CPU_PROF'];
  const s: Settings = {
    runs: envInt('MIRROR_CLI_RUNS', 3),
    runMs: envInt('MIRROR_CLI_RUN_MS', 10_000),
    warmupMs: envInt('MIRROR_CLI_WARMUP_MS', 5000),
    profDir: profEnv === undefined ? undefined : resolve(profEnv),
  };
  const only = process.env['MIRROR_CLI_ONLY']?.split(',');
  if (s.profDir !== undefined) mkdirSync(s.profDir, { recursive: true });
  const workloads = WORKLOADS.filter((x) => (only === undefined ? x.optIn !== true : only.includes(x.key)));
  const withCeiling = only === undefined || only.includes('ceiling');
  process.stdout.write(
    `CLI host + mirror ← CLI edge through Mosquitto → MQTT.js subscriber: ${s.runs} interleaved runs of ${s.runMs} ms windows after ${s.warmupMs} ms warm-up\n`,
  );
  const [results, ceilings] = await withBroker(async (broker) => {
    const dir = mkdtempSync(join(tmpdir(), 'sparkstate-mirror-cli-bench-'));
    try {
      const ceilings: Ceiling[] = [];
      const out = workloads.map((w) => [w, [] as Figures[]] as const);
      // Interleaved (ceiling, then each workload, per run): the shared machine's load shifts alike.
      for (let run = 1; run <= s.runs; run++) {
        if (withCeiling) {
          const c = await runCeiling(run, broker, layout.devices * layout.metricsPerDevice, s);
          process.stdout.write(`  run ${run} ceiling: plain MQTT.js ${fmt(c.rate)} retained publishes/s\n`);
          ceilings.push(c);
        }
        for (const [w, fs] of out) {
          const f = await runWorkload(w, run, broker, dir, s);
          process.stdout.write(
            `  run ${run} ${w.key}: offered ${fmt(f.offered)}/s, mirrored ${fmt(f.mirrored)}/s, coalesced ${fmt(f.coalesced)}/s, ` +
              `drained ${(f.drainMs / 1000).toFixed(1)} s after the edge stopped, ${checkCell([f.check])}\n`,
          );
          fs.push(f);
        }
      }
      return [out, ceilings] as const;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  report(results, ceilings);
  if (s.profDir !== undefined) process.stdout.write(`host profiles in ${s.profDir}: node build/bench/edge-profile.js <file>\n`);
}
