/**
 * The edge node's live data path (scan → DataWriter → transport) over an in-memory transport:
 * the bytes equal what encodePayload makes of the equivalent payload; names, datatypes and
 * aliases per option; ordering by timestamp; values that cannot be encoded; publishes the
 * transport refuses going to store-and-forward. And over Mosquitto: invalidated values with their Quality.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EdgeNode } from '../../src/edge/index.js';
import { encodeChanges } from '../../src/edge/data-message.js';
import { Scope } from '../../src/edge/scope.js';
import { SparkplugEncodeError } from '../../src/errors.js';
import { DataWriter } from '../../src/payload/data-writer.js';
import type { EdgeNodeOptions, ForwardRecord, ForwardStore, StoredForwardRecord } from '../../src/edge/types.js';
import { TypedEmitter } from '../../src/events.js';
import { decodePayload, encodePayload, type Metric, type MetricTypeName, type MetricValue } from '../../src/payload/index.js';
import { type DeviceSource, Quality } from '../../src/sources/types.js';
import { MqttSession, type MqttSessionEvents, type PublishOptions, type SubscriptionFilter } from '../../src/transport/index.js';
import { startMosquitto } from '../helpers/mosquitto.js';
import { startObserver } from '../helpers/observer.js';
import { toHex } from '../payload/hex.js';
import { FakeSource } from './fake-source.js';

const NOW = 1700000000000;

interface Sent {
  topic: string;
  payload: Uint8Array;
}

/** An always-connected transport that records publishes; `refuse` makes publishes reject later. */
class MemoryTransport extends TypedEmitter<MqttSessionEvents> {
  readonly sent: Sent[] = [];
  refuse = false;
  async start(): Promise<void> {
    queueMicrotask(() => this.emit('connect', { server: 'mem', serverIndex: 0, sessionId: 1, will: undefined }));
  }
  async stop(): Promise<void> {}
  async subscribe(_filters: readonly SubscriptionFilter[]): Promise<void> {}
  async nextServer(): Promise<void> {}
  isConnected(): boolean {
    return true;
  }
  publish(topic: string, payload: Uint8Array, _opts: PublishOptions): Promise<void> {
    if (this.refuse) return new Promise((_, reject) => setImmediate(() => reject(new Error('connection closed'))));
    this.sent.push({ topic, payload: new Uint8Array(payload) });
    return Promise.resolve();
  }
}

class MemoryStore implements ForwardStore {
  readonly records: StoredForwardRecord[] = [];
  append(record: ForwardRecord): void {
    this.records.push({ ...record, id: this.records.length + 1 });
  }
  flush(): void {}
  peek(): StoredForwardRecord[] {
    return [];
  }
  ack(): void {}
  isEmpty(): boolean {
    return true;
  }
  close(): void {}
}

interface Def {
  name: string;
  type: MetricTypeName;
}

/** A device whose every poll reports the values the test sets (null until it sets one), as a simulated device does. */
function device(id: string, defs: readonly Def[]): FakeSource {
  const dev = new FakeSource(id, defs.map((d) => ({ ...d, writable: false })));
  for (const d of defs) dev.set(d.name, null);
  return dev;
}

const DEFS: Def[] = [
  { name: 'd', type: 'Double' },
  { name: 'i', type: 'Int16' },
  { name: 'l', type: 'Int64' },
  { name: 's', type: 'String' },
  { name: 'b', type: 'Boolean' },
];

async function online(opts: Partial<EdgeNodeOptions>, dev: DeviceSource, store?: ForwardStore): Promise<{ edge: EdgeNode; transport: MemoryTransport }> {
  const transport = new MemoryTransport();
  const edge = new EdgeNode({
    groupId: 'G',
    edgeNodeId: 'E',
    transport,
    bdSeq: { peek: () => 0, confirm: () => {} },
    devices: [dev],
    scanIntervalMs: 2 ** 30,
    now: () => NOW,
    ...(store === undefined ? {} : { forwardStore: store }),
    ...opts,
  });
  const up = new Promise<void>((resolve) => edge.on('stateChanged', (_f, to) => to === 'online' && resolve()));
  await edge.start();
  await up;
  return { edge, transport };
}

const ddata = (t: MemoryTransport): Sent[] => t.sent.filter((s) => s.topic.includes('/DDATA/'));

