/**
 * The historian on the product path (issue #19): the built CLI `sparkstate host --config` with a
 * `historian:` section and `sparkstate edge --config` with simulated devices of mixed datatypes
 * (edge-cli-workload.ts: Int64 counters, Int32, Float, Double, Boolean, String), each its own
 * process, through a private Mosquitto, into PostgreSQL on 127.0.0.1:5432 (db `test`, a scratch
 * schema per workload, dropped after). Per workload, after a warm-up:
 *  - rows/s sustained: `sparkstate_historian_rows_written_total` on the host's /metrics over the window;
 *  - lag p50/p99: the host's `sparkstate_historian_lag_seconds` histogram over the window (each
 *    batch's LARGEST lag, metric time → commit, so a row's own lag is at most this);
 *  - CPU of the host, edge, broker, the writer's PostgreSQL backend, all PostgreSQL, the machine;
 *  - the ceiling: the same rows written by psql to a text file and loaded by psql's own
 *    `\copy … from` into an identical table (same partitions and primary key), timed, same run.
 *
 *   npm run bench -- historian
 *   env: HIST_CLI_RUN_MS=10000 HIST_CLI_WARMUP_MS=5000 HIST_CLI_ONLY=fixed50k,sat
 *        HIST_CLI_CPU_PROF=<dir> (profiles the host: node --cpu-prof)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, type Broker } from '../test/helpers/mosquitto.js';
import { stop } from './edge-cli-proc.js';
import { edgeConfig, type Layout } from './edge-cli-workload.js';
import { withBroker } from './edge-proc.js';
import { cpuMs, machineCpuMs, postgresCpuMs, psqlCeiling, quantile, scrape, writerBackend, type Scrape } from './historian-cli-proc.js';
import { PG_URL, sql } from '../test/historian/helpers.js';
import { envInt, fmt, printTable } from './report.js';

const MAIN = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Workload {
  readonly key: string;
  readonly label: string;
  readonly layout: Layout;
  readonly scanIntervalMs: number;
  /** Values/s the edge offers (Booleans and the String change less often: a little below). */
  readonly offered: number;
  /** Run only when named in HIST_CLI_ONLY. */
  readonly optIn?: boolean;
}

const WORKLOADS: readonly Workload[] = [
  { key: 'fixed50k', label: 'fixed 50k values/s (10 × 500 every 100 ms)', layout: { devices: 10, metricsPerDevice: 500 }, scanIntervalMs: 100, offered: 50_000 },
  { key: 'fixed100k', label: 'fixed 100k values/s (10 × 1,000 every 100 ms)', layout: { devices: 10, metricsPerDevice: 1000 }, scanIntervalMs: 100, offered: 100_000 },
  { key: 'fixed150k', label: 'fixed 150k values/s (10 × 1,500 every 100 ms)', layout: { devices: 10, metricsPerDevice: 1500 }, scanIntervalMs: 100, offered: 150_000 },
  { key: 'fixed175k', label: 'fixed 175k values/s (10 × 1,750 every 100 ms)', layout: { devices: 10, metricsPerDevice: 1750 }, scanIntervalMs: 100, offered: 175_000 },
  { key: 'fixed200k', label: 'fixed 200k values/s (10 × 2,000 every 100 ms)', layout: { devices: 10, metricsPerDevice: 2000 }, scanIntervalMs: 100, offered: 200_000 },
  // More than the historian takes: the spool fills and back-pressure takes the host offline.
  { key: 'sat', label: 'saturation (10 × 1,000, scans back to back)', layout: { devices: 10, metricsPerDevice: 1000 }, scanIntervalMs: 0, offered: Number.NaN, optIn: true },
];

interface Figures {
  readonly rowsPerSec: number;
  readonly lagP50: number;
  readonly lagP99: number;
  /** % of one core over the window. */
  readonly hostPct: number;
  readonly edgePct: number;
  readonly brokerPct: number;
  readonly writerBackendPct: number;
  readonly postgresPct: number;
  /** % of all cores. */
  readonly machinePct: number;
  readonly spoolRows: number;
  readonly ceilingRowsPerSec: number;
  readonly ceilingRows: number;
}

