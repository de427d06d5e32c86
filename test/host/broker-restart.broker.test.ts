/**
 * kill -9 of the broker with five sparkstate edge nodes running: after the restart the host's model
 * is complete again and equal to every node's own published values, and every rebirth request it
 * made is counted and needed (none to a node that had already re-birthed, none twice).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RebirthReason } from '../../src/host/index.js';
import { startMosquitto } from '../helpers/mosquitto.js';
import { waitUntil } from '../helpers/wait.js';
import { hostValues, lifo, startHostOn, startSparkstateEdge, type RecordedEdge } from './broker-helpers.js';

const NODES = ['E1', 'E2', 'E3', 'E4', 'E5'];

test('kill -9 and restart of the broker: the model is complete again and equals every node’s own values; rebirth requests counted, none redundant (H-LOST-SERVER-STALE)', async (t) => {
  const s = lifo(t);
  const broker = await startMosquitto({ persistence: true });
  s.after(() => broker.dispose());
  const host = await startHostOn(s, [broker.url], { staleAfterReconnectMs: 2000 });
  const edges: RecordedEdge[] = [];
  for (const id of NODES) edges.push(await startSparkstateEdge(s, [broker.url], 'Plant1', id));

  const allEqual = (): boolean => {
    const snap = host.snapshot();
    return edges.every((e) => {
      const mine = e.recorder.values();
      return mine !== undefined && JSON.stringify(mine) === JSON.stringify(hostValues(snap, 'Plant1', e.node));
    });
  };
  await waitUntil(allEqual, 5000, 'model complete before the crash');

  // From the crash on: what the host asked and what the nodes answered, in order, per node.
  const events: { node: string; kind: 'birth' | 'rebirth'; reason?: RebirthReason }[] = [];
  host.on('nodeBirth', (i) => events.push({ node: i.node, kind: 'birth' }));
  host.on('rebirthRequested', (i) => events.push({ node: i.node, kind: 'rebirth', reason: i.reason }));
  const rebirthsBefore = host.counters.rebirthsRequested;
  const birthsBefore = edges.map((e) => e.recorder.births);

  await broker.kill();
  await waitUntil(() => host.state === 'connecting', 5000, 'host notices the crash');
  // H-LOST-SERVER-STALE: everything the host holds is stale while it cannot know better.
  const during = host.snapshot();
  for (const id of NODES) assert.equal(during.groups['Plant1']?.nodes[id]?.stale, true, `${id} stale while the broker is down`);

  await broker.restart();
  const restartedAt = Date.now();
  await waitUntil(() => host.state === 'online', 5000, 'host back online');
  let last = '';
  await waitUntil(
    () => {
      const ok = allEqual();
      if (!ok) last = JSON.stringify(NODES.map((id) => [id, hostValues(host.snapshot(), 'Plant1', id) === undefined ? 'incomplete' : 'complete']));
      return ok;
    },
    10_000,
    'model complete and equal after the restart',
  ).catch((err: unknown) => assert.fail(`${String(err)} ${last}`));
  const rebuildMs = Date.now() - restartedAt;
  t.diagnostic(`model rebuilt ${rebuildMs} ms after the broker accepted connections`);

  const requests = events.filter((e) => e.kind === 'rebirth');
  assert.equal(host.counters.rebirthsRequested - rebirthsBefore, requests.length, 'every request counted');
  t.diagnostic(`rebirth requests after the restart: ${requests.map((r) => `${r.node}:${r.reason ?? ''}`).join(', ') || 'none'}`);
  for (const [i, e] of edges.entries()) {
    const mine = events.filter((x) => x.node === e.node);
    const asked = mine.filter((x) => x.kind === 'rebirth').length;
    assert.ok(asked <= 1, `${e.node} asked ${asked} times`);
    if (asked === 1) {
      // Needed: the host had no birth of this session for the node when it asked.
      assert.equal(mine[0]?.kind, 'rebirth', `${e.node} was asked after it had already re-birthed: ${JSON.stringify(mine)}`);
    }
    // The node re-birthed once on its own reconnect, plus once per request.
    assert.equal(e.recorder.births - (birthsBefore[i] ?? 0), 1 + asked, `${e.node} births`);
    const n = host.snapshot().groups['Plant1']?.nodes[e.node];
    assert.equal(n?.online === true && !n.stale, true);
  }
});
