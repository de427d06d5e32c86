/** End to end over real Mosquitto and PostgreSQL with the built CLI: every published counter value is one row. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lifo } from '../host/broker-helpers.js';
import { startMosquitto } from '../helpers/mosquitto.js';
import { startTcpProxy } from '../helpers/proxy.js';
import { waitUntil } from '../helpers/wait.js';
import { assertConsecutive, DEVICES, distinctSorted, startStack } from './cli-stack.js';
import { PG_URL, testSchema } from './helpers.js';

test('CLI: host with a historian, edge with counters: each counter is in history once per published value, consecutive, first to last', async (t) => {
  const s = lifo(t);
  const broker = await startMosquitto();
  s.after(() => broker.dispose());
  const schema = testSchema(s);
  const stack = await startStack(s, broker, schema, PG_URL);
  const edge = stack.startEdge();
  await waitUntil(() => DEVICES.every((d) => stack.wireValues(d).length >= 60), 60_000, '60 values per device on the wire', 100);
  edge.signalGroup('SIGINT');
  await edge.exited;
  for (const d of DEVICES) {
    const wire = distinctSorted(stack.wireValues(d));
    assertConsecutive(wire, `wire ${d}`);
    await waitUntil(async () => (await stack.dbValues(d)).length >= wire.length, 30_000, `${d}: ${wire.length} rows`, 100);
    const db = await stack.dbValues(d);
    assertConsecutive(db, `history ${d}`);
    assert.deepEqual(db, wire, `${d}: history = what the edge published`);
    assert.deepEqual(await stack.dbSeqs(d), stack.wireSeqs(d), `${d}: each row has its message's seq and the node's bdSeq`);
  }
  assert.ok(((await stack.metric('sparkstate_historian_rows_written_total')) ?? 0) >= 180);
  stack.host.signalGroup('SIGTERM');
  assert.equal((await stack.host.exited).code, 0, stack.host.stderr());
});

test('CLI: PostgreSQL unreachable for a while: rows spool, drain in order once it is back, counters still consecutive; one log line per outage, no password in any', async (t) => {
  const s = lifo(t);
  const broker = await startMosquitto();
  s.after(() => broker.dispose());
  const schema = testSchema(s);
  const proxy = await startTcpProxy(5432);
  s.after(() => proxy.close());
  const env = { ...process.env, SPARKSTATE_HISTORIAN_PASSWORD: 'env-secret-2' };
  const stack = await startStack(s, broker, schema, `postgres://postgres:url-secret-1@127.0.0.1:${proxy.port}/test`, env);
  const edge = stack.startEdge();
  await waitUntil(async () => (await stack.dbValues('D1')).length >= 20, 60_000, 'rows in history before the outage', 100);
  // Outage: the connection cut, new ones refused (the machine's PostgreSQL keeps running).
  proxy.open = false;
  proxy.dropAll();
  await waitUntil(async () => ((await stack.metric('sparkstate_historian_spool_rows')) ?? 0) >= 60, 60_000, 'rows in the spool', 100);
  assert.equal(await stack.metric('sparkstate_historian_database_up'), 0);
  const during = stack.wireValues('D1').length;
  await waitUntil(() => stack.wireValues('D1').length >= during + 20, 30_000, 'more values during the outage', 100);
  proxy.open = true;
  await waitUntil(async () => (await stack.metric('sparkstate_historian_spool_rows')) === 0, 60_000, 'spool drained', 100);
  const after = stack.wireValues('D1').length;
  await waitUntil(() => stack.wireValues('D1').length >= after + 20, 30_000, 'more values after the outage', 100);
  edge.signalGroup('SIGINT');
  await edge.exited;
  for (const d of DEVICES) {
    const wire = distinctSorted(stack.wireValues(d));
    await waitUntil(async () => (await stack.dbValues(d)).length >= wire.length, 30_000, `${d}: ${wire.length} rows`, 100);
    const db = await stack.dbValues(d);
    assertConsecutive(db, `history ${d}`);
    assert.deepEqual(db, wire, `${d}: history = what the edge published`);
  }
  stack.host.signalGroup('SIGTERM');
  await stack.host.exited;
  const log = `${stack.host.stdout()}${stack.host.stderr()}`;
  assert.equal(log.match(/database unreachable/g)?.length, 1, log);
  assert.equal(log.match(/database reachable again/g)?.length, 1, log);
  assert.ok(!log.includes('url-secret-1') && !log.includes('env-secret-2'), 'no password in the log');
  assert.ok(log.includes(`127.0.0.1:${proxy.port}`), 'the server is named (without its password)');
});
