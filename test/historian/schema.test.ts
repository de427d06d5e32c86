/** Migrations against a real PostgreSQL: fresh schema, idempotent re-run, two historians at once; the `metrics` table across rebirths and a re-created schema. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import pg from 'pg';
import { LATEST_VERSION, migrate } from '../../src/historian/index.js';
import type { MetricUpdate } from '../../src/host/index.js';
import { lifo } from '../host/broker-helpers.js';
import { waitUntil } from '../helpers/wait.js';
import { event, PG_URL, sql, startHistorian, testSchema, update } from './helpers.js';

async function withClient<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

test('migrations: a fresh schema gets every table, the view and its version; a second run is a no-op', async (t) => {
  const s = lifo(t);
  const schema = testSchema(s);
  assert.deepEqual(await withClient((c) => migrate(c, schema)), [1]);
  assert.equal(LATEST_VERSION, 1);
  const tables = await sql<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name`,
    [schema],
  );
  assert.deepEqual(
    tables.map((r) => r.table_name),
    ['history', 'metrics', 'samples', 'schema_migrations'],
  );
  assert.deepEqual(await withClient((c) => migrate(c, schema)), [], 'nothing applied twice');
  const versions = await sql<{ version: number }>(`SELECT version FROM "${schema}".schema_migrations`);
  assert.deepEqual(versions.map((r) => r.version), [1]);
});

test('migrations: two migrators at once on one new schema both succeed, each version applied once', async (t) => {
  const s = lifo(t);
  const schema = testSchema(s);
  const results = await Promise.all([withClient((c) => migrate(c, schema)), withClient((c) => migrate(c, schema)), withClient((c) => migrate(c, schema))]);
  assert.deepEqual(results.flat(), [1], 'exactly one of them applied version 1');
});

test('two historians starting at once on one schema both write (one metric id shared)', async (t) => {
  const s = lifo(t);
  const schema = testSchema(s);
  const a = startHistorian(s, schema);
  const b = startHistorian(s, schema);
  // Within the retention: a partition older than it would be dropped by the other historian's start.
  const t0 = Date.now() - 60_000;
  a.record(event([update('X', 'Int32', 1, t0)]));
  b.record(event([update('X', 'Int32', 2, t0 + 1)]));
  await waitUntil(() => a.stats().rowsWritten === 1 && b.stats().rowsWritten === 1, 30_000, 'both rows written');
  const ids = await sql<{ n: string }>(`SELECT count(*) AS n FROM "${schema}".metrics`);
  assert.equal(ids[0]?.n, '1');
  const rows = await sql<{ value: string }>(`SELECT value FROM "${schema}".history ORDER BY ts`);
  assert.deepEqual(rows.map((r) => r.value), ['1', '2']);
});

test('a schema dropped while the host runs: re-created at the reconnect, and the metric ids cached before are not used in it', async (t) => {
  const s = lifo(t);
  const schema = testSchema(s);
  const h = startHistorian(s, schema);
  const t0 = Date.now() - 60_000;
  h.record(event([update('B', 'Int32', 1, t0)]));
  await waitUntil(() => h.stats().rowsWritten === 1, 30_000, 'B numbered and written');
  await sql(`DROP SCHEMA "${schema}" CASCADE`);
  // The failed write makes the historian reconnect and migrate; C is numbered first in the new schema.
  h.record(event([update('C', 'Int32', 3, t0 + 1)]));
  await waitUntil(() => h.stats().rowsWritten === 2, 30_000, 'C written into the new schema');
  h.record(event([update('B', 'Int32', 2, t0 + 2)]));
  await waitUntil(() => h.stats().rowsWritten === 3, 30_000, 'B written again');
  const rows = await sql<{ metric: string; value: string }>(`SELECT metric, value FROM "${schema}".history ORDER BY ts`);
  assert.deepEqual(rows.map((r) => [r.metric, Number(r.value)]), [['C', 3], ['B', 2]]);
});

test('a rebirth with other properties or another datatype updates the metric in `metrics` (same id); data without properties keeps them', async (t) => {
  const s = lifo(t);
  const schema = testSchema(s);
  const h = startHistorian(s, schema);
  const t0 = Date.now() - 60_000;
  const units = (u: string): MetricUpdate['properties'] => ({ EngUnit: { type: 'String', value: u } });
  h.record(event([update('T', 'Int32', 1, t0, { properties: units('C') })], { birth: true }));
  await waitUntil(() => h.stats().rowsWritten === 1, 30_000, 'first birth');
  h.record(event([update('T', 'Int32', 2, t0 + 1)]));
  h.record(event([update('T', 'Int64', 3, t0 + 2, { properties: units('F') })], { birth: true }));
  await waitUntil(() => h.stats().rowsWritten === 3, 30_000, 'data and the rebirth');
  const m = await sql<{ id: number; datatype: string; unit: string }>(`SELECT id, datatype, properties->'EngUnit'->>'value' AS unit FROM "${schema}".metrics`);
  assert.deepEqual(m.map((r) => [r.datatype, r.unit]), [['Int64', 'F']]);
  const ids = await sql<{ metric_id: number }>(`SELECT DISTINCT metric_id FROM "${schema}".samples`);
  assert.deepEqual(ids.map((r) => r.metric_id), [m[0]?.id]);
});
