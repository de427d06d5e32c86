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

async function main(rows: number): Promise<void> {
  const schema = `bench_hist_${process.pid}`;
  const spoolDir = mkdtempSync(join(tmpdir(), 'sparkstate-bench-hist-'));
  const h = new Historian({ url: URL, schema, retentionDays: 90, batchMs: 200, batchRows: 5000, spoolDir, spoolMaxBytes: 1e9 });
  h.start();
  try {
    while (!h.stats().databaseUp) await new Promise((r) => setTimeout(r, 50));
    const t0 = Date.now() - 3_600_000;
    const start = Date.now();
    for (let k = 0; k < rows / PER_MESSAGE; k++) {
      const metrics: MetricUpdate[] = [];
      for (let i = 0; i < PER_MESSAGE; i++) {
        metrics.push({ name: `m${i}`, alias: undefined, type: 'Double', value: Math.random(), timestamp: t0 + k, isHistorical: false, properties: undefined });
      }
      h.record({ group: 'G', node: 'N', device: 'D', seq: k & 0xff, bdSeq: 0, metrics });
      // Let the writer run between messages, as it would between MQTT deliveries.
      if (k % 50 === 0) await new Promise((r) => setImmediate(r));
    }
    const recordedMs = Date.now() - start;
    while (h.stats().rowsWritten < rows) await new Promise((r) => setTimeout(r, 20));
    const totalMs = Date.now() - start;
    const s = h.stats();
    process.stdout.write(
      `${rows} rows: recorded in ${recordedMs} ms, all committed after ${totalMs} ms ` +
        `(${Math.round((rows / totalMs) * 1000)} rows/s), ${s.batches} batches\n`,
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