for (const [label, opts, withName, withType] of [
  ['aliases, no names, no datatypes (default)', {}, false, false],
  ['sendNamesInData', { sendNamesInData: true }, true, false],
  ['datatypesInData', { datatypesInData: true }, false, true],
  ['useAliases false', { useAliases: false }, true, false],
] as const) {
  test(`DDATA bytes equal encodePayload of the same metrics: ${label}`, async (t) => {
    const dev = device('D1', DEFS);
    const { edge, transport } = await online(opts, dev);
    t.after(() => edge.stop());
    const birth = decodePayload(transport.sent.find((s) => s.topic.includes('/DBIRTH/'))?.payload ?? new Uint8Array());
    const alias = new Map((birth.metrics ?? []).map((m) => [m.name, m.alias]));
    const values: MetricValue[] = [0.5, -300, -9223372036854775808n, 'héllo', false];
    values.forEach((v, i) => dev.set(i, v));
    edge.scan();
    // Unchanged except the Double, which moves to null: only it is sent.
    dev.set(0, null);
    edge.scan();
    edge.scan(); // nothing changed: no message
    const sent = ddata(transport);
    assert.equal(sent.length, 2);
    const expected = (seq: number, changed: number[]): string => {
      const metrics = changed.map((i): Metric => {
        const d = DEFS[i] as Def;
        const m: Metric = { timestamp: NOW, type: d.type };
        if (withName) m.name = d.name;
        const a = alias.get(d.name);
        if (a !== undefined) m.alias = a;
        const v = i === 0 && seq === 3 ? null : values[i];
        if (v === null || v === undefined) m.isNull = true;
        else m.value = v;
        return m;
      });
      return toHex(encodePayload({ timestamp: NOW, metrics, seq }, withType ? {} : { omitMetricTypes: true }));
    };
    // seq: NBIRTH 0, DBIRTH 1, then the data messages
    assert.equal(toHex(sent[0]?.payload ?? new Uint8Array()), expected(2, [0, 1, 2, 3, 4]));
    assert.equal(toHex(sent[1]?.payload ?? new Uint8Array()), expected(3, [0]));
    assert.equal(edge.stats.metricsPublished, 6);
  });
}

test('every scalar datatype through scan and DataWriter.columns: DDATA bytes equal encodePayload, booleans as real booleans to the forwarder', async (t) => {
  const defs: Def[] = (['Int8', 'Int16', 'Int32', 'UInt8', 'UInt16', 'UInt32', 'Int64', 'UInt64', 'DateTime', 'Float', 'Double', 'Boolean', 'Boolean'] as const).map((type, i) => ({ name: `m${i}`, type }));
  const dev = device('D1', defs);
  const store = new MemoryStore();
  const { edge, transport } = await online({}, dev, store);
  t.after(() => edge.stop());
  const birth = decodePayload(transport.sent.find((s) => s.topic.includes('/DBIRTH/'))?.payload ?? new Uint8Array());
  const alias = new Map((birth.metrics ?? []).map((m) => [m.name, m.alias]));
  const rounds: MetricValue[][] = [
    [-128, -32768, -2147483648, 255, 65535, 4294967295, -Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, NOW, 3.14, -0, true, false],
    // The Booleans flip, one Int64 goes beyond 2^53 (a bigint), the rest stay but for two.
    [-128, 7, -2147483648, 255, 65535, 4294967295, 9007199254740993n, Number.MAX_SAFE_INTEGER, NOW + 1, 3.14, -0, false, true],
  ];
  for (const values of rounds) {
    values.forEach((v, i) => dev.set(i, v));
    edge.scan();
  }
  const expected = (seq: number, changed: number[], values: MetricValue[]): string => {
    const metrics = changed.map((i): Metric => {
      const d = defs[i] as Def;
      return { timestamp: NOW, type: d.type, alias: alias.get(d.name) ?? -1, value: values[i] ?? null };
    });
    return toHex(encodePayload({ timestamp: NOW, metrics, seq }, { omitMetricTypes: true }));
  };
  const sent = ddata(transport);
  assert.equal(sent.length, 2);
  assert.equal(toHex(sent[0]?.payload ?? new Uint8Array()), expected(2, defs.map((_, i) => i), rounds[0] ?? []));
  assert.equal(toHex(sent[1]?.payload ?? new Uint8Array()), expected(3, [1, 6, 8, 11, 12], rounds[1] ?? []));
  // Refused by the transport, the booleans are stored as booleans.
  transport.refuse = true;
  dev.set(11, true);
  edge.scan();
  await new Promise((r) => setImmediate(r));
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(store.records.flatMap((r) => decodePayload(r.data).metrics?.map((m) => m.value) ?? []), [true]);
});

