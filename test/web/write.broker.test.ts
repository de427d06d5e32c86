/**
 * POST /api/write over real HTTP, a real host, a real sparkstate edge node and a real Mosquitto:
 * Idempotency-Key (retries, concurrent retries, a host restart, reuse with another body) and
 * ?confirm=MS, with an independent observer counting the DCMDs on the wire.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { decodePayload } from '../../src/payload/index.js';
import { createHttpServer, type HttpServer } from '../../src/web/index.js';
import { startMosquitto } from '../helpers/mosquitto.js';
import { startObserver, type ObservedMessage, type Observer } from '../helpers/observer.js';
import { waitUntil } from '../helpers/wait.js';
import { lifo, startHostOn, tempDir, type Scope } from '../host/broker-helpers.js';
import { GROUP, NODE, isDevice, metricValues, startEdge, Wire, type EdgeUnderTest } from '../edge/helpers.js';

interface Answer {
  readonly status: number;
  readonly json: Record<string, unknown>;
  readonly replayed: boolean;
}

async function post(http: HttpServer, body: unknown, key?: string, query = ''): Promise<Answer> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (key !== undefined) headers['idempotency-key'] = key;
  const res = await fetch(`${http.url}/api/write${query}`, { method: 'POST', body: JSON.stringify(body), headers });
  return { status: res.status, json: (await res.json()) as Record<string, unknown>, replayed: res.headers.get('idempotent-replayed') === 'true' };
}

const isDcmd = (m: ObservedMessage): boolean => m.topic === `spBv1.0/${GROUP}/DCMD/${NODE}/Filler`;

interface Rig {
  readonly url: string;
  readonly obs: Observer;
  readonly edge: EdgeUnderTest;
  readonly storeDir: string;
  readonly s: Scope;
}

/** Broker, observer, an edge node (Filler: writable Float Setpoint, read-only Count), all born. */
async function rig(t: TestContext): Promise<Rig> {
  const s = lifo(t);
  const broker = await startMosquitto();
  s.after(() => broker.dispose());
  const obs = await startObserver(broker.url);
  s.after(() => obs.close());
  const edge = await startEdge(t, { servers: [broker.url] });
  await obs.waitForCount(2, isDevice('DBIRTH'));
  return { url: broker.url, obs, edge, storeDir: tempDir(s, 'sparkstate-idem-'), s };
}

/** A host and its HTTP server keeping keys in `storeDir`; the host knows Filler once this resolves. */
async function serve(r: Rig, scope: Scope = r.s): Promise<{ http: HttpServer; stop: () => Promise<void> }> {
  const host = await startHostOn(scope, [r.url], { staleAfterReconnectMs: 200 });
  const http = await createHttpServer(host, { port: 0, idempotency: { dir: r.storeDir, windowMs: 60_000 } });
  const stop = async (): Promise<void> => {
    await http.close();
    await host.stop();
  };
  scope.after(() => http.close());
  // A fresh host learns the node from its rebirth request's answer.
  await waitUntil(() => host.metricType(GROUP, NODE, 'Filler', 'Setpoint') !== undefined, 5000, 'host knows Filler');
  return { http, stop };
}

const setpoint = (value: unknown): unknown => ({ group: GROUP, node: NODE, device: 'Filler', metric: 'Setpoint', value });

test('a retried write with the same Idempotency-Key gets the first answer and sends no second DCMD, also when the retries are concurrent', async (t) => {
  const r = await rig(t);
  const { http } = await serve(r);

  const first = await post(http, setpoint(11.5), 'key-1');
  assert.equal(first.status, 200);
  assert.equal(first.replayed, false);
  const again = await post(http, setpoint(11.5), 'key-1');
  assert.deepEqual([again.status, again.json, again.replayed], [200, first.json, true]);

  // Three at once: one acts, the others wait for its answer.
  const concurrent = await Promise.all([1, 2, 3].map(() => post(http, setpoint(12.5), 'key-2')));
  assert.deepEqual(concurrent.map((a) => a.status), [200, 200, 200]);
  assert.equal(concurrent.filter((a) => a.replayed).length, 2);

  // Without a key nothing is de-duplicated: two requests, two commands.
  await post(http, setpoint(13.5));
  await post(http, setpoint(13.5));
  await r.obs.waitForCount(4, isDcmd);
  await new Promise((res) => setTimeout(res, 300));
  const values = r.obs.messages.filter(isDcmd).map((m) => decodePayload(m.payload).metrics?.[0]?.value);
  assert.deepEqual(values, [11.5, 12.5, 13.5, 13.5], 'one DCMD per key, one per keyless request');
  const stamps = r.obs.messages.filter(isDcmd).map((m) => Number(decodePayload(m.payload).timestamp));
  assert.notEqual(stamps[2], stamps[3], 'genuine repeats carry distinct payload timestamps');
  assert.equal(r.edge.node.stats.commandsDuplicate, 0);
});

