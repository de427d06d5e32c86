/**
 * E2E historian (issue #19): the plant's host writes every value into PostgreSQL; in steady state
 * and across a broker kill -9, every counter's rows in `history` are consecutive from the first to
 * the last value the edge produced, none missing, none twice.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sleep } from '../helpers/wait.js';
import { countersOf, problems, reportHistory, settledHistory, startHistoryPlant } from './history-helpers.js';

test('e2e historian: steady state — every counter value the edges produced is one row of history, consecutive, first to last', async (t) => {
  const { plant, schema } = await startHistoryPlant(t);
  await sleep(3000);
  const refs = countersOf(plant.edges);
  const r = await settledHistory(schema, plant.ledger, refs);
  reportHistory('steady state', r, undefined);
  assert.equal(r.missing, 0, problems(r));
  assert.equal(r.duplicates, 0, problems(r));
  assert.ok(r.rows >= refs.length * 20, `${r.rows} rows`);
});

test('e2e historian: broker kill -9 and restart — what the edges stored meanwhile lands in history; every counter consecutive, none twice', async (t) => {
  const { plant, schema } = await startHistoryPlant(t);
  await sleep(1000);
  const back = await plant.crashBroker(1500);
  const recoveryMs = await plant.whole(back);
  await sleep(2000); // the replay of what was stored meanwhile ends
  const r = await settledHistory(schema, plant.ledger, countersOf(plant.edges));
  const historical = plant.account().historical;
  reportHistory('broker kill -9 (down 1.5 s)', r, recoveryMs, `${historical} samples arrived as historical`);
  assert.equal(r.missing, 0, problems(r));
  assert.equal(r.duplicates, 0, problems(r));
  assert.ok(historical > 0, 'the outage was bridged by store and forward');
});