test('metrics of one message are ordered by sample timestamp [tck-id-operational-behavior-data-publish-dbirth-order]', async (t) => {
  const dev = device('D1', DEFS.slice(0, 3));
  const { edge, transport } = await online({}, dev);
  t.after(() => edge.stop());
  dev.set(0, 1, 5);
  dev.set(1, 2, -5);
  dev.set(2, 3, 0);
  edge.scan();
  const p = decodePayload(ddata(transport)[0]?.payload ?? new Uint8Array());
  assert.deepEqual(
    p.metrics?.map((m) => m.timestamp),
    [NOW - 5, NOW, NOW + 5],
  );
});

test('a value that does not fit its datatype: message dropped and counted, no seq used, the node goes on', async (t) => {
  const dev = device('D1', DEFS.slice(0, 2));
  const { edge, transport } = await online({}, dev);
  t.after(() => edge.stop());
  dev.set(0, 1.5);
  dev.set(1, 70000); // Int16 out of range
  edge.scan();
  assert.equal(ddata(transport).length, 0);
  assert.equal(edge.stats.metricsDiscarded, 2);
  assert.equal(edge.stats.metricsPublished, 0);
  dev.set(0, 2.5);
  dev.set(1, 7);
  edge.scan();
  const sent = ddata(transport);
  assert.equal(sent.length, 1);
  assert.equal(decodePayload(sent[0]?.payload ?? new Uint8Array()).seq, 2);
});

test('encodeChanges names the metric whose value does not fit, and takes no seq for it', async () => {
  const dev = device('D1', DEFS.slice(0, 2));
  const scope = new Scope('D1', dev, undefined, 'topic');
  await dev.start(scope.inbox);
  dev.set(0, 1.5);
  dev.set(1, 'x'); // a string for the Int16
  const changes = scope.scan(NOW);
  let seqs = 0;
  assert.throws(
    () => encodeChanges(new DataWriter(), scope, changes, NOW, false, () => ++seqs),
    (e: unknown) => e instanceof SparkplugEncodeError && e.message.startsWith('metric "i": '),
  );
  assert.equal(seqs, 0);
});

test('live messages the transport refuses go to store-and-forward by name, with their values and timestamps', async (t) => {
  const dev = device('D1', DEFS);
  const store = new MemoryStore();
  const { edge, transport } = await online({}, dev, store);
  t.after(() => edge.stop());
  transport.refuse = true;
  const values: MetricValue[] = [0.25, -2, 9223372036854775807n, 'x', true];
  values.forEach((v, i) => dev.set(i, v, i === 1 ? -1 : 0));
  edge.scan();
  assert.equal(edge.stats.metricsPublished, 5);
  await new Promise((r) => setImmediate(r));
  await new Promise((r) => setImmediate(r));
  assert.equal(edge.stats.metricsPublished, 0);
  assert.equal(edge.stats.metricsStored, 5);
  const stored = store.records.map((r) => ({ scope: r.scope, timestamp: r.timestamp, metric: decodePayload(r.data).metrics?.[0] }));
  assert.deepEqual(stored, [
    { scope: 'D1', timestamp: NOW - 1, metric: { name: 'i', type: 'Int16', value: -2, timestamp: NOW - 1 } },
    { scope: 'D1', timestamp: NOW, metric: { name: 'd', type: 'Double', value: 0.25, timestamp: NOW } },
    { scope: 'D1', timestamp: NOW, metric: { name: 'l', type: 'Int64', value: 9223372036854775807n, timestamp: NOW } },
    { scope: 'D1', timestamp: NOW, metric: { name: 's', type: 'String', value: 'x', timestamp: NOW } },
    { scope: 'D1', timestamp: NOW, metric: { name: 'b', type: 'Boolean', value: true, timestamp: NOW } },
  ]);
});