test('the same key after a host restart answers the first result and sends nothing; the key with another body is 422', async (t) => {
  const r = await rig(t);
  const inner = lifo(t);
  const first = await serve(r, inner);
  const a = await post(first.http, setpoint(21.5), 'restart-key', '?confirm=3000');
  assert.deepEqual([a.status, a.json['result']], [200, 'confirmed']);
  await first.stop();

  const { http } = await serve(r);
  const sent = r.obs.messages.filter(isDcmd).length;
  assert.equal(sent, 1);
  const b = await post(http, setpoint(21.5), 'restart-key', '?confirm=3000');
  assert.deepEqual([b.status, b.json, b.replayed], [200, a.json, true]);
  const other = await post(http, setpoint(99), 'restart-key');
  assert.equal(other.status, 422);
  assert.equal(other.json['code'], 'ERR_IDEMPOTENCY_KEY_REUSED');
  await new Promise((res) => setTimeout(res, 300));
  assert.equal(r.obs.messages.filter(isDcmd).length, 1, 'nothing sent after the restart');
});

test('?confirm=MS: confirmed once the value is back in DDATA; timeout when the edge refuses silently; rejected when the device dies meanwhile', async (t) => {
  const r = await rig(t);
  const { http } = await serve(r);

  const ok = await post(http, setpoint(0.1), undefined, '?confirm=3000');
  assert.deepEqual([ok.status, ok.json['result']], [200, 'confirmed'], 'a Float 0.1 comes back as its 32-bit value, still confirmed');
  const wire = new Wire();
  wire.decodeAll(r.obs.messages.filter((m) => isDevice('DBIRTH')(m)));
  const echoed = r.obs.messages
    .filter(isDevice('DDATA', 'Filler'))
    .flatMap((m) => {
      const s = wire.decode(m);
      return s === undefined ? [] : metricValues(wire, s, 'Setpoint');
    });
  assert.ok(echoed.some((v) => Math.fround(Number(v.value)) === Math.fround(0.1)), 'the value is on the wire');

  // Count is read-only at the edge: the host cannot know, the edge says nothing on the wire. (A
  // negative value: the counter itself would reach a positive one and "confirm" it by coincidence.)
  const started = Date.now();
  const silent = await post(http, { group: GROUP, node: NODE, device: 'Filler', metric: 'Count', value: -5 }, undefined, '?confirm=400');
  assert.deepEqual([silent.status, silent.json['result']], [200, 'timeout']);
  assert.ok(Date.now() - started >= 390);

  // The device drops off while the host waits: its DDEATH answers the wait.
  const pending = post(http, { group: GROUP, node: NODE, device: 'Filler', metric: 'Count', value: -6 }, 'death-key', '?confirm=5000');
  await r.obs.waitForCount(3, isDcmd);
  r.edge.device('Filler').setOnline(false);
  const dead = await pending;
  assert.deepEqual([dead.status, dead.json['result']], [200, 'rejected']);

  // Offline in the model: refused before anything is sent, and not remembered under its key.
  const before = r.obs.messages.filter(isDcmd).length;
  const offline = await post(http, setpoint(1), 'offline-key', '?confirm=1000');
  assert.deepEqual([offline.status, offline.json['code']], [409, 'SPB_ERR_NOT_ONLINE']);
  r.edge.device('Filler').setOnline(true);
  await r.obs.waitForCount(3, isDevice('DBIRTH'));
  await new Promise((res) => setTimeout(res, 200));
  const retried = await post(http, setpoint(1), 'offline-key', '?confirm=3000');
  assert.deepEqual([retried.status, retried.json['result'], retried.replayed], [200, 'confirmed', false], 'the retry acts once online');
  assert.equal(r.obs.messages.filter(isDcmd).length, before + 1);
});

test('a bad Idempotency-Key or confirm is a 400 and sends nothing', async (t) => {
  const r = await rig(t);
  const { http } = await serve(r);
  assert.equal((await post(http, setpoint(1), 'x'.repeat(256))).status, 400);
  for (const q of ['?confirm=0', '?confirm=abc', '?confirm=700000', '?other=1']) {
    const a = await post(http, setpoint(1), undefined, q);
    assert.deepEqual([q, a.status, a.json['code']], [q, 400, 'ERR_VALIDATION']);
  }
  await new Promise((res) => setTimeout(res, 200));
  assert.equal(r.obs.messages.filter(isDcmd).length, 0);
});
