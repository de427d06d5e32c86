/** The mirror across births, deaths and broker restarts (real Mosquitto, plain MQTT.js observers). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startMosquitto } from '../helpers/mosquitto.js';
import { waitUntil } from '../helpers/wait.js';
import { lifo, RawEdge, type Scope } from '../host/broker-helpers.js';
import { Observer, PREFIX, startHostWithMirror, waitMirrored } from './helpers.js';

const A = `${PREFIX}/Plant1/Line1/A`;
const B = `${PREFIX}/Plant1/Line1/B`;
const DEV = `${PREFIX}/Plant1/Line1/Pump/Flow`;

/** NBIRTH with A, B; DBIRTH Pump with Flow. */
async function bornEdge(s: Scope, url: string): Promise<RawEdge> {
  const edge = await RawEdge.connect(s, url, 'Plant1', 'Line1');
  await edge.nbirth(1, [
    { name: 'A', alias: 1, type: 'Int64', value: 1 },
    { name: 'B', alias: 2, type: 'String', value: 'b' },
  ]);
  await edge.dbirth('Pump', [{ name: 'Flow', alias: 3, type: 'Float', value: 1.5 }]);
  return edge;
}

test('NDEATH: every metric of the node and its devices republished as offline; a rebirth without a metric clears its topic', async (t) => {
  const s = lifo(t);
  const broker = await startMosquitto();
  s.after(() => broker.dispose());
  const { host, mirror } = await startHostWithMirror(s, broker.url);
  const watch = await Observer.connect(s, broker.url);
  const edge = await bornEdge(s, broker.url);
  await waitMirrored(watch, host, 5);
  assert.equal(watch.last.get(DEV)?.quality, 'good');

  await edge.ndeath(1);
  await waitUntil(() => host.snapshot().groups['Plant1']?.nodes['Line1']?.online === false, 5000, 'NDEATH seen by the host');
  await waitMirrored(watch, host, 5);
  for (const topic of [A, B, DEV]) assert.equal(watch.last.get(topic)?.quality, 'offline', topic);

  // Rebirth without B: B's retained message is cleared; the device stays offline until its DBIRTH (HP-4).
  await edge.nbirth(2, [{ name: 'A', alias: 1, type: 'Int64', value: 5 }]);
  await waitUntil(() => watch.cleared.has(B), 5000, 'B cleared');
  assert.equal(host.snapshot().groups['Plant1']?.nodes['Line1']?.metrics['B'], undefined);
  await waitMirrored(watch, host, 4);
  assert.equal(watch.last.get(A)?.value, '5');
  assert.equal(watch.last.get(A)?.quality, 'good');
  assert.equal(watch.last.get(DEV)?.quality, 'offline');
  await waitUntil(() => mirror.pending === 0, 5000, 'mirror idle');
  assert.equal(mirror.counters.cleared, 1);

  // A new subscriber gets the retained values at once, and nothing for B.
  const late = await Observer.connect(s, broker.url);
  await waitMirrored(late, host, 4);
  assert.equal(late.count(B), 0);
  assert.ok(late.arrivals.every((a) => a.retain));
});

/**
 * The mirror on a broker of its own (mirror.mqtt), so that its restarts leave the host and its edge
 * alone: what the new subscriber gets is the mirror's doing only.
 */