test('a store that fails while keeping a refused message: logged, the node goes on (no unhandled rejection)', async (t) => {
  const dev = device('D1', DEFS.slice(0, 1));
  const store = new MemoryStore();
  store.append = () => {
    throw new Error('store closed');
  };
  const { edge, transport } = await online({}, dev, store);
  t.after(() => edge.stop());
  const rejections: unknown[] = [];
  const onRejection = (e: unknown): void => void rejections.push(e);
  process.on('unhandledRejection', onRejection);
  t.after(() => process.off('unhandledRejection', onRejection));
  transport.refuse = true;
  dev.set(0, 1);
  edge.scan();
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(rejections, []);
  assert.equal(edge.stats.metricsPublished, 0);
  transport.refuse = false;
  dev.set(0, 2);
  edge.scan();
  assert.equal(ddata(transport).length, 1);
});

test('without a store, refused live messages are counted as discarded', async (t) => {
  const dev = device('D1', DEFS.slice(0, 1));
  const { edge, transport } = await online({}, dev);
  t.after(() => edge.stop());
  transport.refuse = true;
  dev.set(0, 1);
  edge.scan();
  await new Promise((r) => setImmediate(r));
  await new Promise((r) => setImmediate(r));
  assert.equal(edge.stats.metricsPublished, 0);
  assert.equal(edge.stats.metricsDiscarded, 1);
});

test('over Mosquitto: an invalidated metric goes out null with Quality 0 and its Status, then good again with Quality 192 [tck-id-payloads-propertyset-quality-value-type] [tck-id-payloads-propertyset-quality-value-value]', { timeout: 15_000 }, async (t) => {
  const broker = await startMosquitto();
  t.after(() => broker.dispose());
  const obs = await startObserver(broker.url, { topics: ['spBv1.0/G/DBIRTH/#', 'spBv1.0/G/DDATA/#'] });
  t.after(() => obs.close());
  let edge: EdgeNode | undefined;
  const session = new MqttSession({ servers: [broker.url], clientId: `quality-${process.pid}`, will: () => (edge as EdgeNode).willMessage() });
  // Pushed by the test, as an OPC UA subscription would: nothing is polled.
  const dev = new FakeSource('D1', [{ name: 'T', type: 'Double', writable: false }]);
  edge = new EdgeNode({ groupId: 'G', edgeNodeId: 'E', transport: session, bdSeq: { peek: () => 0, confirm: () => {} }, devices: [dev], scanIntervalMs: 2 ** 30, now: () => NOW });
  const up = new Promise<void>((resolve) => edge?.on('stateChanged', (_f, to) => to === 'online' && resolve()));
  await edge.start();
  t.after(() => edge?.stop());
  await up;
  const [birth] = await obs.waitForCount(1, (m) => m.topic.includes('/DBIRTH/'));
  const alias = decodePayload(birth?.payload ?? new Uint8Array()).metrics?.find((m) => m.name === 'T')?.alias;
  assert.notEqual(alias, undefined);

  dev.report('T', 21.5, NOW + 1);
  edge.scan();
  dev.invalidate('T', Quality.BAD, 'BadSensorFailure', NOW + 2);
  edge.scan();
  // Good again with the value it had before it went bad: published all the same.
  dev.report('T', 21.5, NOW + 3);
  edge.scan();
  const data = await obs.waitForCount(3, (m) => m.topic === 'spBv1.0/G/DDATA/E/D1');
  const metrics = data.map((m) => {
    const p = decodePayload(m.payload, { resolveType: () => 'Double' });
    assert.equal(p.metrics?.length, 1);
    const x = p.metrics?.[0];
    return { alias: x?.alias, timestamp: x?.timestamp, value: x?.value, isNull: x?.isNull, properties: x?.properties };
  });
  assert.deepEqual(metrics, [
    { alias, timestamp: NOW + 1, value: 21.5, isNull: undefined, properties: undefined },
    {
      alias,
      timestamp: NOW + 2,
      value: null,
      isNull: true,
      properties: { Quality: { type: 'Int32', value: Quality.BAD }, Status: { type: 'String', value: 'BadSensorFailure' } },
    },
    { alias, timestamp: NOW + 3, value: 21.5, isNull: undefined, properties: { Quality: { type: 'Int32', value: Quality.GOOD } } },
  ]);
});
