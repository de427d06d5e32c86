import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'mqtt';
import { ErrorCodes, isSparkplugError } from '../../src/errors.js';
import { freePort, startMosquitto } from '../helpers/mosquitto.js';
import { startObserver } from '../helpers/observer.js';
import { startTcpProxy } from '../helpers/proxy.js';
import { sleep, waitUntil } from '../helpers/wait.js';
import { newSession, nextEvent, text } from './fixtures.js';

const WILL_TOPIC = 'spBv1.0/test/NDEATH/node1';
const isTransportError = (e: unknown): boolean => isSparkplugError(e) && e.code === ErrorCodes.TRANSPORT;

test('reconnects after broker kill -9 + restart with a new sessionId and a fresh will()', { timeout: 20_000 }, async (t) => {
  const broker = await startMosquitto();
  t.after(() => broker.dispose());
  const { session, wills } = newSession([broker.url]);
  t.after(() => session.stop());

  const first = nextEvent(session, 'connect');
  await session.start();
  const [c1] = await first;
  assert.equal(c1.sessionId, 1);
  assert.equal(session.isConnected(), true);
  const willsAtFirstConnect = wills.length;

  const lost = nextEvent(session, 'disconnect');
  await broker.kill();
  const [d] = await lost;
  assert.equal(d.reason, 'lost');
  assert.equal(d.sessionId, 1);
  assert.equal(session.isConnected(), false);
  await assert.rejects(session.publish('spBv1.0/x', new Uint8Array(1), { qos: 0, retain: false }), isTransportError);

  const second = nextEvent(session, 'connect', 10_000);
  await broker.restart();
  const [c2] = await second;
  assert.equal(c2.sessionId, 2);
  assert.ok(wills.length > willsAtFirstConnect, 'will() is called again for the new CONNECT');
  assert.equal(c2.will, wills.at(-1));
});

test('the Will is computed afresh for every CONNECT (abrupt link loss delivers each one)', { timeout: 20_000 }, async (t) => {
  const broker = await startMosquitto();
  t.after(() => broker.dispose());
  const proxy = await startTcpProxy(broker.port);
  t.after(() => proxy.close());
  const obs = await startObserver(broker.url);
  t.after(() => obs.close());
  const { session } = newSession([proxy.url]);
  t.after(() => session.stop());

  const seen: string[] = [];
  let connected = nextEvent(session, 'connect');
  await session.start();
  for (let i = 1; i <= 3; i++) {
    const [info] = await connected;
    assert.equal(info.sessionId, i);
    const expected = info.will === undefined ? '' : text(info.will.payload);
    if (i < 3) connected = nextEvent(session, 'connect'); // armed before the drop: reconnects are fast
    proxy.dropAll();
    const will = await obs.waitFor((m) => m.topic === WILL_TOPIC && text(m.payload) === expected);
    assert.equal(will.qos, 1);
    assert.equal(will.retain, false);
    seen.push(expected);
  }
  assert.equal(new Set(seen).size, 3, `three distinct Wills: ${seen.join(', ')}`);
});

test('fails over to the second server when the first is down', { timeout: 15_000 }, async (t) => {
  const broker = await startMosquitto();
  t.after(() => broker.dispose());
  const dead = `mqtt://127.0.0.1:${await freePort()}`;
  const { session } = newSession([dead, broker.url]);
  t.after(() => session.stop());

  const failed = nextEvent(session, 'error');
  const connected = nextEvent(session, 'connect');
  await session.start();
  const [err] = await failed;
  assert.ok(isTransportError(err));
  assert.match(err.message, /cannot connect to mqtt:\/\/127\.0\.0\.1/);
  const [info] = await connected;
  assert.equal(info.serverIndex, 1);
  assert.equal(session.currentServer, broker.url);
});

test('nextServer() runs beforeDisconnect on the old server, then connects to the next one', { timeout: 15_000 }, async (t) => {
  const a = await startMosquitto();
  t.after(() => a.dispose());
  const b = await startMosquitto();
  t.after(() => b.dispose());
  const obsA = await startObserver(a.url);
  t.after(() => obsA.close());
  const { session } = newSession([a.url, b.url]);
  t.after(() => session.stop());

  const onA = nextEvent(session, 'connect');
  await session.start();
  assert.equal((await onA)[0].serverIndex, 0);

  const onB = nextEvent(session, 'connect');
  const left = nextEvent(session, 'disconnect');
  await session.nextServer({
    beforeDisconnect: () => session.publish(WILL_TOPIC, Buffer.from('explicit'), { qos: 1, retain: false }),
  });
  assert.equal((await left)[0].reason, 'nextServer');
  const [info] = await onB;
  assert.equal(info.serverIndex, 1);
  assert.equal(info.sessionId, 2);
  await obsA.waitFor((m) => text(m.payload) === 'explicit');
  await sleep(200);
  assert.deepEqual(obsA.messages.map((m) => text(m.payload)), ['explicit'], 'clean DISCONNECT: no Will on 3.1.1');
});

