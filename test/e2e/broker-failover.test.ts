/**
 * E2E: two Mosquitto brokers (not bridged) in every process's server list; the first dies by
 * kill -9. The edges walk to the second (a failed server is left for the next; an edge that gets
 * there before the host waits primaryHostWaitMs for its STATE, then walks on), the host follows,
 * and the model is whole on the second broker; the first one's return moves nobody back. The
 * ledger subscribes to both brokers.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startMosquitto } from '../helpers/mosquitto.js';
import { sleep, waitUntil } from '../helpers/wait.js';
import { lifo } from '../host/broker-helpers.js';
import { waitWhole } from './compare.js';
import { Ledger } from './ledger.js';
import { accountOf, report } from './plant.js';
import { EdgeCli, HostCli } from './processes.js';

const NODES = ['E1', 'E2', 'E3'];

test('e2e: two brokers, the first killed — the edges fail over to the second, the host follows, the model is whole there [tck-id-operational-behavior-primary-application-state-with-multiple-servers-walk]', async (t) => {
  const s = lifo(t);
  const first = await startMosquitto();
  s.after(() => first.dispose());
  const second = await startMosquitto();
  s.after(() => second.dispose());
  const ledger = await Ledger.start([first.url, second.url]);
  s.after(() => ledger.close());
  const servers = [first.url, second.url];
  const host = await HostCli.create(s, { servers });
  host.start();
  await host.ready();
  const edges = await Promise.all(NODES.map((node) => EdgeCli.create(s, { node, servers })));
  for (const e of edges) e.start();
  await Promise.all(edges.map((e) => e.ready()));
  await waitWhole(host, ledger, NODES, Date.now());
  await sleep(1000);
  const births = new Map(NODES.map((n) => [n, ledger.node(n).bdSeqs.length]));
  const requestsBefore = ledger.rebirthRequests();
  const onFirst = ledger.messagesOn(first.url);
  assert.ok(onFirst > 0, 'the plant starts on the first broker');

  const killedAt = Date.now();
  await first.kill();
  let hostMs = 0;
  const hostFollows = waitUntil(
    async () => {
      try {
        return (await host.healthz()).status === 200 && (await host.state()).state === 'online';
      } catch {
        return false;
      }
    },
    20_000,
    'the host online on the second broker',
    25,
  ).then(() => (hostMs = Date.now() - killedAt));
  await waitUntil(() => NODES.every((n) => ledger.node(n).bdSeqs.length > (births.get(n) ?? 0) && !ledger.node(n).dead), 30_000, 'every node born on the second broker', 25);
  const bornMs = Date.now() - killedAt;
  await hostFollows;
  const failoverMs = await waitWhole(host, ledger, NODES, killedAt, 30_000);
  await sleep(1500); // the replay of what was stored during the failover ends
  assert.ok((ledger.messagesOn(second.url)) > 0, 'the plant runs on the second broker');
  const account = accountOf(ledger, edges);
  report('first of two brokers killed (failover)', {
    recoveryMs: failoverMs,
    account,
    rebirthRequests: ledger.rebirthRequests() - requestsBefore,
    extra: `host online on the second broker after ${hostMs} ms, every node born there after ${bornMs} ms`,
  });
  for (const n of NODES) {
    const seqs = ledger.node(n).bdSeqs;
    assert.equal(seqs.at(-1), ((seqs.at(-2) ?? -1) + 1) % 256, `${n}: the birth on the second broker carries the next bdSeq`);
  }
  assert.equal(account.duplicates, 0, JSON.stringify(account.details));
  assert.equal(account.outOfOrder, 0, JSON.stringify(account.details));
  // QoS 0 data written to the first broker as it died is lost (the resend window's business): a few scans at most.
  assert.ok(account.lost <= account.counters * 5, `lost ${account.lost}: ${JSON.stringify(account.details)}`);
  assert.ok(account.historical > 0, 'what was sampled during the failover arrives as historical');
  assert.ok(failoverMs < 15_000, `whole on the second broker ${failoverMs} ms after the kill`);

  // The first broker back: nobody walks back to it (no flapping), the model stays whole.
  const afterFailover = new Map(NODES.map((n) => [n, ledger.node(n).bdSeqs.length]));
  await first.restart();
  await sleep(3000);
  for (const n of NODES) assert.equal(ledger.node(n).bdSeqs.length, afterFailover.get(n), `${n} was not born again when the first broker came back`);
  await waitWhole(host, ledger, NODES, Date.now());
});
