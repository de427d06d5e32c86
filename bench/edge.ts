/**
 * Edge node throughput: sparkstate's EdgeNode vs Eclipse Tahu's sparkplug-client vs a plain
 * MQTT.js publisher of pre-encoded payloads (the transport's ceiling), against one private
 * Mosquitto, in one run. Each contender runs in its own forked process (bench/edge-child.ts), so
 * its CPU time and peak RSS are its own; only one publishes at a time (runs are interleaved:
 * run 1 of each, run 2 of each, …, so that background load hits all alike). Warm-up, then 5 runs;
 * the table shows medians. See bench/edge-contenders.ts for what
 * each contender does per scan and how backpressure is applied (the same for all).
 *
 * - Saturation: 10 devices, QoS 0, 10 / 100 / 1,000 metrics per message, all changing every scan.
 * - Fixed rate: 10 devices × 1,000 metrics × 10 scans/s = 100,000 metrics/s, 5 windows of 1 s.
 *
 * Env overrides: EDGE_RUN_MS (1000), EDGE_WARMUP_MS (1000), EDGE_RUNS (5), EDGE_SIZES ("10,100,1000"),
 * EDGE_CONTENDERS ("sparkstate,tahu,plain"), EDGE_FIXED=0 / EDGE_SATURATION=0 to skip a part,
 * EDGE_SOURCE=simulated (default minimal: see Workload.source), EDGE_CPU_PROF=<dir> to write a V8
 * .cpuprofile of each contender's measured runs (summarise with build/bench/edge-profile.js).
 * The soak runs the CLI, separately (10 minutes): `node build/bench/edge-soak.js` (SOAK_SECONDS overrides).
 */
import { mkdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import type { ContenderName, Workload } from './edge-contenders.js';
import type { EdgeCommand, RunSample } from './edge-child.js';
import { Worker, withBroker } from './edge-proc.js';
import { envInt, fmt, median, printTable } from './report.js';

const ALL: readonly ContenderName[] = ['sparkstate', 'tahu', 'plain'];
const LABEL: Record<ContenderName, string> = { sparkstate: 'sparkstate', tahu: 'Tahu sparkplug-client', plain: 'plain MQTT.js (ceiling)' };
const SATURATION_GOAL: Record<number, number> = { 10: 2, 100: 5, 1000: 6 };

interface Summary {
  metricsPerSec: number;
  msgsPerSec: number;
  bytesPerMsg: number;
  cpuUsPerMetric: number;
  cpuPct: number;
  spread: string;
  maxRssMb: number;
}

function summarize(runs: RunSample[], maxRssKb: number): Summary {
  const rate = runs.map((r) => (r.metrics * 1000) / r.wallMs);
  return {
    metricsPerSec: median(rate),
    msgsPerSec: median(runs.map((r) => (r.messages * 1000) / r.wallMs)),
    bytesPerMsg: median(runs.map((r) => (r.messages > 0 ? r.bytes / r.messages : 0))),
    cpuUsPerMetric: median(runs.map((r) => (r.metrics > 0 ? r.cpuUs / r.metrics : 0))),
    cpuPct: median(runs.map((r) => r.cpuUs / (r.wallMs * 10))),
    spread: `${fmt(Math.min(...rate))}–${fmt(Math.max(...rate))}`,
    maxRssMb: maxRssKb / 1024,
  };
}

/**
 * One worker process per contender, all connected at once; warm-up each, then `runs` rounds in
 * which every contender does one run, in an order rotated each round, so that background load on
 * the machine hits all contenders alike. Optionally profiles the measured runs of each worker.
 */
async function interleaved(
  url: string,
  contenders: readonly ContenderName[],
  workload: Workload,
  warm: EdgeCommand,
  run: EdgeCommand,
  runs: number,
  prof: { dir: string; name: string } | undefined,
): Promise<Map<ContenderName, Summary>> {
  const workers = new Map<ContenderName, Worker>(contenders.map((c) => [c, new Worker({ mode: 'worker', contender: c, url, workload })]));
  const samples = new Map<ContenderName, RunSample[]>(contenders.map((c) => [c, []]));
  for (const [c, w] of workers) {
    const m = await w.next();
    if (m.type !== 'ready') throw new Error(`worker ${c} did not start`);
  }
  for (const w of workers.values()) await w.request(warm);
  if (prof !== undefined) for (const w of workers.values()) await w.request({ cmd: 'profile', file: undefined });
  for (let i = 0; i < runs; i++) {
    for (let k = 0; k < contenders.length; k++) {
      const c = contenders[(i + k) % contenders.length] as ContenderName;
      const m = await workers.get(c)?.request(run);
      if (m?.type !== 'sample') throw new Error(`worker ${c} sent no sample`);
      samples.get(c)?.push(m.sample);
    }
  }
  if (prof !== undefined) {
    for (const [c, w] of workers) await w.request({ cmd: 'profile', file: join(prof.dir, `${prof.name}-${c}.cpuprofile`) });
  }
  const out = new Map<ContenderName, Summary>();
  for (const [c, w] of workers) out.set(c, summarize(samples.get(c) ?? [], await w.close()));
  return out;
}

const verdict = (ok: boolean): string => (ok ? 'MET' : 'NOT MET');

export async function runEdgeBench(): Promise<void> {
  const runMs = envInt('EDGE_RUN_MS', 1000);
  const warmupMs = envInt('EDGE_WARMUP_MS', 1000);
  const runs = envInt('EDGE_RUNS', 5);
  const sizes = (process.env['EDGE_SIZES'] ?? '10,100,1000').split(',').map(Number).filter((n) => n > 0);
  const contenders = (process.env['EDGE_CONTENDERS'] ?? ALL.join(',')).split(',').filter((c): c is ContenderName => (ALL as readonly string[]).includes(c));
  const profDir = process.env['EDGE_CPU_PROF'] === undefined ? undefined : resolve(process.env['EDGE_CPU_PROF']);
  if (profDir !== undefined) mkdirSync(profDir, { recursive: true });
  const prof = (name: string): { dir: string; name: string } | undefined => (profDir === undefined ? undefined : { dir: profDir, name });
  const source = process.env['EDGE_SOURCE'] === 'simulated' ? 'simulated' : 'minimal';
  const load = (): string => loadavg().map((l) => l.toFixed(2)).join(' ');

  await withBroker(async (broker) => {
    process.stdout.write(
      `broker: mosquitto ${broker.url}; one child process per contender, runs interleaved; warm-up ${warmupMs} ms, median of ${runs} runs of ${runMs} ms\n` +
        `source: ${source === 'minimal' ? 'minimal DeviceSource (every Double changes every poll)' : 'SimulatedDevice randomWalk Doubles, changeRate 1'}; load average ${load()}\n`,
    );
    const goals: string[] = [];
    if (process.env['EDGE_SATURATION'] !== '0') {
      process.stdout.write('\nSaturation: 1 node, 10 devices, QoS 0, all metrics change every scan, as fast as the socket drains\n');
      const rows: string[][] = [
        ['metrics/msg', 'contender', 'bytes/msg', 'metrics/s', 'runs min–max', 'msgs/s', 'CPU-µs/metric', 'CPU %', 'peak RSS MB', 'vs Tahu', 'of ceiling'],
      ];
      for (const m of sizes) {
        const workload: Workload = { devices: 10, metricsPerDevice: m, changeRate: 1, source };
        const res = await interleaved(broker.url, contenders, workload, { cmd: 'saturate', ms: warmupMs }, { cmd: 'saturate', ms: runMs }, runs, prof(`saturation-${m}`));
        const tahu = res.get('tahu');
        const ceiling = res.get('plain');
        for (const [c, s] of res) {
          rows.push([
            String(m),
            LABEL[c],
            s.bytesPerMsg.toFixed(0),
            fmt(s.metricsPerSec),
            s.spread,
            fmt(s.msgsPerSec),
            s.cpuUsPerMetric.toFixed(3),
            s.cpuPct.toFixed(0),
            s.maxRssMb.toFixed(0),
            tahu === undefined ? '' : `${(s.metricsPerSec / tahu.metricsPerSec).toFixed(2)}x`,
            ceiling === undefined ? '' : `${((100 * s.metricsPerSec) / ceiling.metricsPerSec).toFixed(0)}%`,
          ]);
        }
        const ours = res.get('sparkstate');
        if (ours !== undefined && tahu !== undefined) {
          const x = ours.metricsPerSec / tahu.metricsPerSec;
          const goal = SATURATION_GOAL[m] ?? 0;
          goals.push(`saturation ${m}/msg: sparkstate ${x.toFixed(2)}x Tahu's metrics/s (goal >= ${goal}x): ${verdict(x >= goal)}`);
        }
        if (ours !== undefined && ceiling !== undefined) {
          const p = ours.metricsPerSec / ceiling.metricsPerSec;
          goals.push(`saturation ${m}/msg: sparkstate ${(100 * p).toFixed(0)}% of plain MQTT.js (goal >= 70%): ${verdict(p >= 0.7)}`);
        }
      }
      printTable(rows);
    }

    if (process.env['EDGE_FIXED'] !== '0') {
      const scansPerSec = 10;
      const workload: Workload = { devices: 10, metricsPerDevice: 1000, changeRate: 1, source };
      process.stdout.write(`\nFixed rate: 10 devices x 1,000 metrics x ${scansPerSec} scans/s = 100,000 metrics/s, ${runs} windows of ${runMs} ms after ${warmupMs} ms\n`);
      const rows: string[][] = [['contender', 'metrics/s', 'CPU-µs/metric', 'CPU ms/s', 'CPU % of a core', 'peak RSS MB', 'CPU vs Tahu']];
      const res = await interleaved(
        broker.url,
        contenders,
        workload,
        { cmd: 'paced', ms: warmupMs, scansPerSec },
        { cmd: 'paced', ms: runMs, scansPerSec },
        runs,
        prof('fixed'),
      );
      const tahu = res.get('tahu');
      for (const [c, s] of res) {
        const cpuPerSec = s.cpuUsPerMetric * s.metricsPerSec;
        rows.push([
          LABEL[c],
          fmt(s.metricsPerSec),
          s.cpuUsPerMetric.toFixed(3),
          (cpuPerSec / 1000).toFixed(1),
          s.cpuPct.toFixed(1),
          s.maxRssMb.toFixed(0),
          tahu === undefined ? '' : `${(s.cpuUsPerMetric / tahu.cpuUsPerMetric).toFixed(2)}x`,
        ]);
      }
      printTable(rows, 1);
      const ours = res.get('sparkstate');
      if (ours !== undefined && tahu !== undefined) {
        const x = ours.cpuUsPerMetric / tahu.cpuUsPerMetric;
        goals.push(`fixed rate 100k metrics/s: sparkstate uses ${x.toFixed(2)}x Tahu's CPU time (goal <= 0.2x): ${verdict(x <= 0.2)}`);
      }
    }
    if (goals.length > 0) process.stdout.write(`\nGoals\n${goals.map((g) => `  ${g}\n`).join('')}`);
    process.stdout.write(`load average at the end ${load()}\n`);
    if (profDir !== undefined) process.stdout.write(`\nCPU profiles written to ${profDir}\n`);
  });
}
