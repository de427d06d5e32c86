/** The retained mirror against a real Mosquitto, observed by plain MQTT.js subscribers. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startMosquitto } from '../helpers/mosquitto.js';
import { waitUntil } from '../helpers/wait.js';
import { lifo, RawEdge, startSparkstateEdge } from '../host/broker-helpers.js';
import { Observer, PREFIX, startHostWithMirror, waitMirrored } from './helpers.js';

const BIG = 2n ** 60n + 3n;

test('every metric is retained as JSON equal to the host snapshot, 64-bit exact as strings; only changes are published', async (t) => {
  const s = lifo(t);
  const broker = await startMosquitto();
  s.after(() => broker.dispose());
  const { host, mirror } = await startHostWithMirror(s, broker.url);
  const watch = await Observer.connect(s, broker.url);
  const edge = await RawEdge.connect(s, broker.url, 'Plant1', 'Line1');
  await edge.nbirth(1, [
    { name: 'Big', alias: 10, type: 'Int64', value: BIG },
    { name: 'Small64', alias: 11, type: 'UInt64', value: 7 },
    { name: 'Temp', alias: 12, type: 'Double', value: 21.5 },
    { name: 'Motor/Speed', alias: 13, type: 'Int32', value: -4 },
    { name: 'Raw', alias: 14, type: 'Bytes', value: new Uint8Array([1, 2, 255]) },
    { name: 'Wide', alias: 15, type: 'Int64Array', value: [1, BIG] },
  ]);
  await edge.dbirth('Pump', [{ name: 'Running', alias: 20, type: 'Boolean', value: true }]);
  // bdSeq, Node Control/Rebirth, six metrics; the device's one
  await waitMirrored(watch, host, 9);
  const big = watch.last.get(`${PREFIX}/Plant1/Line1/Big`);
  assert.deepEqual(big?.value, BIG.toString());
  assert.equal(big.datatype, 'Int64');
  assert.equal(big.quality, 'good');
  assert.equal(watch.last.get(`${PREFIX}/Plant1/Line1/Small64`)?.value, '7');
  assert.deepEqual(watch.last.get(`${PREFIX}/Plant1/Line1/Raw`)?.value, 'AQL/');
  assert.deepEqual(watch.last.get(`${PREFIX}/Plant1/Line1/Wide`)?.value, ['1', BIG.toString()]);
  // A `/` in a metric name makes topic levels.
  assert.equal(watch.last.get(`${PREFIX}/Plant1/Line1/Motor/Speed`)?.value, -4);
  assert.deepEqual(watch.status, { online: true, timestamp: (watch.status as { timestamp: number }).timestamp });

  // One changed metric: one message, on its topic only.
  const before = watch.arrivals.length;
  const published = mirror.counters.published;
  await edge.ndata([{ alias: 12, type: 'Double', value: 22.25 }]);
  await edge.ddata('Pump', [{ alias: 20, type: 'Boolean', value: false }]);
  await waitMirrored(watch, host, 9);
  await waitUntil(() => watch.arrivals.length >= before + 2, 5000, 'two changes observed');
  assert.deepEqual(
    watch.arrivals.slice(before).map((a) => a.topic),
    [`${PREFIX}/Plant1/Line1/Temp`, `${PREFIX}/Plant1/Line1/Pump/Running`],
  );
  await waitUntil(() => mirror.pending === 0, 5000, 'PUBACKs');
  assert.equal(mirror.counters.published, published + 2);
});

test('a sparkstate edge node: values equal the host state while it runs; its NDEATH republishes every metric as offline', async (t) => {
  const s = lifo(t);
  const broker = await startMosquitto();
  s.after(() => broker.dispose());
  const { host } = await startHostWithMirror(s, broker.url);
  const watch = await Observer.connect(s, broker.url);
  const e = await startSparkstateEdge(s, [broker.url], 'Plant1', 'Line4');
  // The edge changes values every 100 ms: equal at some instant, with the device counter past 2^53.
  await waitUntil(() => typeof watch.last.get(`${PREFIX}/Plant1/Line4/Filler/Count`)?.value === 'string', 10_000, 'Count mirrored');
  // Uptime, bdSeq, Node Control/*; Count, Label, Setpoint
  await waitMirrored(watch, host, 6);
  await e.edge.stop();
  await waitUntil(() => host.snapshot().groups['Plant1']?.nodes['Line4']?.online === false, 5000, 'NDEATH seen by the host');
  await waitMirrored(watch, host, 6);
  const count = watch.last.get(`${PREFIX}/Plant1/Line4/Filler/Count`);
  assert.equal(count?.quality, 'offline');
  assert.match(String(count.value), /^\d{16,}$/);
  assert.equal(watch.last.get(`${PREFIX}/Plant1/Line4/Uptime`)?.quality, 'offline');
});
