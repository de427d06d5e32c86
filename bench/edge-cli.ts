/**
 * The product path as the benchmark (issue #17): the built CLI, `sparkstate edge --config x.yaml`,
 * with simulated devices from the config, against Eclipse Tahu's `sparkplug-client` publishing the
 * same devices (bench/edge-cli-tahu.ts), each in its own process, one after the other on the same
 * Mosquitto, QoS 0. A subscriber counts the metrics that reach the broker; CPU and peak RSS come
 * from /proc. Workloads (see edge-cli-workload.ts for the datatype mix):
 *  - saturation, 10 and 100 devices × 100 metrics, 10 and 2 devices × 1,000: the CLI with `scanIntervalMs: 0` (scans back
 *    to back, each once the previous one's messages are written; EDGE_CLI_SCAN_MS sets another
 *    interval), Tahu in a loop as fast as the broker takes it;
 *  - fixed rate, 10 × 1,000 metrics scanned every 100 ms (100,000 metrics/s) by both.
 * Runs are interleaved (sparkstate, Tahu, sparkstate, …); figures are medians of EDGE_CLI_RUNS.
 *
 *   npm run bench -- edge-cli [--json out.json]
 *   env: EDGE_CLI_RUNS=3 EDGE_CLI_RUN_MS=5000 EDGE_CLI_WARMUP_MS=2000 EDGE_CLI_SCAN_MS=0
 *        EDGE_CLI_JSON=<file>  EDGE_CLI_CPU_PROF=<dir> (profiles the CLI child: node --cpu-prof)
 *        EDGE_CLI_ONLY=sat100,sat100-many,sat1000,sat1000-few,fixed (a subset of the workloads)
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { MetricCounter, procStat, startCli, startPlain, startTahu, stop } from './edge-cli-proc.js';
import { sourceCostUs } from './edge-cli-source.js';
import { edgeConfig, type Layout } from './edge-cli-workload.js';
import { withBroker } from './edge-proc.js';
import type { Broker } from '../test/helpers/mosquitto.js';
import { envInt, fmt, median, printTable } from './report.js';

type ContenderName = 'sparkstate' | 'tahu' | 'plain';

interface Workload {
  readonly key: string;
  readonly label: string;
  readonly layout: Layout;
  /** The CLI's scanIntervalMs; Tahu scans on the same interval, or as fast as it can when `saturate`. */
  readonly scanIntervalMs: number;
  readonly saturate: boolean;
  /** Saturation: least metrics/s ratio sparkstate/Tahu; fixed rate: most CPU-per-metric ratio. */
  readonly goal: number;
  /** Saturation: the least share of the plain MQTT.js ceiling. */
  readonly ceilingGoal?: number;
}

interface Sample {
  metricsPerSec: number;
  /** The broker's CPU while it carried this contender's messages, % of a core. */
  brokerPct: number;
  metricsPerMsg: number;
  cpuUsPerMetric: number;
  cpuPct: number;
  peakRssMb: number;
}

