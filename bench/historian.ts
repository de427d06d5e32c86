/**
 * Historian throughput: `node build/bench/historian.js [rows]` records `rows` Double values (100
 * per message) as fast as it can into a scratch schema of PostgreSQL on 127.0.0.1:5432 (db `test`)
 * and reports how long until every row is committed. The schema and spool are removed afterwards.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { Historian } from '../src/historian/index.js';
import type { MetricUpdate } from '../src/host/index.js';

const URL = 'postgres://postgres@127.0.0.1:5432/test';
const PER_MESSAGE = 100;

function message(ts: number): MetricUpdate[] {
  const metrics: MetricUpdate[] = [];
  for (let i = 0; i < PER_MESSAGE; i++) {
    metrics.push({ name: `m${i}`, alias: undefined, type: 'Double', value: Math.random(), timestamp: ts, isHistorical: false, properties: undefined });
  }
  return metrics;
}

async function main(rows: number): Promise<void> {
  const schema = `bench_hist_${process.pid}`;
  const spoolDir = mkdtempSync(join(tmpdir(), 'sparkstate-bench-hist-'));
  const h = new Historian({ url: URL, schema, retentionDays: 90, batchMs: 200, batchRows: 5000, spoolDir, spoolMaxBytes: 1e9 });
  h.start();
  try {
    while (!h.stats().databaseUp) await new Promise((r) => setTimeout(r, 50));
    const t0 = Date.now() - 3_600_000;
    // One message first, as a birth would: its metrics get their ids before the timed part.
    h.record({ group: 'G', node: 'N', device: 'D', seq: 0, bdSeq: 0, birth: true, metrics: message(t0 - 1) });
    while (h.stats().rowsWritten < PER_MESSAGE) await new Promise((r) => setTimeout(r, 20));
    const start = Date.now();
    const cpu = process.cpuUsage();
    for (let k = 0; k < rows / PER_MESSAGE; k++) {
      h.record({ group: 'G', node: 'N', device: 'D', seq: k & 0xff, bdSeq: 0, birth: false, metrics: message(t0 + k) });
      // Let the writer run between messages, as it would between MQTT deliveries.
      if (k % 50 === 0) await new Promise((r) => setImmediate(r));
    }
    const recordedMs = Date.now() - start;
    while (h.stats().rowsWritten < rows + PER_MESSAGE) await new Promise((r) => setTimeout(r, 20));
    const totalMs = Date.now() - start;
    const used = process.cpuUsage(cpu);
    const s = h.stats();
    process.stdout.write(
      `${rows} rows: recorded in ${recordedMs} ms, all committed after ${totalMs} ms ` +
        `(${Math.round((rows / totalMs) * 1000)} rows/s), ${s.batches} batches, ` +
        `${((used.user + used.system) / rows).toFixed(2)} µs CPU of this process per row\n`,
    );
  } finally {
    await h.stop();
    rmSync(spoolDir, { recursive: true, force: true });
    const c = new pg.Client({ connectionString: URL });
    await c.connect();
    await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await c.end();
  }
}

await main(Number(process.argv[2] ?? 200_000));
