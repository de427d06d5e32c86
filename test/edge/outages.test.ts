/** Device loss, broker crash (kill -9) and restart, on a real Mosquitto. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startMosquitto } from '../helpers/mosquitto.js';
import { startObserver } from '../helpers/observer.js';
import { startTcpProxy } from '../helpers/proxy.js';
import { sleep, waitUntil } from '../helpers/wait.js';
import { Wire, assertNone, bdSeqOf, isDevice, isNode, startEdge } from './helpers.js';

test(
  'device lost → DDEATH with seq and timestamp (QoS 0, not retained); back → DBIRTH ' +
    '[tck-id-operational-behavior-device-ddeath] [tck-id-topics-ddeath-mqtt] [tck-id-topics-ddeath-seq-num] [tck-id-payloads-ddeath-timestamp] [tck-id-payloads-ddeath-seq] [tck-id-payloads-ddeath-seq-inc] [tck-id-payloads-ddeath-seq-number] [tck-id-topics-ddeath-topic]',
  async (t) => {
    const broker = await startMosquitto();
    t.after(() => broker.dispose());
    const obs = await startObserver(broker.url);
    t.after(() => obs.close());
    const edge = await startEdge(t, { servers: [broker.url] });
    await obs.waitForCount(3, isDevice('DDATA', 'Filler'));
    const before = Date.now();
    edge.device('Filler').setOnline(false);
    const ddeath = await obs.waitFor(isDevice('DDEATH', 'Filler'));
    assert.equal(ddeath.qos, 0);
    assert.equal(ddeath.retain, false);
    const seen = new Wire().decodeAll(obs.messages);
    const i = seen.findIndex((s) => s.type === 'DDEATH');
    const d = seen[i];
    assert.ok(d !== undefined);
    assert.ok('seq' in d.raw, 'DDEATH has seq');
    assert.equal(Number(d.raw.seq), (Number(seen[i - 1]?.raw.seq) + 1) % 256, 'DDEATH seq continues the counter');
    const ts = Number(d.raw.timestamp);
    assert.ok(ts >= before && ts <= Date.now(), 'DDEATH payload timestamp');
    await assertNone(obs.messages, isDevice('DDATA', 'Filler'), 300, 'no DDATA from a dead device');
    assert.equal(edge.node.state, 'online', 'the node lives on');

    edge.device('Filler').setOnline(true);
    await obs.waitForCount(2, isDevice('DBIRTH', 'Filler'));
    await obs.waitForCount(obs.messages.filter(isDevice('DDATA', 'Filler')).length + 2, isDevice('DDATA', 'Filler'));
    const all = new Wire().decodeAll(obs.messages).filter((s) => s.type !== 'NDEATH');
    for (let k = 1; k < all.length; k++) {
      assert.equal(Number(all[k]?.raw.seq), (Number(all[k - 1]?.raw.seq) + 1) % 256, `seq at ${k}`);
    }
  },
);

test(
  'broker kill -9 and restart (persistent broker): the node reconnects with back-off and re-births with bdSeq+1 ' +
    '[tck-id-topics-nbirth-bdseq-increment] [tck-id-message-flow-edge-node-birth-publish-will-message-payload-bdSeq] [tck-id-message-flow-edge-node-birth-publish-connect]',
  async (t) => {
    const broker = await startMosquitto({ persistence: true });
    t.after(() => broker.dispose());
    const gate = await startTcpProxy(broker.port);
    t.after(() => gate.close());
    const obs1 = await startObserver(broker.url);
    t.after(() => obs1.close());
    const { node } = await startEdge(t, { servers: [gate.url] });
    const nb0 = new Wire().decode(await obs1.waitFor(isNode('NBIRTH')));
    assert.ok(nb0 !== undefined);
    await obs1.waitForCount(2, isDevice('DBIRTH'));

    gate.open = false;
    await broker.kill();
    await waitUntil(() => node.state === 'connecting', 3000, 'node notices the loss');
    await sleep(800); // a few failed attempts with back-off
    const attemptsBefore = gate.accepted;
    await broker.restart();
    const obs2 = await startObserver(broker.url);
    t.after(() => obs2.close());
    gate.open = true;
    const nb1m = await obs2.waitFor(isNode('NBIRTH'), 5000);
    assert.equal(gate.accepted, attemptsBefore + 1, 'one new connection');
    const nb1 = new Wire().decode(nb1m);
    assert.ok(nb1 !== undefined);
    assert.equal(bdSeqOf(nb1.raw), bdSeqOf(nb0.raw) + 1);
    assert.equal(Number(nb1.raw.seq), 0);
    await obs2.waitForCount(2, isDevice('DBIRTH'));
    assert.equal(obs2.messages[0], nb1m, 'NBIRTH is the first message of the new session');
    // the Will of the crashed broker's session is gone with it (no retained/queued NDEATH): only the new session
    assert.equal(obs2.messages.filter(isNode('NDEATH')).length, 0);
  },
);
