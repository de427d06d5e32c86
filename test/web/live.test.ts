/**
 * GET /api/events over real sockets: a host on a real Mosquitto, edge nodes publishing real
 * Sparkplug payloads (hand-built, or a sparkstate edge), the feed read with fetch.
 */
import assert from 'node:assert/strict';
import { createServer, get, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test, type TestContext } from 'node:test';
import type { HostApplication } from '../../src/host/index.js';
import { createHttpServer, type HttpServer } from '../../src/web/index.js';
import { SseStream } from '../../src/web/live/sse.js';
import type { LiveEvent, WireValues } from '../../src/web/live/wire.js';
import { startMosquitto, type Broker } from '../helpers/mosquitto.js';
import { sleep, waitUntil } from '../helpers/wait.js';
import { lifo, RawEdge, startHostOn, startSparkstateEdge, type Scope } from '../host/broker-helpers.js';
import { openSse, type SseReader } from './sse.js';

const BATCH_MS = 100;

interface Rig {
  readonly scope: Scope;
  readonly broker: Broker;
  readonly host: HostApplication;
  readonly http: HttpServer;
}

async function rig(t: TestContext, batchMs = BATCH_MS): Promise<Rig> {
  const scope = lifo(t);
  const broker = await startMosquitto();
  scope.after(() => broker.dispose());
  const host = await startHostOn(scope, [broker.url]);
  const http = await createHttpServer(host, { port: 0, liveBatchMs: batchMs, liveSummaryMs: 200 });
  scope.after(() => http.close());
  return { scope, broker, host, http };
}

async function events(scope: Scope, http: HttpServer): Promise<SseReader> {
  const sse = await openSse(`${http.url}/api/events`);
  scope.after(() => sse.close());
  return sse;
}

/** Plant1/Line4: node metric Temperature (alias 1), device Filler with Speed (alias 10); the host has both births. */
async function bornEdge(r: Rig): Promise<RawEdge> {
  const edge = await RawEdge.connect(r.scope, r.broker.url, 'Plant1', 'Line4');
  await edge.nbirth(0, [{ name: 'Temperature', alias: 1, type: 'Double', value: 21.5, properties: { engUnit: { type: 'String', value: 'degC' } } }]);
  await edge.dbirth('Filler', [{ name: 'Speed', alias: 10, type: 'UInt16', value: 10 }]);
  await waitUntil(() => r.host.snapshot().groups['Plant1']?.nodes['Line4']?.devices['Filler']?.online === true, 5000, 'Filler born at the host');
  return edge;
}

function valuesOf(values: readonly WireValues[], device: string | null, name: string): unknown[] {
  return values.filter((v) => v[2] === device).flatMap((v) => v[3].filter((x) => x[0] === name).map((x) => x[1]));
}

function hasEvent(events: readonly LiveEvent[], k: LiveEvent['k']): boolean {
  return events.some((e) => e.k === k);
}

