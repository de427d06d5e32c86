/**
 * E2E historian (issue #19): the host dies with its link already dead. The link is cut without a
 * reset, so the broker keeps forwarding live data into a socket nobody reads until its keepalive
 * check gives up and publishes the host's Will (STATE offline); then the host is killed -9 (its
 * unwritten batch dies with it) and started again. What the host never received or never wrote
 * comes back through the edges' resend window (their last 90 s of live data, re-sent as historical
 * after the re-birth); the (metric, timestamp) key keeps the copies of what it had written out.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sleep } from '../helpers/wait.js';
import { countersOf, problems, reportHistory, settledHistory, startHistoryPlant, watchState } from './history-helpers.js';
import { HOST_ID } from './processes.js';

test('e2e historian: host link cut without a reset, keepalive window included, then host kill -9 and restart — the resend window fills history; every counter consecutive, none twice', async (t) => {
  const { plant, schema } = await startHistoryPlant(t);
  const link = plant.links.get('host');
  assert.ok(link !== undefined);
  const state = await watchState(plant.s, plant.broker.url, HOST_ID);
  await sleep(1000);

  link.cut(true);
  const cutAt = Date.now();
  // The broker forwards into the dead socket until it gives up on it: the Will says offline.
  const willMs = await state.next(false, cutAt);
  await plant.host.kill9();
  link.cut(false);
  const restarted = Date.now();
  plant.host.start();
  const recoveryMs = await plant.whole(restarted, 30_000);
  await sleep(2000); // the re-sent window and the stored samples are replayed
  const r = await settledHistory(schema, plant.ledger, countersOf(plant.edges));
  const account = plant.account();
  reportHistory('host link cut without reset + host kill -9', r, recoveryMs, `Will ${willMs} ms after the cut, ${account.resent} samples re-sent by the resend window, ${account.historical} historical`);
  assert.equal(r.missing, 0, problems(r));
  assert.equal(r.duplicates, 0, problems(r));
  assert.ok(account.resent > 0, 'the resend window re-sent what the host may have missed');
});
