/**
 * A host that cannot keep what it receives (the historian's spool is full) says offline in its STATE
 * while it stays connected; its edge nodes store and forward, and re-birth and replay once it says
 * online again. Both messages carry the session's T, so the Will the broker holds stays valid.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startMosquitto } from '../helpers/mosquitto.js';
import { startObserver } from '../helpers/observer.js';
import { startTcpProxy } from '../helpers/proxy.js';
import { waitUntil } from '../helpers/wait.js';
import { startEdge, isNode } from '../edge/helpers.js';
import { lifo, startHostOn } from './broker-helpers.js';

const STATE = 'spBv1.0/STATE/scada';
const state = (payload: Uint8Array): { online: boolean; timestamp: number } =>
  JSON.parse(new TextDecoder().decode(payload)) as { online: boolean; timestamp: number };

test('host unavailable: offline STATE with the session T while connected, edges store and forward; available again: online with the same T, edges re-birth and replay; the Will still counts afterwards [tck-id-operational-behavior-edge-node-termination-host-offline] [tck-id-message-flow-edge-node-birth-publish-phid-wait]', async (t) => {
  const s = lifo(t);
  const broker = await startMosquitto();
  s.after(() => broker.dispose());
  const link = await startTcpProxy(broker.port);
  s.after(() => link.close());
  const observer = await startObserver(broker.url);
  s.after(() => observer.close());
  const host = await startHostOn(s, [link.url], { hostId: 'scada' });
  const { node } = await startEdge(t, { servers: [broker.url], primaryHostId: 'scada', scanIntervalMs: 50, resendWindowMs: 0 });
  await waitUntil(() => node.state === 'online', 5000, 'edge online');
  const birth = state((await observer.waitFor((m) => m.topic === STATE)).payload);
  assert.equal(birth.online, true);

  await host.setAvailable(false, 'historian spool full');
  const offline = await observer.waitFor((m) => m.topic === STATE && !state(m.payload).online);
  assert.equal(state(offline.payload).timestamp, birth.timestamp, 'offline with the session T');
  await observer.waitFor(isNode('NDEATH'));
  await waitUntil(() => node.state !== 'online', 5000, 'edge leaves its session');
  assert.equal(host.state, 'online', 'the host stays connected');
  await waitUntil(() => node.stats.metricsStored > 10, 5000, 'edge stores and forwards');
  assert.equal(host.setAvailable(false, 'again'), undefined, 'no second offline STATE');

  const births = observer.messages.filter(isNode('NBIRTH')).length;
  await host.setAvailable(true, 'spool drained');
  const online = await observer.waitFor((m) => m.topic === STATE && m !== offline && state(m.payload).online);
  assert.equal(state(online.payload).timestamp, birth.timestamp, 'online again with the same T');
  await observer.waitFor(() => observer.messages.filter(isNode('NBIRTH')).length > births, 5000);
  await waitUntil(() => node.stats.metricsReplayed > 10, 10_000, 'the stored samples replayed');
  assert.equal(host.counters.stateReasserts, 0, 'its own offline STATE was not answered while unavailable');

  // The host dies without a word: the broker's Will (offline, T) must still make the edge leave.
  link.dropAll();
  link.open = false;
  await waitUntil(() => node.state !== 'online', 10_000, 'edge acts on the Will');
});