function startProc(args: readonly string[], execArgv: readonly string[] = []): ChildProcess {
  return spawn(process.execPath, [...execArgv, MAIN, ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
}

async function waitFor(what: string, ok: () => Promise<boolean>, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    try {
      if (await ok()) return;
    } catch {
      // Not up yet.
    }
    if (Date.now() > end) throw new Error(`historian bench: ${what} not within ${ms} ms`);
    await sleep(100);
  }
}

async function runWorkload(w: Workload, broker: Broker, dir: string, runMs: number, warmupMs: number, profDir: string | undefined): Promise<Figures> {
  const schema = `bench_hcli_${w.key}_${process.pid}`;
  const ceilingSchema = `${schema}_ceil`;
  const port = await freePort();
  const http = `http://127.0.0.1:${port}`;
  const hostFile = join(dir, `${w.key}-host.yaml`);
  writeFileSync(
    hostFile,
    JSON.stringify({
      mqtt: { servers: [broker.url], clientId: `bench-hist-host-${w.key}` },
      sparkplug: { hostId: 'bench-hist' },
      http: { port },
      storeDir: join(dir, `${w.key}-host-store`),
      logLevel: 'warn',
      historian: { url: PG_URL, schema },
    }),
  );
  const edgeFile = join(dir, `${w.key}-edge.yaml`);
  writeFileSync(edgeFile, edgeConfig(broker.url, `HIST-${w.key}`, w.layout, w.scanIntervalMs, join(dir, `${w.key}-edge-store`)));
  const prof = profDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${profDir}`, `--cpu-prof-name=host-${w.key}.cpuprofile`];
  const host = startProc(['host', '--config', hostFile], prof);
  let edge: ChildProcess | undefined;
  try {
    await waitFor('the host historian connected', async () => (await scrape(http)).value('sparkstate_historian_database_up') === 1);
    edge = startProc(['edge', '--config', edgeFile]);
    await waitFor('rows written', async () => (await scrape(http)).value('sparkstate_historian_rows_written_total') > 0);
    await watch(http, warmupMs);
    const backend = (await writerBackend(schema)) ?? 0;
    const pids = { host: host.pid ?? 0, edge: edge.pid ?? 0, broker: broker.pid() ?? 0 };
    const c0 = { host: cpuMs(pids.host), edge: cpuMs(pids.edge), broker: cpuMs(pids.broker), backend: cpuMs(backend), pg: postgresCpuMs(), machine: machineCpuMs() };
    const s0 = await scrape(http);
    await watch(http, runMs);
    const s1 = await scrape(http);
    const c1 = { host: cpuMs(pids.host), edge: cpuMs(pids.edge), broker: cpuMs(pids.broker), backend: cpuMs(backend), pg: postgresCpuMs(), machine: machineCpuMs() };
    const ms = s1.at - s0.at;
    const pct = (a: number, b: number): number => (100 * (b - a)) / ms;
    const lag = (s: Scrape, t: Scrape, q: number): number => quantile(s, t, 'sparkstate_historian_lag_seconds', q);
    const figures = {
      rowsPerSec: ((s1.value('sparkstate_historian_rows_written_total') - s0.value('sparkstate_historian_rows_written_total')) * 1000) / ms,
      lagP50: lag(s0, s1, 0.5),
      lagP99: lag(s0, s1, 0.99),
      hostPct: pct(c0.host, c1.host),
      edgePct: pct(c0.edge, c1.edge),
      brokerPct: pct(c0.broker, c1.broker),
      writerBackendPct: backend === 0 ? Number.NaN : pct(c0.backend, c1.backend),
      postgresPct: pct(c0.pg, c1.pg),
      machinePct: (100 * (c1.machine.busy - c0.machine.busy)) / (c1.machine.total - c0.machine.total),
      spoolRows: s1.value('sparkstate_historian_spool_rows'),
    };
    await stop(edge);
    await stop(host);
    const ceiling = await psqlCeiling(schema, ceilingSchema, join(dir, `${w.key}-rows.txt`));
    return { ...figures, ceilingRows: ceiling.rows, ceilingRowsPerSec: (ceiling.rows * 1000) / ceiling.ms };
  } finally {
    if (edge !== undefined) await stop(edge);
    await stop(host);
    await sql(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await sql(`DROP SCHEMA IF EXISTS "${ceilingSchema}" CASCADE`);
  }
}

/** Waits `ms`; with HIST_CLI_TRACE set, prints the historian's counters every second meanwhile. */
async function watch(http: string, ms: number): Promise<void> {
  if (process.env['HIST_CLI_TRACE'] === undefined) return sleep(ms);
  const end = Date.now() + ms;
  while (Date.now() < end) {
    await sleep(Math.min(1000, end - Date.now()));
    const s = await scrape(http);
    const v = (n: string): number => s.value(`sparkstate_historian_${n}`);
    process.stdout.write(
      `    written ${v('rows_written_total')} batches ${v('batches_total')} spool ${v('spool_rows')} ` +
        `batch s ${v('batch_duration_seconds_sum').toFixed(1)} dropped ${v('rows_dropped_total')} up ${v('database_up')}\n`,
    );
  }
}

function report(results: readonly [Workload, Figures][]): void {
  const secs = (x: number): string => (Number.isFinite(x) ? `${x.toFixed(3)} s` : x === Infinity ? '> 300 s' : '–');
  const rows = [['workload', 'rows/s', 'lag p50', 'lag p99', 'psql COPY rows/s', 'of ceiling', 'host %', 'edge %', 'broker %', 'PG writer %', 'PG all %', 'machine %', 'spool rows']];
  for (const [w, f] of results) {
    rows.push([
      w.label,
      fmt(f.rowsPerSec),
      secs(f.lagP50),
      secs(f.lagP99),
      fmt(f.ceilingRowsPerSec),
      `${((100 * f.rowsPerSec) / f.ceilingRowsPerSec).toFixed(0)} %`,
      f.hostPct.toFixed(0),
      f.edgePct.toFixed(0),
      f.brokerPct.toFixed(0),
      f.writerBackendPct.toFixed(0),
      f.postgresPct.toFixed(0),
      f.machinePct.toFixed(0),
      String(f.spoolRows),
    ]);
  }
  printTable(rows, 1);
  process.stdout.write(
    'CPU columns: % of one core (2 cores, shared by host, edge, broker and PostgreSQL); machine: % of both. ' +
      'Lag: each batch\'s largest (metric time → commit), histogram-interpolated. Ceiling: psql \\copy of the same rows into an identical table.\n',
  );
}

export async function runHistorianCliBench(): Promise<void> {
  const runMs = envInt('HIST_CLI_RUN_MS', 10_000);
  const warmupMs = envInt('HIST_CLI_WARMUP_MS', 5000);
  const only = process.env['HIST_CLI_ONLY']?.split(',');
  const profEnv = process.env['HIST_CLI_CPU_PROF'];
  const profDir = profEnv === undefined ? undefined : resolve(profEnv);
  if (profDir !== undefined) mkdirSync(profDir, { recursive: true });
  process.stdout.write(`CLI host + historian ← CLI edge through Mosquitto, ${runMs} ms windows after ${warmupMs} ms warm-up\n`);
  const results = await withBroker(async (broker) => {
    const dir = mkdtempSync(join(tmpdir(), 'sparkstate-hist-cli-bench-'));
    try {
      const out: [Workload, Figures][] = [];
      for (const w of WORKLOADS.filter((x) => (only === undefined ? x.optIn !== true : only.includes(x.key)))) {
        const f = await runWorkload(w, broker, dir, runMs, warmupMs, profDir);
        process.stdout.write(`  ${w.key}: ${fmt(f.rowsPerSec)} rows/s, lag p50 ${f.lagP50.toFixed(3)} s p99 ${f.lagP99.toFixed(3)} s, ceiling ${fmt(f.ceilingRowsPerSec)} rows/s\n`);
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
