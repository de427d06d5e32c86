/** PostgreSQL on 127.0.0.1:5432 (db `test`) for the historian tests: a schema of its own per test, dropped after. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { Historian, type HistorianOptions } from '../../src/historian/index.js';
import type { MetricsEvent, MetricUpdate } from '../../src/host/index.js';
import type { Scope } from '../host/broker-helpers.js';

export const PG_URL = 'postgres://postgres@127.0.0.1:5432/test';

let counter = 0;

/** A fresh schema name; dropped (with everything in it) when the scope ends. */
export function testSchema(s: Scope): string {
  const name = `hist_t${process.pid}_${Date.now() % 1_000_000}_${counter++}`;
  s.after(() => sql(`DROP SCHEMA IF EXISTS "${name}" CASCADE`));
  return name;
}

export async function sql<R extends pg.QueryResultRow = Record<string, unknown>>(text: string, params: unknown[] = []): Promise<R[]> {
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  try {
    return (await c.query<R>(text, params)).rows;
  } finally {
    await c.end();
  }
}

export function tempDir(s: Scope): string {
  const dir = mkdtempSync(join(tmpdir(), 'sparkstate-hist-'));
  s.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function startHistorian(s: Scope, schema: string, o: Partial<HistorianOptions> = {}): Historian {
  const h = new Historian({
    url: PG_URL,
    schema,
    retentionDays: 90,
    batchMs: 50,
    batchRows: 1000,
    spoolDir: o.spoolDir ?? tempDir(s),
    spoolMaxBytes: 64 * 1024 * 1024,
    ...o,
  });
  h.start();
  s.after(() => h.stop());
  return h;
}

export function update(name: string, type: MetricUpdate['type'], value: MetricUpdate['value'], timestamp: number, extra: Partial<MetricUpdate> = {}): MetricUpdate {
  return { name, alias: undefined, type, value, timestamp, isHistorical: false, properties: undefined, ...extra };
}

export function event(metrics: MetricUpdate[], o: Partial<MetricsEvent> = {}): MetricsEvent {
  return { group: 'G', node: 'N', device: 'D', seq: 1, bdSeq: 0, birth: false, metrics, ...o };
}