for (const protocolVersion of [4, 5] as const) {
  const tag =
    protocolVersion === 4
      ? '[tck-id-payloads-ndeath-will-message-publisher-disconnect-mqtt311]'
      : '[tck-id-payloads-ndeath-will-message-publisher-disconnect-mqtt50]';
  test(`stop() publishes in beforeDisconnect, then DISCONNECT; MQTT ${protocolVersion === 4 ? '3.1.1: no Will' : '5 reason 0x04: Will delivered'} ${tag}`, { timeout: 15_000 }, async (t) => {
    const broker = await startMosquitto();
    t.after(() => broker.dispose());
    const obs = await startObserver(broker.url);
    t.after(() => obs.close());
    const { session } = newSession([broker.url], { protocolVersion });
    const connected = nextEvent(session, 'connect');
    await session.start();
    await connected;

    const order: string[] = [];
    const stopped = nextEvent(session, 'disconnect');
    await session.stop({
      reasonCode: 0x04,
      beforeDisconnect: async () => {
        assert.equal(session.isConnected(), true);
        await session.publish(WILL_TOPIC, Buffer.from('explicit'), { qos: 1, retain: false });
        order.push('published');
      },
    });
    order.push('stopped');
    assert.deepEqual(order, ['published', 'stopped']);
    assert.equal((await stopped)[0].reason, 'stop');
    assert.equal(session.sessionState, 'stopped');

    const expected = protocolVersion === 4 ? ['explicit'] : ['explicit', 'will-1'];
    await obs.waitForCount(expected.length, (m) => m.topic === WILL_TOPIC);
    await sleep(300); // room for a Will that must not come
    assert.deepEqual(obs.messages.map((m) => text(m.payload)), expected);
    await assert.rejects(session.publish(WILL_TOPIC, new Uint8Array(0), { qos: 0, retain: false }), isTransportError);
  });
}

test('subscribe() and message events carry topic, payload, qos and retain', { timeout: 15_000 }, async (t) => {
  const broker = await startMosquitto();
  t.after(() => broker.dispose());
  const { session } = newSession([broker.url], { protocolVersion: 5 });
  t.after(() => session.stop());
  await assert.rejects(session.subscribe([{ topic: 'spBv1.0/#', qos: 1 }]), isTransportError);

  const connected = nextEvent(session, 'connect');
  await session.start();
  await connected;
  await session.subscribe([{ topic: 'spBv1.0/STATE/+', qos: 1 }]);
  const message = nextEvent(session, 'message');
  const other = connect(broker.url, { reconnectPeriod: 0 });
  t.after(() => other.endAsync(true));
  await other.publishAsync('spBv1.0/STATE/host1', '{"online":true}', { qos: 1, retain: true });
  const [topic, payload, info] = await message;
  assert.equal(topic, 'spBv1.0/STATE/host1');
  assert.equal(text(payload), '{"online":true}');
  assert.equal(info.qos, 1);
});

test('start() twice or after stop() is a lifecycle error; stop() before start() is harmless', async () => {
  const isLifecycle = (e: unknown): boolean => isSparkplugError(e) && e.code === ErrorCodes.LIFECYCLE;
  const dead = `mqtt://127.0.0.1:${await freePort()}`;
  const running = newSession([dead]).session;
  await running.start();
  await assert.rejects(running.start(), isLifecycle);
  await running.stop();

  const never = newSession([dead]).session;
  await never.stop();
  assert.equal(never.sessionState, 'stopped');
  await assert.rejects(never.start(), isLifecycle);
});

test('connects over WebSockets (ws://)', { timeout: 10_000 }, async (t) => {
  const wsPort = await freePort();
  const broker = await startMosquitto({ extraConfig: `listener ${wsPort} 127.0.0.1\nprotocol websockets` });
  t.after(() => broker.dispose());
  const { session } = newSession([`ws://127.0.0.1:${wsPort}`]);
  t.after(() => session.stop());
  const connected = nextEvent(session, 'connect');
  await session.start();
  assert.equal((await connected)[0].server, `ws://127.0.0.1:${wsPort}/`);
});

test('a QoS 1 publish still awaiting PUBACK is rejected when the link drops', { timeout: 10_000 }, async (t) => {
  const broker = await startMosquitto();
  t.after(() => broker.dispose());
  const proxy = await startTcpProxy(broker.port);
  t.after(() => proxy.close());
  const { session } = newSession([proxy.url]);
  t.after(() => session.stop());
  const connected = nextEvent(session, 'connect');
  await session.start();
  await connected;
  const inFlight = session.publish('spBv1.0/test/NDATA/node1', Buffer.from('x'), { qos: 1, retain: false });
  proxy.dropAll(); // same tick: the proxy never forwards the PUBLISH, so no PUBACK can come
  await assert.rejects(inFlight, isTransportError);
});

test('flushed(): false while published bytes are still in the process, true once the socket handed them all to the OS; never over WebSockets', { timeout: 15_000 }, async (t) => {
  const wsPort = await freePort();
  const broker = await startMosquitto({ extraConfig: `listener ${wsPort} 127.0.0.1\nprotocol websockets` });
  t.after(() => broker.dispose());
  const { session } = newSession([broker.url]);
  t.after(() => session.stop());
  assert.equal(session.flushed(), false, 'not connected');
  const connected = nextEvent(session, 'connect');
  await session.start();
  await connected;
  assert.equal(session.flushed(), true, 'connected, nothing written');
  // Small or large, a publish's bytes first wait in the socket (corked until the next tick, then
  // for the OS to take them); MQTT.js may have answered already.
  for (const size of [100, 4 * 1024 * 1024]) {
    const sent = session.publish('spBv1.0/test/NDATA/node1', new Uint8Array(size), { qos: 0, retain: false });
    assert.equal(session.flushed(), false, `${size} bytes still queued`);
    await sent;
    await waitUntil(() => session.flushed(), 5_000, 'the socket to drain');
  }

  const ws = newSession([`ws://127.0.0.1:${wsPort}`]).session;
  t.after(() => ws.stop());
  const wsConnected = nextEvent(ws, 'connect');
  await ws.start();
  await wsConnected;
  assert.equal(ws.flushed(), false, 'a WebSocket stream may keep what it was given');
});
