/**
 * E2E historian (issue #19): an edge dies by kill -9 while storing (its link down) and a supervisor
 * starts it again with the same store and counters starting at 100000. What the old process had
 * published or stored on disk lands in history; only samples not yet flushed to disk at the kill
 * (flushIntervalMs 100 in the harness) can be missing, after the last value on the wire — measured.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sleep, waitUntil } from '../helpers/wait.js';
import { countersOf, problems, reportHistory, settledHistory, startHistoryPlant } from './history-helpers.js';
import { birthCounts, hostSeesOffline, lastSampledAt, listening, rebornAndWhole } from './watch.js';

const NEW_RUN = 100_000;
const SCAN_MS = 100;

test('e2e historian: edge kill -9 while storing and restart — the old run is in history up to its last stored value, the new run from 100000; consecutive, none twice', async (t) => {
  const { plant, schema } = await startHistoryPlant(t, { nodes: 2 });
  const [e1, e2] = plant.edges;
  const link = plant.links.get('E1');
  assert.ok(e1 !== undefined && e2 !== undefined && link !== undefined);
  await sleep(1000);

  link.open = false;
  const cutAt = Date.now();
  link.dropAll();
  await hostSeesOffline(plant, 'E1', cutAt);
  await sleep(1500); // the edge stores what it samples
  const killedAt = Date.now();
  await e1.kill9();

  e1.reconfigure({ counterStart: NEW_RUN });
  const births = birthCounts(plant, ['E1']);
  e1.start();
  await listening(e1);
  link.open = true;
  const back = Date.now();
  const recoveryMs = await rebornAndWhole(plant, births, back, 30_000);
  // The old process's queue is replayed after the birth: wait until its newest stored sample is in.
  const lastStored = (): number => lastSampledAt(plant, 'E1', 'D1', 'Count', 0, NEW_RUN - 1);
  await waitUntil(() => killedAt - lastStored() < 2000, 20_000, 'the old queue to be replayed', 50);
  await sleep(1000);

  const refs = [...countersOf([e1], 0, NEW_RUN - 1), ...countersOf([e1], NEW_RUN), ...countersOf([e2])];
  const r = await settledHistory(schema, plant.ledger, refs);
  const unflushedMs = killedAt - lastStored();
  const unflushed = Math.floor(unflushedMs / SCAN_MS) * 3;
  reportHistory('edge kill -9 while storing', r, recoveryMs, `newest sample on disk ${unflushedMs} ms old at the kill, ≈ ${unflushed} samples not flushed (the only ones allowed missing, after the last stored value)`);
  assert.equal(r.missing, 0, problems(r));
  assert.equal(r.duplicates, 0, problems(r));
  assert.ok(unflushedMs < 1000, `the newest sample on disk was ${unflushedMs} ms old at the kill`);
});
