/**
 * E2E: the broker dies (kill -9) and comes back: without persistence, with persistence and the
 * retained STATE, and after an outage of several keepalive intervals. The host must have the full,
 * non-stale state again; every sample taken meanwhile must arrive as historical, in order, none lost
 * and none live twice (the resend window's historical copies of samples that had arrived are counted
 * apart: they are re-sent on purpose, since QoS 0 data dies with a broker).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sleep } from '../helpers/wait.js';
import { startPlant, report } from './plant.js';

const KEEPALIVE_MS = 2000; // the harness's keepaliveSec
const STALE_AFTER_RECONNECT_MS = 1000; // the host's rebirth.staleAfterReconnectMs default

const cases = [
  { name: 'without persistence', persistence: false, downMs: 1500 },
  { name: 'with persistence and the retained STATE', persistence: true, downMs: 1500 },
  { name: 'down for 4 × the keepalive', persistence: false, downMs: 4 * KEEPALIVE_MS },
];

for (const c of cases) {
  test(`e2e: broker kill -9 and restart ${c.name} — the host is whole again; every sample taken meanwhile arrives as historical, in order, none lost, none live twice`, async (t) => {
    const plant = await startPlant(t, { broker: { persistence: c.persistence } });
    await sleep(1000);
    const requestsBefore = plant.ledger.rebirthRequests();
    const back = await plant.crashBroker(c.downMs);
    const recoveryMs = await plant.whole(back);
    await sleep(2000); // the replay of what was stored meanwhile ends; live samples continue
    const account = plant.account();
    const rebirthRequests = plant.ledger.rebirthRequests() - requestsBefore;
    report(`broker kill -9 ${c.name}`, { recoveryMs, account, rebirthRequests });
    assert.equal(account.lost, 0, JSON.stringify(account.details));
    assert.equal(account.duplicates, 0, JSON.stringify(account.details));
    assert.equal(account.outOfOrder, 0, JSON.stringify(account.details));
    // One sample per 100 ms scan and counter while the broker was away, all of them historical.
    const expected = (c.downMs / 100) * account.counters;
    assert.ok(account.historical - account.resent >= 0.8 * expected, `${account.historical - account.resent} historical samples of ≈${expected} taken meanwhile`);
    assert.ok(recoveryMs < 5000, `whole again after ${recoveryMs} ms`);
    // With the retained STATE the edge nodes may re-birth before the host is subscribed again: it then asks (one per node at most).
    // Without it, only a node still silent staleAfterReconnectMs after the host's reconnect is asked (a slow start on a loaded machine).
    const mayAsk = c.persistence || recoveryMs > STALE_AFTER_RECONNECT_MS;
    assert.ok(rebirthRequests <= (mayAsk ? plant.nodeIds.length : 0), `${rebirthRequests} rebirth requests, whole again after ${recoveryMs} ms`);
  });
}