interface Settings {
  runs: number;
  runMs: number;
  warmupMs: number;
  profDir: string | undefined;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function measure(proc: ChildProcess, counter: MetricCounter, s: Settings, brokerPid: number): Promise<Sample> {
  const pid = proc.pid ?? 0;
  const started = Date.now();
  while (counter.delivered() === 0) {
    if (proc.exitCode !== null) throw new Error(`contender exited with ${proc.exitCode} before publishing`);
    if (Date.now() - started > 60_000) throw new Error('contender published nothing within 60 s');
    await sleep(100);
  }
  await sleep(s.warmupMs);
  const t0 = performance.now();
  const s0 = procStat(pid);
  const b0 = procStat(brokerPid);
  const d0 = counter.delivered();
  const m0 = counter.deliveredMessages();
  await sleep(s.runMs);
  const s1 = procStat(pid);
  const b1 = procStat(brokerPid);
  const delivered = counter.delivered() - d0;
  const messages = counter.deliveredMessages() - m0;
  const secs = (performance.now() - t0) / 1000;
  return {
    metricsPerSec: delivered / secs,
    metricsPerMsg: delivered / Math.max(1, messages),
    brokerPct: (100 * (b1.cpuMs - b0.cpuMs)) / (secs * 1000),
    cpuUsPerMetric: ((s1.cpuMs - s0.cpuMs) * 1000) / Math.max(1, delivered),
    cpuPct: (100 * (s1.cpuMs - s0.cpuMs)) / (secs * 1000),
    peakRssMb: s1.peakRssMb,
  };
}

async function runOnce(c: ContenderName, w: Workload, run: number, broker: Broker, counter: MetricCounter, dir: string, s: Settings): Promise<Sample> {
  const url = broker.url;
  const node = `${c === 'sparkstate' ? 'SS' : c === 'tahu' ? 'TAHU' : 'PLAIN'}-${w.key}-${run}`;
  counter.watch(node);
  let proc: ChildProcess;
  if (c === 'sparkstate') {
    const file = join(dir, `${node}.yaml`);
    writeFileSync(file, edgeConfig(url, node, w.layout, w.scanIntervalMs, join(dir, node)));
    proc = startCli(file, s.profDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${s.profDir}`, `--cpu-prof-name=${node}.cpuprofile`]);
  } else if (c === 'tahu') {
    proc = startTahu({ url, node, ...w.layout, scanIntervalMs: w.saturate ? 0 : w.scanIntervalMs });
  } else {
    proc = startPlain({ url, node, ...w.layout });
  }
  try {
    return await measure(proc, counter, s, broker.pid() ?? 0);
  } finally {
    await stop(proc);
  }
}

const small: Layout = { devices: 10, metricsPerDevice: 100 };
const manySmall: Layout = { devices: 100, metricsPerDevice: 100 };
const large: Layout = { devices: 10, metricsPerDevice: 1000 };
const fewLarge: Layout = { devices: 2, metricsPerDevice: 1000 };

function workloads(scanMs: number): Workload[] {
  const sat = { scanIntervalMs: scanMs, saturate: true } as const;
  return [
    { key: 'sat100', label: 'saturation, 10 × 100 (100/msg)', layout: small, ...sat, goal: 5, ceilingGoal: 0.7 },
    { key: 'sat100-many', label: 'saturation, 100 × 100 (100/msg)', layout: manySmall, ...sat, goal: 5, ceilingGoal: 0.7 },
    { key: 'sat1000', label: 'saturation, 10 × 1,000 (1,000/msg)', layout: large, ...sat, goal: 6, ceilingGoal: 0.4 },
    { key: 'sat1000-few', label: 'saturation, 2 × 1,000 (1,000/msg)', layout: fewLarge, ...sat, goal: 6, ceilingGoal: 0.4 },
    { key: 'fixed', label: 'fixed 100k metrics/s, 10 × 1,000 every 100 ms', layout: large, scanIntervalMs: 100, saturate: false, goal: 0.2 },
  ];
}

interface Result {
  workload: Workload;
  sparkstate: Sample[];
  tahu: Sample[];
  /** The plain MQTT.js ceiling (saturation workloads only). */
  plain: Sample[];
  /** Per interleaved pair: metrics/s ratio (saturation) or CPU-per-metric ratio (fixed rate). */
  ratios: number[];
}

function ratioOf(w: Workload, ss: Sample, tahu: Sample): number {
  return w.saturate ? ss.metricsPerSec / tahu.metricsPerSec : ss.cpuUsPerMetric / tahu.cpuUsPerMetric;
}

function report(results: readonly Result[]): void {
  const rows = [['workload', 'contender', 'metrics/s', 'metrics/msg', 'CPU µs/metric', 'CPU % core', 'peak RSS MB', 'broker CPU %']];
  for (const r of results) {
    for (const c of ['sparkstate', 'tahu', 'plain'] as const) {
      const xs = r[c];
      if (xs.length === 0) continue;
      rows.push([
        c === 'sparkstate' ? r.workload.label : '',
        c === 'sparkstate' ? 'sparkstate edge (CLI)' : c === 'tahu' ? 'Tahu sparkplug-client' : 'plain MQTT.js, pre-encoded',
        fmt(median(xs.map((x) => x.metricsPerSec))),
        median(xs.map((x) => x.metricsPerMsg)).toFixed(0),
        median(xs.map((x) => x.cpuUsPerMetric)).toFixed(3),
        median(xs.map((x) => x.cpuPct)).toFixed(0),
        median(xs.map((x) => x.peakRssMb)).toFixed(0),
        median(xs.map((x) => x.brokerPct)).toFixed(0),
      ]);
    }
  }
  printTable(rows);
  process.stdout.write('\n');
  const goals = [['workload', 'measure', 'sparkstate / Tahu', 'goal', 'per run']];
  for (const r of results) {
    const w = r.workload;
    const m = median(r.ratios);
    const met = w.saturate ? m >= w.goal : m <= w.goal;
    goals.push([
      w.label,
      w.saturate ? 'metrics/s' : 'CPU µs/metric',
      `${m.toFixed(2)}x`,
      `${w.saturate ? '≥' : '≤'} ${w.goal}x: ${met ? 'met' : 'missed'}`,
      r.ratios.map((x) => x.toFixed(2)).join(', '),
    ]);
  }
  for (const r of results.filter((x) => x.plain.length > 0)) {
    const w = r.workload;
    const shares = r.sparkstate.map((x, i) => x.metricsPerSec / (r.plain[i]?.metricsPerSec ?? Number.NaN));
    const m = median(shares);
    goals.push([
      w.label,
      'of plain MQTT.js',
      `${(100 * m).toFixed(0)} %`,
      `≥ ${100 * (w.ceilingGoal ?? 0)} %: ${m >= (w.ceilingGoal ?? 0) ? 'met' : 'missed'}`,
      shares.map((x) => `${(100 * x).toFixed(0)} %`).join(', '),
    ]);
  }
  printTable(goals);
  for (const r of results.filter((x) => x.workload.saturate && x.workload.scanIntervalMs > 0)) {
    const w = r.workload;
    // The CLI scans at most once per scanIntervalMs: one scan's metrics per interval bound it.
    const ceiling = (w.layout.devices * w.layout.metricsPerDevice * 1000) / w.scanIntervalMs;
    process.stdout.write(`${w.label}: the CLI's scan timer allows at most ${fmt(ceiling)} metrics/s (${fmt(ceiling / median(r.tahu.map((x) => x.metricsPerSec)))}x Tahu)\n`);
  }
}

function jsonTarget(): string | undefined {
  const i = process.argv.indexOf('--json');
  return i >= 0 ? process.argv[i + 1] : process.env['EDGE_CLI_JSON'];
}

export async function runEdgeCliBench(): Promise<void> {
  const profDir = process.env['EDGE_CLI_CPU_PROF'];
  const s: Settings = {
    runs: envInt('EDGE_CLI_RUNS', 3),
    runMs: envInt('EDGE_CLI_RUN_MS', 5000),
    warmupMs: envInt('EDGE_CLI_WARMUP_MS', 2000),
    profDir: profDir === undefined ? undefined : resolve(profDir),
  };
  if (s.profDir !== undefined) mkdirSync(s.profDir, { recursive: true });
  const scanMs = envInt('EDGE_CLI_SCAN_MS', 0);
  const scans = scanMs === 0 ? 'back to back (scanIntervalMs: 0)' : `every ${scanMs} ms`;
  process.stdout.write(`CLI edge vs Tahu: ${s.runs} interleaved runs of ${s.runMs} ms after ${s.warmupMs} ms warm-up; saturation scans ${scans}\n`);
  const source = { backToBackUs: await sourceCostUs(large, 100) };
  const results = await withBroker(async (broker) => {
    const counter = await MetricCounter.connect(broker.url);
    const dir = mkdtempSync(join(tmpdir(), 'sparkstate-edge-cli-bench-'));
    try {
      const out: Result[] = [];
      const only = process.env['EDGE_CLI_ONLY']?.split(',');
      for (const w of workloads(scanMs).filter((x) => only === undefined || only.includes(x.key))) {
        const r: Result = { workload: w, sparkstate: [], tahu: [], plain: [], ratios: [] };
        for (let run = 0; run < s.runs; run++) {
          const ss = await runOnce('sparkstate', w, run, broker, counter, dir, s);
          const tahu = await runOnce('tahu', w, run, broker, counter, dir, s);
          r.sparkstate.push(ss);
          r.tahu.push(tahu);
          r.ratios.push(ratioOf(w, ss, tahu));
          let line = `  ${w.key} run ${run + 1}: sparkstate ${fmt(ss.metricsPerSec)}/s ${ss.cpuUsPerMetric.toFixed(3)} µs, Tahu ${fmt(tahu.metricsPerSec)}/s ${tahu.cpuUsPerMetric.toFixed(3)} µs`;
          if (w.saturate) {
            const plain = await runOnce('plain', w, run, broker, counter, dir, s);
            r.plain.push(plain);
            line += `, plain ${fmt(plain.metricsPerSec)}/s ${plain.cpuUsPerMetric.toFixed(3)} µs`;
          }
          process.stdout.write(`${line}\n`);
        }
        out.push(r);
      }
      return out;
    } finally {
      await counter.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
  report(results);
  process.stdout.write(
    `simulated devices alone (10 × 1,000, polled in this process, common to both contenders): ` +
      `${source.backToBackUs.toFixed(3)} µs/metric, polled back to back (more when paced)\n`,
  );
  if (s.profDir !== undefined) process.stdout.write(`CLI profiles in ${s.profDir}: node build/bench/edge-profile.js <file>\n`);
  const target = jsonTarget();
  if (target !== undefined) {
    writeFileSync(target, `${JSON.stringify({ settings: { ...s, scanMs }, source, results: results.map((r) => ({ ...r, ratio: median(r.ratios) })) }, null, 2)}\n`);
  }
}
