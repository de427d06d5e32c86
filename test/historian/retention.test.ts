/** Daily partitions: created ahead and on demand; whole days older than retentionDays dropped on the timer. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lifo } from '../host/broker-helpers.js';
import { waitUntil } from '../helpers/wait.js';
import { event, sql, startHistorian, testSchema, update } from './helpers.js';

const DAY = 86_400_000;

function dayName(ms: number): string {
  return `samples_p${new Date(ms).toISOString().slice(0, 10).replace(/-/g, '')}`;
}

async function partitions(schema: string): Promise<string[]> {
  const rows = await sql<{ name: string }>(
    `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = $1::regclass ORDER BY 1`,
    [`"${schema}".samples`],
  );
  return rows.map((r) => r.name);
}

test('retention: partitions ahead of time, one on demand for old historical data, dropped once past retentionDays', async (t) => {
  const s = lifo(t);
  const schema = testSchema(s);
  const now = Date.now();
  const h = startHistorian(s, schema, { retentionDays: 3, maintenanceMs: 300 });
  h.record(event([update('old', 'Int32', 1, now - 10 * DAY, { isHistorical: true }), update('new', 'Int32', 2, now)]));
  await waitUntil(() => h.stats().rowsWritten === 2, 30_000, 'both rows written');
  for (const d of [0, 1, 2]) assert.ok((await partitions(schema)).includes(dayName(now + d * DAY)), `partition for today + ${d}`);
  await waitUntil(async () => !(await partitions(schema)).includes(dayName(now - 10 * DAY)), 30_000, 'the old partition dropped');
  const rows = await sql<{ metric: string }>(`SELECT metric FROM "${schema}".history`);
  assert.deepEqual(rows.map((r) => r.metric), ['new']);
});
