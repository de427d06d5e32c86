/** Primary host awareness (STATE), on a real Mosquitto; the test plays the host by publishing STATE. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startMosquitto } from '../helpers/mosquitto.js';
import { startObserver, type ObservedMessage } from '../helpers/observer.js';
import { sleep, waitUntil } from '../helpers/wait.js';
import type { EdgeState } from '../../src/edge/index.js';
import { Wire, assertNone, bdSeqOf, isDevice, isNode, publishOnce, startEdge, statePayload } from './helpers.js';

const HOST = 'scada';
const stateTopic = (id: string): string => `spBv1.0/STATE/${id}`;
const isBirth = (m: ObservedMessage): boolean => isNode('NBIRTH')(m) || isDevice('DBIRTH')(m);
const isSparkplugOfNode = (m: ObservedMessage): boolean => !m.topic.startsWith('spBv1.0/STATE/');

test(
  'births wait for the primary host: none without STATE, with offline STATE, STATE of another id, or an older online STATE; births after a valid online STATE ' +
    '[tck-id-message-flow-edge-node-birth-publish-phid-wait] [tck-id-message-flow-edge-node-birth-publish-phid-wait-id] ' +
    '[tck-id-message-flow-edge-node-birth-publish-phid-wait-online] [tck-id-message-flow-edge-node-birth-publish-phid-wait-timestamp] ' +
    '[tck-id-operational-behavior-edge-node-birth-sequence-wait]',
  async (t) => {
    const broker = await startMosquitto();
    t.after(() => broker.dispose());
    const obs = await startObserver(broker.url);
    t.after(() => obs.close());
    const { node } = await startEdge(t, { servers: [broker.url], primaryHostId: HOST });
    await waitUntil(() => node.state === 'waitingForHost', 3000, 'waitingForHost');
    await assertNone(obs.messages, isSparkplugOfNode, 300, 'no STATE yet');

    const t1 = Date.now();
    await publishOnce(broker.url, stateTopic(HOST), statePayload(false, t1), { qos: 1, retain: true });
    await assertNone(obs.messages, isSparkplugOfNode, 300, 'offline STATE');
    await publishOnce(broker.url, stateTopic(`${HOST}_WRONG`), statePayload(true, t1 + 10), { qos: 1, retain: true });
    await assertNone(obs.messages, isSparkplugOfNode, 300, 'STATE of another host id');
    await publishOnce(broker.url, stateTopic(HOST), statePayload(true, 16671135), { qos: 1, retain: false });
    await assertNone(obs.messages, isSparkplugOfNode, 300, 'online STATE older than the last one');
    assert.equal(node.state, 'waitingForHost');

    await publishOnce(broker.url, stateTopic(HOST), statePayload(true, t1 + 20), { qos: 1, retain: true });
    const nb = await obs.waitFor(isNode('NBIRTH'));
    await obs.waitForCount(2, isDevice('DBIRTH'));
    const d = new Wire().decode(nb);
    assert.ok(d !== undefined);
    assert.equal(bdSeqOf(d.raw), 0);
    assert.equal(node.state, 'online');
  },
);

test(
  'valid offline STATE → NDEATH, reconnect with a new bdSeq, wait for the host again (no reconnect loop); stale offline STATE ignored ' +
    '[tck-id-operational-behavior-edge-node-termination-host-offline] [tck-id-message-flow-edge-node-birth-publish-phid-offline] ' +
    '[tck-id-operational-behavior-edge-node-termination-host-offline-timestamp] [tck-id-operational-behavior-edge-node-termination-host-offline-reconnect]',
  async (t) => {
    const broker = await startMosquitto();
    t.after(() => broker.dispose());
    const obs = await startObserver(broker.url);
    t.after(() => obs.close());
    const t0 = Date.now();
    await publishOnce(broker.url, stateTopic(HOST), statePayload(true, t0), { qos: 1, retain: true });
    const { node } = await startEdge(t, { servers: [broker.url], primaryHostId: HOST });
    const states: EdgeState[] = [];
    node.on('stateChanged', (_from, to) => states.push(to));
    const nb0 = new Wire().decode(await obs.waitFor(isNode('NBIRTH')));
    assert.ok(nb0 !== undefined);
    await obs.waitForCount(2, isDevice('DBIRTH'));

    // a late Will of an earlier host session: older than the online STATE → ignored
    await publishOnce(broker.url, stateTopic(HOST), statePayload(false, t0 - 5000), { qos: 1, retain: false });
    await assertNone(obs.messages, (m) => isNode('NDEATH')(m) || isDevice('DDEATH')(m), 1000, 'stale offline STATE');
    assert.equal(node.state, 'online');

    // the host goes offline for real
    await publishOnce(broker.url, stateTopic(HOST), statePayload(false, t0 + 1000), { qos: 1, retain: true });
    const death = new Wire().decode(await obs.waitFor(isNode('NDEATH'), 3000));
    assert.ok(death !== undefined);
    assert.equal(bdSeqOf(death.raw), bdSeqOf(nb0.raw), 'NDEATH of the session');
    await waitUntil(() => node.state === 'waitingForHost', 3000, 'reconnected and waiting for the host');
    const transitions = states.length;
    await sleep(700);
    assert.equal(states.length, transitions, `stays waiting on the retained offline STATE (no reconnect loop): ${states.slice(transitions).join(' → ')}`);
    assert.equal(obs.messages.filter(isBirth).length, 3, 'no births while the host is offline');

    await publishOnce(broker.url, stateTopic(HOST), statePayload(true, t0 + 2000), { qos: 1, retain: true });
    const nb1 = new Wire().decode(await obs.waitFor((m) => isNode('NBIRTH')(m) && m !== obs.messages.find(isNode('NBIRTH'))));
    assert.ok(nb1 !== undefined);
    assert.equal(bdSeqOf(nb1.raw), bdSeqOf(nb0.raw) + 1, 'new MQTT session, new bdSeq');
  },
);

test('after a reconnect to a broker that lost its retained STATE, births wait for the host to come online again [tck-id-message-flow-edge-node-birth-publish-phid-wait] [tck-id-operational-behavior-edge-node-birth-sequence-wait]', async (t) => {
  const broker = await startMosquitto();
  t.after(() => broker.dispose());
  const t0 = Date.now();
  await publishOnce(broker.url, stateTopic(HOST), statePayload(true, t0), { qos: 1, retain: true });
  const obs1 = await startObserver(broker.url);
  t.after(() => obs1.close());
  const { node } = await startEdge(t, { servers: [broker.url], primaryHostId: HOST });
  await obs1.waitFor(isNode('NBIRTH'));

  await broker.kill(); // no persistence: the retained STATE is gone
  await waitUntil(() => node.state !== 'online', 3000, 'loss noticed');
  await broker.restart();
  const obs2 = await startObserver(broker.url);
  t.after(() => obs2.close());
  await waitUntil(() => node.state === 'waitingForHost' || node.state === 'online', 5000, 'reconnected');
  await assertNone(obs2.messages, isBirth, 500, 'births before the host is back');
  assert.equal(node.state, 'waitingForHost');
  await publishOnce(broker.url, stateTopic(HOST), statePayload(true, t0 + 5000), { qos: 1, retain: true });
  await obs2.waitFor(isNode('NBIRTH'));
});

test(
  'two servers: host offline on the current server → NDEATH there, births on the next server where the host is online (its own STATE timestamps) ' +
    '[tck-id-operational-behavior-primary-application-state-with-multiple-servers-walk] [tck-id-operational-behavior-primary-application-state-with-multiple-servers-state-subs] ' +
    '[tck-id-operational-behavior-primary-application-state-with-multiple-servers-single-server]',
  async (t) => {
    const a = await startMosquitto();
    t.after(() => a.dispose());
    const b = await startMosquitto();
    t.after(() => b.dispose());
    const now = Date.now();
    await publishOnce(a.url, stateTopic(HOST), statePayload(true, now), { qos: 1, retain: true });
    // the host's session on server B started earlier: an older timestamp than on A is still valid there
    await publishOnce(b.url, stateTopic(HOST), statePayload(true, now - 60_000), { qos: 1, retain: true });
    const obsA = await startObserver(a.url);
    t.after(() => obsA.close());
    const obsB = await startObserver(b.url);
    t.after(() => obsB.close());
    await startEdge(t, { servers: [a.url, b.url], primaryHostId: HOST });
    const nbA = new Wire().decode(await obsA.waitFor(isNode('NBIRTH')));
    assert.ok(nbA !== undefined);
    assert.equal(obsB.messages.filter(isSparkplugOfNode).length, 0, 'one server at a time');

    await publishOnce(a.url, stateTopic(HOST), statePayload(false, now + 1000), { qos: 1, retain: true });
    await obsA.waitFor(isNode('NDEATH'), 3000);
    const nbB = new Wire().decode(await obsB.waitFor(isNode('NBIRTH'), 5000));
    assert.ok(nbB !== undefined);
    assert.equal(bdSeqOf(nbB.raw), bdSeqOf(nbA.raw) + 1);
    await obsB.waitForCount(2, isDevice('DBIRTH'));
    const onA = obsA.messages.length;
    await sleep(300);
    assert.equal(obsA.messages.length, onA, 'nothing more on server A');
  },
);

test(
  'two servers: a node waiting for its primary host walks on from a server where the host is offline, after primaryHostWaitMs, and births where it is online ' +
    '[tck-id-operational-behavior-primary-application-state-with-multiple-servers-walk]',
  async (t) => {
    const a = await startMosquitto();
    t.after(() => a.dispose());
    const b = await startMosquitto();
    t.after(() => b.dispose());
    const now = Date.now();
    await publishOnce(a.url, stateTopic(HOST), statePayload(false, now), { qos: 1, retain: true });
    await publishOnce(b.url, stateTopic(HOST), statePayload(true, now), { qos: 1, retain: true });
    const obsA = await startObserver(a.url);
    t.after(() => obsA.close());
    const obsB = await startObserver(b.url);
    t.after(() => obsB.close());
    const started = Date.now();
    await startEdge(t, { servers: [a.url, b.url], primaryHostId: HOST, primaryHostWaitMs: 400 });
    await obsB.waitFor(isNode('NBIRTH'), 5000);
    assert.ok(Date.now() - started >= 400, 'waited on server A first');
    assert.equal(obsA.messages.filter(isSparkplugOfNode).length, 0, 'no births where the host is offline');
    await obsB.waitForCount(2, isDevice('DBIRTH'));
  },
);
