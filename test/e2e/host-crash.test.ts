/**
 * E2E: the host dies (kill -9) and is started again. It keeps no model on disk, so it must rebuild
 * the whole plant from births: the ones its primary-host edge nodes send when its STATE is back, or,
 * for edge nodes without a primary host (they never stop publishing), from its rebirth requests alone.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sleep } from '../helpers/wait.js';
import { startPlant, report } from './plant.js';

test('e2e: host kill -9 and restart — primary-host edge nodes store and forward while it is gone, then re-birth; the host is whole, nothing lost [tck-id-operational-behavior-edge-node-termination-host-offline] [tck-id-operational-behavior-edge-node-termination-host-offline-reconnect]', async (t) => {
  const plant = await startPlant(t);
  await sleep(1000);
  const requestsBefore = plant.ledger.rebirthRequests();
  await plant.host.kill9();
  await sleep(2000);
  const restarted = Date.now();
  plant.host.start();
  const recoveryMs = await plant.whole(restarted);
  await sleep(1500); // the replay of what was stored meanwhile ends
  const account = plant.account();
  const rebirthRequests = plant.ledger.rebirthRequests() - requestsBefore;
  report('host kill -9 (edges with a primary host)', { recoveryMs, account, rebirthRequests });
  for (const node of plant.nodeIds) assert.ok(plant.ledger.node(node).bdSeqs.length >= 2, `${node} re-births for the new host`);
  assert.equal(account.lost, 0, JSON.stringify(account.details));
  assert.equal(account.duplicates, 0, JSON.stringify(account.details));
  assert.equal(account.outOfOrder, 0);
  assert.ok(account.historical > 0, 'what was taken while the host was gone arrives as historical');
  assert.equal(rebirthRequests, 0, 'edge nodes re-birth by themselves when the primary host is back');
});

test('e2e: host kill -9 and restart — edge nodes without a primary host keep publishing; the new host rebuilds from rebirth requests alone [tck-id-operational-behavior-data-commands-ncmd-rebirth-verb]', async (t) => {
  const plant = await startPlant(t, { edge: { primaryHostId: null } });
  await sleep(1000);
  await plant.host.kill9();
  await sleep(1000);
  const requestsBefore = plant.ledger.rebirthRequests();
  const restarted = Date.now();
  plant.host.start();
  const recoveryMs = await plant.whole(restarted);
  const account = plant.account();
  const rebirthRequests = plant.ledger.rebirthRequests() - requestsBefore;
  report('host kill -9 (edges without a primary host)', { recoveryMs, account, rebirthRequests });
  assert.equal(rebirthRequests, plant.nodeIds.length, 'one request per node, no more');
  assert.equal(account.lost, 0, JSON.stringify(account.details));
  assert.equal(account.duplicates, 0, JSON.stringify(account.details));
});
