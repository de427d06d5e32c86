/**
 * Edge soak through the product path: the built CLI, `sparkstate edge --config <file>`, with 10
 * simulated devices × 1,000 metrics of the CLI benchmark's datatype mix scanned every 100 ms
 * (100,000 metrics/s) for SOAK_SECONDS (default 600), publishing through Mosquitto. Every
 * SOAK_SAMPLE_S (default 30) s: the CLI's RSS from /proc, its CPU, the metrics a subscriber
 * received, and the lag from each DDATA's timestamp to its arrival (a growing backlog shows as a
 * growing lag or a falling rate). Prints first / last / max, the trend of RSS after the first
 * fifth, and the CLI's live heap after a full GC (a heap snapshot) at the end of the first fifth
 * and at the end: what a leak would grow.
 *
 *   npm run build && npx tsc -p tsconfig.json && node build/bench/edge-soak.js   # SOAK_SECONDS=60 for a quick run
 *
 * Not in the default `npm run bench` run (it takes 10 minutes): this is its own entry point.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MetricCounter, procStat, startCli, stop } from './edge-cli-proc.js';
import { heapSnapshotArgs, liveHeapMb } from './heap-snapshot.js';
import { edgeConfig } from './edge-cli-workload.js';
import { withBroker } from './edge-proc.js';
import { envInt, fmt, printTable } from './report.js';

interface SoakSample {
  t: number;
  rssMb: number;
  cpuPct: number;
  metricsPerSec: number;
  lagMeanMs: number;
  lagMaxMs: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

/** Least-squares slope of y over x. */
function slope(xs: readonly number[], ys: readonly number[]): number {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += ((xs[i] ?? 0) - mx) * ((ys[i] ?? 0) - my);
    den += ((xs[i] ?? 0) - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

export async function runEdgeSoak(): Promise<void> {
  const seconds = envInt('SOAK_SECONDS', 600);
  const every = envInt('SOAK_SAMPLE_S', Math.min(30, Math.max(5, Math.round(seconds / 10))));
  const layout = { devices: 10, metricsPerDevice: 1000 };
  await withBroker(async (broker) => {
    process.stdout.write(`\n== edge-soak ==\nCLI edge, 10 devices × 1,000 mixed metrics every 100 ms (100,000 metrics/s), ${seconds} s, a sample every ${every} s\n`);
    const dir = mkdtempSync(join(tmpdir(), 'sparkstate-edge-soak-'));
    const counter = await MetricCounter.connect(broker.url);
    const node = 'SOAK';
    counter.watch(node);
    const file = join(dir, 'edge.yaml');
    writeFileSync(file, edgeConfig(broker.url, node, layout, 100, join(dir, 'store')));
    const proc = startCli(file, heapSnapshotArgs(dir));
    const pid = proc.pid ?? 0;
    const samples: SoakSample[] = [];
    const heap: { t: number; mb: number }[] = [];
    try {
      while (counter.delivered() === 0) {
        if (proc.exitCode !== null) throw new Error(`the CLI exited with ${proc.exitCode}`);
        await sleep(100);
      }
      counter.lag();
      const t0 = performance.now();
      let prev = { at: t0, cpuMs: procStat(pid).cpuMs, delivered: counter.delivered() };
      while (performance.now() - t0 < seconds * 1000) {
        await sleep(Math.min(every * 1000, seconds * 1000 - (performance.now() - t0)));
        const at = performance.now();
        const { cpuMs } = procStat(pid);
        const delivered = counter.delivered();
        const lag = counter.lag();
        const dt = (at - prev.at) / 1000;
        const s: SoakSample = {
          t: (at - t0) / 1000,
          rssMb: rssMb(pid),
          cpuPct: (100 * (cpuMs - prev.cpuMs)) / (dt * 1000),
          metricsPerSec: (delivered - prev.delivered) / dt,
          lagMeanMs: lag.meanMs,
          lagMaxMs: lag.maxMs,
        };
        samples.push(s);
        if (heap.length === 0 && s.t >= seconds / 5) heap.push({ t: s.t, mb: await liveHeapMb(pid, dir) });
        prev = { at: performance.now(), cpuMs: procStat(pid).cpuMs, delivered: counter.delivered() };
        process.stdout.write(
          `  t=${s.t.toFixed(0)}s RSS ${s.rssMb.toFixed(1)} MB, CPU ${s.cpuPct.toFixed(1)} %, ${fmt(s.metricsPerSec)} metrics/s, lag mean ${s.lagMeanMs.toFixed(1)} ms max ${s.lagMaxMs.toFixed(0)} ms\n`,
        );
      }
      heap.push({ t: (performance.now() - t0) / 1000, mb: await liveHeapMb(pid, dir) });
    } finally {
      await stop(proc);
      await counter.close();
      rmSync(dir, { recursive: true, force: true });
    }
    const first = samples[0];
    const last = samples.at(-1);
    if (first === undefined || last === undefined) throw new Error('no soak samples');
    const max = (f: (s: SoakSample) => number): number => Math.max(...samples.map(f));
    printTable(
      [
        ['', 'first', 'last', 'max'],
        ['CLI RSS MB', first.rssMb.toFixed(1), last.rssMb.toFixed(1), max((s) => s.rssMb).toFixed(1)],
        ['metrics/s received', fmt(first.metricsPerSec), fmt(last.metricsPerSec), fmt(max((s) => s.metricsPerSec))],
        ['lag mean ms', first.lagMeanMs.toFixed(1), last.lagMeanMs.toFixed(1), max((s) => s.lagMeanMs).toFixed(1)],
        ['lag max ms', first.lagMaxMs.toFixed(0), last.lagMaxMs.toFixed(0), max((s) => s.lagMaxMs).toFixed(0)],
        ['CLI CPU %', first.cpuPct.toFixed(1), last.cpuPct.toFixed(1), max((s) => s.cpuPct).toFixed(1)],
      ],
      1,
    );
    // The first fifth includes start-up (the config's parse, then the collector giving memory back).
    const settled = samples.filter((x) => x.t >= seconds / 5);
    const rss = settled.map((x) => x.rssMb);
    const trend = slope(
      settled.map((x) => x.t),
      rss,
    );
    process.stdout.write(
      `after the first fifth: RSS ${Math.min(...rss).toFixed(1)}–${Math.max(...rss).toFixed(1)} MB, trend ${(trend * 60).toFixed(2)} MB per minute\n` +
        `live heap after a full GC: ${heap.map((h) => `${h.mb.toFixed(1)} MB at t=${h.t.toFixed(0)}s`).join(', ')}\n`,
    );
  });
}

await runEdgeSoak();
