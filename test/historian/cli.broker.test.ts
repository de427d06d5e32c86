/** End to end over real Mosquitto and PostgreSQL with the built CLI: every published counter value is one row. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lifo } from '../host/broker-helpers.js';
import { startMosquitto } from '../helpers/mosquitto.js';
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
  }
  const metrics = await (await fetch(`${stack.hostHttp}/metrics`)).text();
  const written = /^sparkstate_historian_rows_written_total\{[^}]*\} (\d+)/m.exec(metrics);
  assert.ok(written !== null && Number(written[1]) >= 180, metrics);
  stack.host.signalGroup('SIGTERM');
  assert.equal((await stack.host.exited).code, 0, stack.host.stderr());
});
