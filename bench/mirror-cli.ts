/**
 * The retained mirror on the path users run (issue #19, "changes/s mirrored"): the built CLI
 * `sparkstate host --config` with a `mirror:` section (rate limit out of the way) and
 * `sparkstate edge --config` with simulated devices of mixed datatypes whose every value changes on
 * every scan (mirror-cli-workload.ts), each its own process, through a private Mosquitto; a plain
 * MQTT.js subscriber to `<prefix>/#` in this process (mirror-cli-watch.ts). Per workload, after a
 * warm-up, over a window:
 *  - offered changes/s: `sparkstate_edge_metrics_published_total` on the edge's /metrics (every
 *    published metric is a change: report by exception);
 *  - mirrored/s: mirror messages the subscriber received; acked/s: the host's
 *    `sparkstate_mirror_published_total`; coalesced/s: `sparkstate_mirror_coalesced_total`;
 *  - CPU of the host, edge, broker, this process (the subscriber) and the machine, from /proc.
 * Then the edge stops (NDEATH: the mirror republishes every value as offline) and, once the mirror
 * is drained, the subscriber's last payload of every metric is compared with GET /api/state.
 * There is no Tahu baseline: Eclipse Tahu has no retained mirror.
 *
 *   npm run bench -- mirror
 *   env: MIRROR_CLI_RUN_MS=10000 MIRROR_CLI_WARMUP_MS=5000 MIRROR_CLI_ONLY=fixed10k,fixed20k,fixed50k,fixed100k
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
import { envInt, fmt, printTable } from './report.js';

const MAIN = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));

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

const hosts = new Set<ChildProcess>();
// withBroker kills only its own forked children; a host left running would hold its port.
process.on('exit', () => {
  for (const h of hosts) h.kill('SIGKILL');
});

function startHost(configFile: string, execArgv: readonly string[]): ChildProcess {
  const proc = spawn(process.execPath, [...execArgv, MAIN, 'host', '--config', configFile], { stdio: ['ignore', 'ignore', 'inherit'] });
  hosts.add(proc);
  proc.once('exit', () => hosts.delete(proc));
  return proc;
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

async function runWorkload(w: Workload, broker: Broker, dir: string, runMs: number, warmupMs: number, profDir: string | undefined): Promise<Figures> {
  const prefix = `bench/${w.key}`;
  const node = `MIRROR-${w.key}`;
  const hostHttp = `http://127.0.0.1:${await freePort()}`;
  const edgeHttp = `http://127.0.0.1:${await freePort()}`;
  const hostFile = join(dir, `${w.key}-host.yaml`);
  writeFileSync(hostFile, mirrorHostConfig(broker.url, `bench-mirror-${w.key}`, prefix, Number(new URL(hostHttp).port), join(dir, `${w.key}-host-store`)));
  const edgeFile = join(dir, `${w.key}-edge.yaml`);
  writeFileSync(edgeFile, mirrorEdgeConfig(broker.url, node, w.layout, w.scanIntervalMs, Number(new URL(edgeHttp).port), join(dir, `${w.key}-edge-store`)));
  const watcher = await MirrorWatcher.connect(broker.url, prefix);
  const prof = profDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${profDir}`, `--cpu-prof-name=host-${w.key}.cpuprofile`];
  const host = startHost(hostFile, prof);
  let edge: ChildProcess | undefined;
  try {
    await waitUntil(probe(host, async () => (await fetch(`${hostHttp}/healthz`)).ok), 30_000, 'the host online', 100);
    edge = startCli(edgeFile, []);
    await waitUntil(() => watcher.received() > 0, 60_000, 'the first mirrored values', 100);
    await sleep(warmupMs);
    const pids = { host: host.pid ?? 0, edge: edge.pid ?? 0, broker: broker.pid() ?? 0 };
    const c0 = { host: cpuMs(pids.host), edge: cpuMs(pids.edge), broker: cpuMs(pids.broker), watcher: process.cpuUsage(), machine: machineCpuMs() };
    const t0 = performance.now();
    const r0 = watcher.received();
    const [h0, e0] = await Promise.all([scrape(hostHttp), scrape(edgeHttp)]);
    await sleep(runMs);
    const t1 = performance.now();
    const r1 = watcher.received();
    const [h1, e1] = await Promise.all([scrape(hostHttp), scrape(edgeHttp)]);
    const c1 = { host: cpuMs(pids.host), edge: cpuMs(pids.edge), broker: cpuMs(pids.broker), watcher: process.cpuUsage(c0.watcher), machine: machineCpuMs() };
    const ms = t1 - t0;
    const pct = (a: number, b: number): number => (100 * (b - a)) / ms;
    const hostRate = (name: string): number => ((h1.value(name) - h0.value(name)) * 1000) / (h1.at - h0.at);
    const measured = {
      offered: ((e1.value('sparkstate_edge_metrics_published_total') - e0.value('sparkstate_edge_metrics_published_total')) * 1000) / (e1.at - e0.at),
      mirrored: ((r1 - r0) * 1000) / ms,
      acked: hostRate('sparkstate_mirror_published_total'),
      coalesced: hostRate('sparkstate_mirror_coalesced_total'),
      pendingEnd: h1.value('sparkstate_mirror_pending'),
      hostPct: pct(c0.host, c1.host),
      edgePct: pct(c0.edge, c1.edge),
      brokerPct: pct(c0.broker, c1.broker),
      watcherPct: (100 * (c1.watcher.user + c1.watcher.system)) / 1000 / ms,
      machinePct: (100 * (c1.machine.busy - c0.machine.busy)) / (c1.machine.total - c0.machine.total),
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

function checkCell(c: CheckResult): string {
  if (c.missing === 0 && c.differ === 0) return `all ${c.metrics} equal`;
  return `${c.missing} missing, ${c.differ} differ of ${c.metrics}`;
}

function report(results: readonly [Workload, Figures][]): void {
  const rows = [['workload (nominal)', 'offered/s', 'mirrored/s', 'mirrored/offered', 'acked/s', 'coalesced/s', 'pending', 'host %', 'edge %', 'broker %', 'subscriber %', 'machine %', 'last values vs /api/state']];
  for (const [w, f] of results) {
    rows.push([
      w.label,
      fmt(f.offered),
      fmt(f.mirrored),
      `${((100 * f.mirrored) / f.offered).toFixed(0)} %`,
      fmt(f.acked),
      fmt(f.coalesced),
      String(f.pendingEnd),
      f.hostPct.toFixed(0),
      f.edgePct.toFixed(0),
      f.brokerPct.toFixed(0),
      f.watcherPct.toFixed(0),
      f.machinePct.toFixed(0),
      checkCell(f.check),
    ]);
  }
  printTable(rows, 1);
  process.stdout.write(
    'offered: the edge\'s published metrics (all changes); mirrored: messages the subscriber got; acked: PUBACKs the mirror got; ' +
      'pending: mirror topics waiting or in flight at the window\'s end. CPU: % of one core (2 cores shared by all); machine: % of both. ' +
      'No Tahu baseline: Eclipse Tahu has no retained mirror.\n',
  );
  for (const [w, f] of results) for (const e of f.check.examples) process.stdout.write(`  ${w.key}: ${e}\n`);
}

export async function runMirrorCliBench(): Promise<void> {
  const runMs = envInt('MIRROR_CLI_RUN_MS', 10_000);
  const warmupMs = envInt('MIRROR_CLI_WARMUP_MS', 5000);
  const only = process.env['MIRROR_CLI_ONLY']?.split(',');
  const profEnv = process.env['MIRROR_CLI_CPU_PROF'];
  const profDir = profEnv === undefined ? undefined : resolve(profEnv);
  if (profDir !== undefined) mkdirSync(profDir, { recursive: true });
  process.stdout.write(`CLI host + mirror ← CLI edge through Mosquitto → MQTT.js subscriber, ${runMs} ms windows after ${warmupMs} ms warm-up\n`);
  const results = await withBroker(async (broker) => {
    const dir = mkdtempSync(join(tmpdir(), 'sparkstate-mirror-cli-bench-'));
    try {
      const out: [Workload, Figures][] = [];
      for (const w of WORKLOADS.filter((x) => (only === undefined ? x.optIn !== true : only.includes(x.key)))) {
        const f = await runWorkload(w, broker, dir, runMs, warmupMs, profDir);
        process.stdout.write(
          `  ${w.key}: offered ${fmt(f.offered)}/s, mirrored ${fmt(f.mirrored)}/s, coalesced ${fmt(f.coalesced)}/s, ` +
            `drained ${(f.drainMs / 1000).toFixed(1)} s after the edge stopped, ${checkCell(f.check)}\n`,
        );
        out.push([w, f]);
      }
      return out;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  report(results);
  if (profDir !== undefined) process.stdout.write(`host profiles in ${profDir}: node build/bench/edge-profile.js <file>\n`);
}
