/**
 * Live data messages are written into recycled buffers (OutputPool) over a real MqttSession and
 * Mosquitto: a buffer is written again only once the socket has let go of it, so every message a
 * subscriber receives holds exactly the values of its own scan, paced or in a burst that the
 * network does not take (a held proxy), which queues megabytes in the edge's socket.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EdgeNode } from '../../src/edge/index.js';
import { decodePayload } from '../../src/payload/index.js';
import { parseTopic } from '../../src/topic/index.js';
import { MqttSession } from '../../src/transport/index.js';
import { startMosquitto } from '../helpers/mosquitto.js';
import { startObserver } from '../helpers/observer.js';
import { startTcpProxy } from '../helpers/proxy.js';
import { sleep } from '../helpers/wait.js';
import { FakeSource } from './fake-source.js';

/** ~14 KB a message: below the socket's high-water mark, so MQTT.js answers before the bytes leave. */
const METRICS = 1000;
const DEVICES = 2;

/** Sets the values device `d` reports from scan `s` on: metric j reads s * 10000 + j + d / 4, so every value of every scan differs. */
function setScan(dev: FakeSource, d: number, s: number): void {
  for (let j = 0; j < METRICS; j++) dev.set(j, s * 10000 + j + d / 4);
}

function device(d: number): FakeSource {
  const dev = new FakeSource(`D${d}`, Array.from({ length: METRICS }, (_, j) => ({ name: `M${j}`, type: 'Double' as const, writable: false })));
  setScan(dev, d, 0);
  return dev;
}

test('recycled output buffers: every DDATA on the wire holds its own scan\'s values, paced and under back-pressure', { timeout: 30_000 }, async (t) => {
  const broker = await startMosquitto();
  t.after(() => broker.dispose());
  const obs = await startObserver(broker.url, { topics: ['spBv1.0/G/DBIRTH/#', 'spBv1.0/G/DDATA/#'] });
  t.after(() => obs.close());
  const proxy = await startTcpProxy(broker.port);
  t.after(() => proxy.close());
  let node: EdgeNode | undefined;
  const session = new MqttSession({ servers: [proxy.url], clientId: `reuse-${process.pid}`, will: () => (node as EdgeNode).willMessage() });
  // Which ArrayBuffer each DDATA was handed to the transport in.
  const buffers: ArrayBufferLike[] = [];
  const publish = session.publish.bind(session);
  session.publish = (topic, payload, opts) => {
    if (topic.includes('/DDATA/')) buffers.push(payload.buffer);
    return publish(topic, payload, opts);
  };
  const devices = Array.from({ length: DEVICES }, (_, d) => device(d));
  node = new EdgeNode({ groupId: 'G', edgeNodeId: 'E', transport: session, bdSeq: { peek: () => 0, confirm: () => {} }, devices, scanIntervalMs: 2 ** 30 });
  const online = new Promise<void>((resolve) => node?.on('stateChanged', (_f, to) => to === 'online' && resolve()));
  await node.start();
  t.after(() => node?.stop());
  await online;
  await obs.waitForCount(DEVICES);

  let scanned = 0;
  const scan = (): void => {
    scanned++;
    devices.forEach((dev, d) => setScan(dev, d, scanned));
    node?.scan();
  };
  const paced = async (n: number): Promise<number> => {
    const from = buffers.length;
    for (let i = 0; i < n; i++) {
      scan();
      await sleep(10);
    }
    return new Set(buffers.slice(from)).size;
  };
  // Paced: the socket is idle at every scan, so buffers come back.
  const before = await paced(20);
  // A burst of ~8 MB while the network takes nothing: after the OS buffers, the rest waits in
  // the socket, and no buffer may be written again before it has left.
  proxy.hold(true);
  for (let i = 0; i < 300; i++) {
    scan();
    await new Promise((r) => setImmediate(r));
  }
  proxy.hold(false);
  const scans = 330;
  const data = await obs.waitForCount(320 * DEVICES, (m) => m.topic.includes('/DDATA/'), 20_000);
  const after = await paced(10);
  data.push(...(await obs.waitForCount(scans * DEVICES, (m) => m.topic.includes('/DDATA/'), 5_000)).slice(data.length));

  assert.ok(before <= 4, `paced scans reuse a few buffers (used ${before} for ${20 * DEVICES} messages)`);
  assert.ok(after <= 4, `and again once the burst has drained (used ${after} for ${10 * DEVICES} messages)`);
  const births = new Map(
    obs.messages
      .filter((m) => m.topic.includes('/DBIRTH/'))
      .map((m) => [parseTopic(m.topic), decodePayload(m.payload)] as const)
      .map(([topic, p]) => [topic.kind === 'device' ? topic.device : '', new Map((p.metrics ?? []).map((m) => [Number(m.alias), Number((m.name ?? '').slice(1))]))]),
  );
  const nextScan = new Map<string, number>();
  for (const m of data) {
    const topic = parseTopic(m.topic);
    const id = topic.kind === 'device' ? topic.device : '';
    const d = Number(id.slice(1));
    const indexOf = births.get(id);
    assert.ok(indexOf !== undefined, `a DBIRTH for ${id}`);
    const p = decodePayload(m.payload, { resolveType: () => 'Double' });
    const metrics = p.metrics ?? [];
    assert.equal(metrics.length, METRICS, `${id}: every metric changed`);
    const s = (nextScan.get(id) ?? 0) + 1;
    for (const x of metrics) {
      const j: number = indexOf.get(Number(x.alias)) ?? -1;
      assert.equal(x.value, s * 10000 + j + d / 4, `${id} scan ${s} metric ${j}`);
    }
    nextScan.set(id, s);
  }
  assert.deepEqual([...nextScan.values()], [scans, scans], 'every scan arrived once, in order');
});
