/**
 * The historian behind a TCP proxy to PostgreSQL: a database that stops answering or refuses
 * connections sends rows to the spool, which drains in order; a full spool raises back-pressure.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Historian, type BackpressureState } from '../../src/historian/index.js';
import { lifo, type Scope } from '../host/broker-helpers.js';
import { startTcpProxy, type TcpProxy } from '../helpers/proxy.js';
import { sleep, waitUntil } from '../helpers/wait.js';
import { event, sql, startHistorian, tempDir, testSchema, update } from './helpers.js';
import { assertConsecutive } from './cli-stack.js';

/** Records counter values 0, 1, 2, … (one per ms of metric time) until stopped. */
function feed(h: Historian): { stop(): number } {
  let n = 0;
  let stopped = false;
  let recording = false;
  const t0 = Date.now() - 60_000;
  const timer = setInterval(() => {
    for (let i = 0; i < 5 && !stopped; i++) {
      recording = true;
      h.record(event([update('C', 'Int64', n, t0 + n)], { seq: n & 0xff }));
      recording = false;
      n++;
    }
  }, 5);
  return {
    /** The number of values recorded; may be called from inside `record` (a listener), after the value counted. */
    stop: () => {
      stopped = true;
      clearInterval(timer);
      return n + (recording ? 1 : 0);
    },
  };
}

/** A historian to PostgreSQL through a proxy the test controls, with a spool directory a second one can reuse. */
async function behindProxy(s: Scope, schema: string): Promise<{ proxy: TcpProxy; spoolDir: string; first: Historian }> {
  const proxy = await startTcpProxy(5432);
  s.after(() => proxy.close());
  const spoolDir = tempDir(s);
  const first = new Historian({ url: `postgres://postgres@127.0.0.1:${proxy.port}/test`, schema, retentionDays: 90, batchMs: 50, batchRows: 1000, spoolDir, spoolMaxBytes: 1e8 });
  first.start();
  return { proxy, spoolDir, first };
}

async function values(schema: string): Promise<number[]> {
  const rows = await sql<{ value: string }>(`SELECT value FROM "${schema}".history WHERE metric = 'C' ORDER BY ts`);
  return rows.map((r) => Number(r.value));
}

test('a database that stops answering mid-write: the batch in flight and what follows spool, then drain in order, none lost, none twice', async (t) => {
  const s = lifo(t);
  const schema = testSchema(s);
  const proxy = await startTcpProxy(5432);
  s.after(() => proxy.close());
  const h = startHistorian(s, schema, { url: `postgres://postgres@127.0.0.1:${proxy.port}/test`, writeTimeoutMs: 1000 });
  const f = feed(h);
  await waitUntil(() => h.stats().rowsWritten >= 100, 30_000, 'rows written before the stall');
  // The open connection stops being read (a write hangs); new connections are refused.
  proxy.open = false;
  proxy.hold(true);
  await waitUntil(() => h.stats().spoolRows >= 200, 30_000, 'rows in the spool');
  assert.equal(h.stats().databaseUp, false);
  proxy.open = true;
  proxy.hold(false);
  await sleep(200);
  const n = f.stop();
  await waitUntil(async () => (await values(schema)).length >= n, 30_000, `${n} rows`);
  const v = await values(schema);
  assert.equal(v[0], 0);
  assertConsecutive(v, 'history');
  assert.equal(v.length, n);
  assert.equal(h.stats().spoolRows, 0);
});

test('spool full: back-pressure goes full at the limit and back to normal once drained; every row is stored', async (t) => {
  const s = lifo(t);
  const schema = testSchema(s);
  const proxy = await startTcpProxy(5432);
  s.after(() => proxy.close());
  const h = startHistorian(s, schema, { url: `postgres://postgres@127.0.0.1:${proxy.port}/test`, spoolMaxBytes: 20_000 });
  const states: BackpressureState[] = [];
  let n = -1;
  await waitUntil(() => h.stats().databaseUp, 30_000, 'connected');
  proxy.open = false;
  proxy.dropAll();
  const f = feed(h);
  // The feed stops at the signal, as edge nodes do when the host goes offline.
  h.on('backpressure', (st) => {
    states.push(st);
    if (st === 'full') n = f.stop();
  });
  await waitUntil(() => states.length === 1, 30_000, 'back-pressure full');
  assert.equal(h.backpressure, 'full');
  assert.ok(h.stats().spoolBytes >= 20_000);
  proxy.open = true;
  await waitUntil(() => states.length === 2, 30_000, 'back-pressure normal');
  assert.deepEqual(states, ['full', 'normal']);
  assert.equal(h.stats().spoolRows, 0);
  const v = await values(schema);
  assert.equal(v.length, n);
  assertConsecutive(v, 'history');
  assert.equal(h.stats().rowsDropped, 0);
});

test('stop with a database that hangs returns within seconds; the rows left in the spool are written by the next start', async (t) => {
  const s = lifo(t);
  const schema = testSchema(s);
  const { proxy, spoolDir, first } = await behindProxy(s, schema);
  await waitUntil(() => first.stats().databaseUp, 30_000, 'connected');
  proxy.hold(true);
  const f = feed(first);
  await sleep(300);
  const n = f.stop();
  const t0 = Date.now();
  await first.stop();
  assert.ok(Date.now() - t0 < 15_000, `stop took ${Date.now() - t0} ms`);
  proxy.hold(false);
  const second = startHistorian(s, schema, { spoolDir });
  await waitUntil(async () => (await values(schema)).length >= n, 30_000, `${n} rows after the restart`);
  const v = await values(schema);
  assert.equal(v.length, n);
  assertConsecutive(v, 'history');
  assert.equal(second.stats().spoolRows, 0);
});

test('rows spooled for a schema that is dropped and created anew before the next start land under their own metrics, not under whatever now has their old ids', async (t) => {
  const s = lifo(t);
  const schema = testSchema(s);
  const { proxy, spoolDir, first } = await behindProxy(s, schema);
  const t0 = Date.now() - 60_000;
  first.record(event([update('A', 'Int32', 1, t0), update('B', 'Int32', 2, t0)]));
  await waitUntil(() => first.stats().rowsWritten === 2, 30_000, 'first rows, ids known');
  proxy.open = false;
  proxy.dropAll();
  // Ids known: these spool as copy text naming A and B by id.
  first.record(event([update('A', 'Int32', 10, t0 + 1), update('B', 'Int32', 20, t0 + 1)]));
  await waitUntil(() => first.stats().spoolRows === 2, 30_000, 'rows in the spool');
  await first.stop();
  await sql(`DROP SCHEMA "${schema}" CASCADE`);
  // The new schema numbers other metrics first: B now has A's old id and A none.
  const again = startHistorian(s, `${schema}_tmp`);
  again.record(event([update('Z', 'Int32', 0, t0), update('B', 'Int32', 0, t0)]));
  await waitUntil(() => again.stats().rowsWritten === 2, 30_000, 'other metrics first');
  await sql(`ALTER SCHEMA "${schema}_tmp" RENAME TO "${schema}"`);
  const second = startHistorian(s, schema, { spoolDir });
  await waitUntil(() => second.stats().spoolRows === 0 && second.stats().rowsWritten === 2, 30_000, 'spool drained');
  const rows = await sql<{ metric: string; value: string }>(`SELECT metric, value FROM "${schema}".history WHERE ts = $1 ORDER BY metric`, [new Date(t0 + 1)]);
  assert.deepEqual(rows.map((r) => [r.metric, Number(r.value)]), [['A', 10], ['B', 20]]);
  assert.equal(second.stats().rowsDropped, 0);
});
