/**
 * Edge soak: 50,000 aliased metrics (50 devices x 1,000), 20% changing every second, scanned by
 * the EdgeNode's own 1 s timer, for 10 minutes; RSS and heap sampled every 10 s in the edge's own
 * child process (heap also after a forced GC: what is really retained). Prints first / last / max.
 *
 *   npx tsc -p tsconfig.json && node build/bench/edge-soak.js       # SOAK_SECONDS=60 for a quick run
 *
 * Not in the default `npm run bench` run (it takes 10 minutes): bench/run.ts runs every registered
 * benchmark when none is named, so this one is its own entry point.
 */
import type { ChildMessage } from './edge-child.js';
import { fmt, printTable } from './report.js';
import { runChild, withBroker } from './edge-proc.js';

const mb = (b: number): string => (b / 1024 / 1024).toFixed(1);

export async function runEdgeSoak(): Promise<void> {
  const seconds = Number(process.env['SOAK_SECONDS'] ?? 600);
  if (!(seconds > 0)) throw new Error('SOAK_SECONDS must be a positive number');
  const sampleEveryMs = Math.min(10_000, Math.max(1000, (seconds * 1000) / 6));
  await withBroker(async (broker) => {
    process.stdout.write(`\n== edge-soak ==\n50 devices x 1,000 aliased Double metrics, changeRate 0.2, scan 1 s, ${seconds} s, sample every ${sampleEveryMs / 1000} s\n`);
    const samples: Extract<ChildMessage, { type: 'soak' }>[] = [];
    const msgs = await runChild(
      { mode: 'soak', url: broker.url, workload: { devices: 50, metricsPerDevice: 1000, changeRate: 0.2, source: 'simulated' }, seconds, sampleEveryMs },
      {
        execArgv: ['--expose-gc'],
        timeoutMs: seconds * 1000 + 120_000,
        onMessage: (m) => {
          if (m.type !== 'soak') return;
          samples.push(m);
          const gc = m.heapAfterGc === undefined ? '' : ` heap after GC ${mb(m.heapAfterGc)} MB`;
          process.stdout.write(`  t=${m.t.toFixed(0)}s rss ${mb(m.rss)} MB heapUsed ${mb(m.heapUsed)} MB${gc} metrics ${fmt(m.metrics)}\n`);
        },
      },
    );
    const done = msgs.find((m) => m.type === 'soakDone');
    const first = samples[0];
    const last = samples.at(-1);
    if (first === undefined || last === undefined) throw new Error('no soak samples');
    const max = (f: (s: (typeof samples)[number]) => number): number => Math.max(...samples.map(f));
    const rows = [
      ['', 'first', 'last', 'max', 'last - first'],
      ['RSS MB', mb(first.rss), mb(last.rss), mb(max((s) => s.rss)), mb(last.rss - first.rss)],
      ['heapUsed MB', mb(first.heapUsed), mb(last.heapUsed), mb(max((s) => s.heapUsed)), mb(last.heapUsed - first.heapUsed)],
    ];
    if (first.heapAfterGc !== undefined && last.heapAfterGc !== undefined) {
      const a = first.heapAfterGc;
      rows.push(['heap after GC MB', mb(a), mb(last.heapAfterGc), mb(max((s) => s.heapAfterGc ?? 0)), mb(last.heapAfterGc - a)]);
    }
    printTable(rows, 1);
    const elapsed = last.t - first.t;
    process.stdout.write(
      `published ${fmt(last.metrics)} metrics in ${fmt(last.messages)} messages (${fmt(elapsed > 0 ? (last.metrics - first.metrics) / elapsed : 0)} metrics/s); ` +
        `peak RSS ${done?.type === 'soakDone' ? (done.maxRssKb / 1024).toFixed(1) : '?'} MB\n`,
    );
  });
}

await runEdgeSoak();