describe('live feed GET /api/events', () => {
  test('a snapshot first (tuples in birth order, units), then a delta when a value changes', async (t) => {
    const r = await rig(t);
    const edge = await bornEdge(r);
    const sse = await events(r.scope, r.http);
    const snap = await sse.next('snapshot');
    assert.equal(sse.messages[0]?.event, 'snapshot', 'the snapshot comes first');
    assert.equal(snap.data.hostId, 'scada');
    assert.equal(snap.data.state, 'online');
    assert.equal(snap.data.demo, false);
    assert.equal(snap.data.batchMs, BATCH_MS);
    const node = snap.data.nodes.find((n) => n.g === 'Plant1' && n.n === 'Line4');
    assert.ok(node !== undefined);
    assert.equal(node.online, true);
    assert.equal(node.bdSeq, 0);
    assert.deepEqual(node.metrics.map((m) => m[0]), ['bdSeq', 'Node Control/Rebirth', 'Temperature']);
    assert.deepEqual(node.metrics[2]?.slice(1, 3), ['Double', 21.5]);
    assert.equal(node.metrics[2]?.[4], 'degC');
    assert.deepEqual(node.devices.map((d) => [d.d, d.online, d.metrics.map((m) => [m[0], m[1], m[2]])]), [['Filler', true, [['Speed', 'UInt16', 10]]]]);

    await edge.ddata('Filler', [{ alias: 10, type: 'UInt16', value: 11 }]);
    const delta = await sse.next('delta', (m) => valuesOf(m.data.values, 'Filler', 'Speed').length > 0);
    assert.deepEqual(valuesOf(delta.data.values, 'Filler', 'Speed'), [11]);
    assert.deepEqual(delta.data.values.map((v) => v.slice(0, 3)), [['Plant1', 'Line4', 'Filler']]);
  });

  test('deltas are batched: 300 changes of one metric in quick succession arrive as a few deltas, latest value last', async (t) => {
    const r = await rig(t);
    const edge = await bornEdge(r);
    const sse = await events(r.scope, r.http);
    await sse.next('snapshot');
    const started = Date.now();
    for (let i = 1; i <= 300; i++) await edge.ndata([{ alias: 1, type: 'Double', value: i }]);
    const last = await sse.next('delta', (m) => valuesOf(m.data.values, null, 'Temperature').includes(300));
    const elapsed = last.at - started;
    const deltas = sse.messages.filter((m) => m.event === 'delta' && valuesOf(m.data.values, null, 'Temperature').length > 0);
    for (const d of deltas) {
      assert.ok(d.event === 'delta');
      assert.equal(valuesOf(d.data.values, null, 'Temperature').length, 1, 'one entry per metric per batch: the latest');
    }
    assert.ok(deltas.length <= Math.ceil(elapsed / BATCH_MS) + 1, `${deltas.length} deltas in ${elapsed} ms`);
    assert.ok(deltas.length < 300 / 5, `${deltas.length} deltas for 300 changes`);
    const times = sse.messages.filter((m) => m.event === 'delta').map((m) => m.at);
    for (let i = 1; i < times.length; i++) assert.ok((times[i] ?? 0) - (times[i - 1] ?? 0) >= BATCH_MS * 0.8, 'no two deltas closer than the batch interval');
  });

  test('births and deaths are events; a new session within one batch replaces the metric set and drops older values', async (t) => {
    const r = await rig(t, 500);
    const edge = await bornEdge(r);
    const sse = await events(r.scope, r.http);
    await sse.next('snapshot');

    await edge.dbirth('Capper', [{ name: 'Torque', alias: 20, type: 'Float', value: 1.5 }]);
    const dbirth = await sse.next('delta', (m) => hasEvent(m.data.events, 'dbirth'));
    const capper = dbirth.data.events.find((e) => e.k === 'dbirth');
    assert.ok(capper?.k === 'dbirth');
    assert.deepEqual([capper.g, capper.n, capper.d], ['Plant1', 'Line4', 'Capper']);
    assert.deepEqual(capper.metrics.map((m) => m.slice(0, 3)), [['Torque', 'Float', 1.5]]);

    await edge.send('DDEATH', 'Capper', { timestamp: Date.now(), seq: edge.next() });
    await sse.next('delta', (m) => m.data.events.some((e) => e.k === 'ddeath' && e.d === 'Capper'));

    // After a quiet spell the first change starts the batch clock: what follows within 500 ms is one batch.
    await sleep(600);
    await edge.ndata([{ alias: 1, type: 'Double', value: 5 }]);
    await edge.ndeath(0);
    await edge.nbirth(1, [{ name: 'Temperature', alias: 1, type: 'Double', value: 7 }, { name: 'Pressure', alias: 2, type: 'Double', value: 1 }]);
    const birth = await sse.next('delta', (m) => hasEvent(m.data.events, 'nbirth'));
    assert.deepEqual(birth.data.events.map((e) => e.k), ['ndeath', 'nbirth']);
    const nbirth = birth.data.events[1];
    assert.ok(nbirth?.k === 'nbirth');
    assert.equal(nbirth.bdSeq, 1);
    assert.deepEqual(nbirth.metrics.map((m) => [m[0], m[2]]), [['bdSeq', 1], ['Node Control/Rebirth', false], ['Temperature', 7], ['Pressure', 1]]);
    assert.deepEqual(birth.data.values, [], 'the value from before the birth is not sent after it');

    const summary = await sse.next('nodes', (m) => m.data.nodes.some((n) => n.n === 'Line4' && n.bdSeq === 1), 3000);
    const line4 = summary.data.nodes.find((n) => n.n === 'Line4');
    assert.deepEqual(line4?.devices.map((d) => [d.d, d.online]), [['Filler', false], ['Capper', false]], 'devices wait for their own DBIRTH');
  });

  test('node summaries follow the host: seq and message counters as in GET /api/state', async (t) => {
    const r = await rig(t);
    const edge = await bornEdge(r);
    const sse = await events(r.scope, r.http);
    await sse.next('snapshot');
    for (let i = 0; i < 5; i++) await edge.ndata([{ alias: 1, type: 'Double', value: i }]);
    await waitUntil(() => r.host.snapshot().groups['Plant1']?.nodes['Line4']?.lastSeq === 6, 3000, 'seq 6 at the host');
    const state = r.host.snapshot().groups['Plant1']?.nodes['Line4'];
    const m = await sse.next('nodes', (x) => x.data.nodes.some((n) => n.seq === 6), 3000);
    const n = m.data.nodes.find((x) => x.n === 'Line4');
    assert.equal(n?.seq, 6);
    assert.deepEqual(n?.counters, state?.counters);
    assert.equal(n?.counters.messages, 7);
  });

  test('POST /api/rebirth and /api/write with a sparkstate edge: rebirth event, new NBIRTH, written value in a delta', async (t) => {
    const r = await rig(t);
    const e = await startSparkstateEdge(r.scope, [r.broker.url], 'Plant1', 'Edge1');
    await waitUntil(() => r.host.snapshot().groups['Plant1']?.nodes['Edge1']?.devices['Filler']?.online === true, 5000, 'edge born');
    const sse = await events(r.scope, r.http);
    await sse.next('snapshot');
    const post = (path: string, body: unknown): Promise<Response> =>
      fetch(`${r.http.url}${path}`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });

    assert.equal((await post('/api/rebirth', { group: 'Plant1', node: 'Edge1' })).status, 202);
    await sse.next('delta', (m) => m.data.events.some((x) => x.k === 'rebirth' && x.n === 'Edge1' && x.reason === 'manual'));
    await sse.next('delta', (m) => m.data.events.some((x) => x.k === 'nbirth' && x.n === 'Edge1'));
    await waitUntil(() => e.recorder.births === 2, 3000, 'second NBIRTH');

    assert.equal((await post('/api/write', { group: 'Plant1', node: 'Edge1', device: 'Filler', metric: 'Setpoint', value: 55.5 })).status, 200);
    await sse.next('delta', (m) => valuesOf(m.data.values, 'Filler', 'Setpoint').includes(55.5));
  });

  test('the host is watched only while a stream is open; close() ends open streams instead of waiting for them', async (t) => {
    const r = await rig(t);
    assert.equal(r.host.hasListeners('metrics'), false);
    const a = await events(r.scope, r.http);
    const b = await events(r.scope, r.http);
    await a.next('snapshot');
    await b.next('snapshot');
    assert.equal(r.host.hasListeners('metrics'), true);
    a.close();
    await a.ended;
    await sleep(200);
    assert.equal(r.host.hasListeners('metrics'), true, 'still one stream open');
    const started = Date.now();
    await r.http.close();
    await b.ended;
    assert.ok(Date.now() - started < 2000, `close took ${Date.now() - started} ms`);
    assert.equal(r.host.hasListeners('metrics'), false);
  });

  test('a reader that stops reading is dropped once its unsent backlog passes the bound, not buffered for ever', async (t) => {
    const CHUNK = 'x'.repeat(64 * 1024);
    const BOUND = 256 * 1024;
    let sent = 0;
    let dropped = false;
    const server = createServer((_req, res) => {
      const stream = new SseStream(res, BOUND, 1000, () => (dropped = true));
      const timer = setInterval(() => {
        for (let i = 0; i < 16 && !dropped; i++, sent++) stream.send('delta', CHUNK);
        if (dropped) clearInterval(timer);
      }, 5);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    t.after(() => new Promise((resolve) => server.close(resolve)));
    const res = await new Promise<IncomingMessage>((resolve) => get(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, { agent: false }, resolve));
    res.pause();
    const closed = new Promise<void>((resolve) => res.once('close', resolve));
    await waitUntil(() => dropped, 10_000, 'the stream to be dropped');
    await closed;
    // What the kernel's socket buffers hold, plus the bound: nowhere near what would have piled up.
    t.diagnostic(`dropped after ${((sent * CHUNK.length) / 1e6).toFixed(1)} MB sent`);
    assert.ok(sent * CHUNK.length < 64e6);
  });
});