for (const persistence of [true, false]) {
  test(`mirror broker killed (-9) and restarted ${persistence ? 'with' : 'WITHOUT'} persistence: a new subscriber gets every last value at once`, async (t) => {
    const s = lifo(t);
    const sparkplug = await startMosquitto();
    s.after(() => sparkplug.dispose());
    const plain = await startMosquitto({ persistence });
    s.after(() => plain.dispose());
    const { host, mirror } = await startHostWithMirror(s, sparkplug.url, { mirrorServer: plain.url });
    const edge = await bornEdge(s, sparkplug.url);
    const watch = await Observer.connect(s, plain.url);
    await waitMirrored(watch, host, 5);
    await edge.ndata([{ alias: 1, type: 'Int64', value: 42 }]);
    await waitUntil(() => watch.last.get(A)?.value === '42', 5000, 'A = 42 mirrored');
    await waitUntil(() => mirror.pending === 0, 5000, 'mirror idle');
    const { republishes, published } = mirror.counters;
    // The first connection found no session: everything went out once.
    assert.equal(republishes, 1);

    await plain.kill();
    // A change while the mirror's broker is down goes out once it is back, as the latest value.
    await edge.ndata([{ alias: 1, type: 'Int64', value: 43 }]);
    await plain.restart();
    const late = await Observer.connect(s, plain.url);
    await waitMirrored(late, host, 5, 15_000);
    assert.equal(late.last.get(A)?.value, '43');
    await waitUntil(() => mirror.pending === 0, 5000, 'mirror idle');
    if (persistence) {
      // The broker kept the session and the retained values: only the change went out.
      assert.equal(mirror.counters.republishes, republishes);
      assert.equal(mirror.counters.published, published + 1);
    } else {
      assert.equal(mirror.counters.republishes, republishes + 1);
      assert.ok(mirror.counters.published >= published + 5, `republished ${mirror.counters.published - published}`);
    }
  });
}

test('one broker for host and mirror, killed (-9) and restarted with persistence: every value comes back marked stale (the host lost its link), equal to the host state', async (t) => {
  const s = lifo(t);
  const broker = await startMosquitto({ persistence: true });
  s.after(() => broker.dispose());
  const { host } = await startHostWithMirror(s, broker.url);
  await bornEdge(s, broker.url);
  const watch = await Observer.connect(s, broker.url);
  await waitMirrored(watch, host, 5);
  await broker.kill();
  await broker.restart();
  await waitUntil(() => host.state === 'online', 10_000, 'host back online');
  // The raw edge does not reconnect: the host keeps its values, stale, and so does the mirror.
  const late = await Observer.connect(s, broker.url);
  await waitMirrored(late, host, 5, 15_000);
  for (const topic of [A, B, DEV]) assert.equal(late.last.get(topic)?.quality, 'stale', topic);
  assert.equal(late.last.get(A)?.value, '1');
});

test('at start, retained values an earlier run left saying "good" for metrics the host does not hold are republished as stale; others are left alone', async (t) => {
  const s = lifo(t);
  const broker = await startMosquitto();
  s.after(() => broker.dispose());
  const gone = `${PREFIX}/Plant1/Gone/X`;
  const foreign = `${PREFIX}/notes`;
  const seed = await Observer.connect(s, broker.url);
  await seed.client.publishAsync(gone, '{"value":"9007199254740993","timestamp":5,"datatype":"Int64","quality":"good"}', { qos: 1, retain: true });
  await seed.client.publishAsync(foreign, 'hello', { qos: 1, retain: true });
  await seed.client.publishAsync(A, '{"value":"0","timestamp":5,"datatype":"Int64","quality":"good"}', { qos: 1, retain: true });
  const { host, mirror } = await startHostWithMirror(s, broker.url);
  const watch = await Observer.connect(s, broker.url);
  await waitUntil(() => watch.last.get(gone)?.quality === 'stale', 15_000, 'leftover marked stale');
  assert.deepEqual(watch.last.get(gone), { value: '9007199254740993', timestamp: 5, datatype: 'Int64', quality: 'stale' });
  // A metric the host then learns of is mirrored as usual.
  await bornEdge(s, broker.url);
  await waitUntil(() => watch.last.get(A)?.quality === 'good' && watch.last.get(A)?.value === '1', 5000, 'A born');
  await waitUntil(() => mirror.pending === 0, 5000, 'mirror idle');
  assert.ok(mirror.counters.leftovers >= 1);
  // Not a mirror payload: untouched (only the broker's retained copy, once).
  assert.deepEqual(
    watch.arrivals.filter((a) => a.topic === foreign).map((a) => [a.value, a.retain]),
    [['hello', true]],
  );
  assert.equal(host.snapshot().groups['Plant1']?.nodes['Gone'], undefined);
});
