/** The HTTP API over real HTTP (fetch, port 0), in front of a host on the fake transport. */
import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import { decodePayload } from '../../src/payload/index.js';
import { createHttpServer, type HttpServer } from '../../src/web/index.js';
import { flush, rebirths, SimEdge, startHost, type Harness } from '../host/helpers.js';

const BIG = 2n ** 53n + 1n; // not exactly representable as a JSON number

interface Served extends Harness {
  readonly http: HttpServer;
  readonly edge: SimEdge;
}

/** Host online with Plant1/Line4 (node Temperature, Counter) and device Filler (Speed, Mode). */
async function serve(t: TestContext): Promise<Served> {
  const h = await startHost();
  t.after(() => h.host.stop());
  const edge = new SimEdge(h.transport);
  edge.nbirth([
    { name: 'Temperature', alias: 1, type: 'Double', value: 21.5 },
    { name: 'Counter', alias: 2, type: 'UInt64', value: BIG },
  ]);
  edge.dbirth('Filler', [
    { name: 'Speed', type: 'UInt16', value: 10 },
    { name: 'Mode', type: 'String', value: 'auto' },
  ]);
  await flush();
  const http = await createHttpServer(h.host, { port: 0 });
  t.after(() => http.close());
  return { ...h, http, edge };
}

async function call(http: HttpServer, method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown; text: string; type: string | null }> {
  const init: RequestInit = body === undefined ? { method } : { method, body: JSON.stringify(body), headers: { 'content-type': 'application/json' } };
  const res = await fetch(`${http.url}${path}`, init);
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text, type: res.headers.get('content-type') };
}

function errorCode(json: unknown): unknown {
  assert.ok(typeof json === 'object' && json !== null && 'code' in json && 'message' in json, `not an error body: ${JSON.stringify(json)}`);
  return json.code;
}

describe('HTTP API', () => {
  test('GET /api/state: the model in the documented shape; 64-bit integers beyond 2^53 as strings', async (t) => {
    const { http } = await serve(t);
    const { status, json } = await call(http, 'GET', '/api/state');
    assert.equal(status, 200);
    const s = json as { hostId: string; state: string; groups: Record<string, { nodes: Record<string, Record<string, unknown>> }> };
    assert.equal(s.hostId, 'scada');
    assert.equal(s.state, 'online');
    const node = s.groups['Plant1']?.nodes['Line4'] as {
      online: boolean;
      bdSeq: number;
      metrics: Record<string, { value: unknown; type: string; timestamp: number; stale: boolean }>;
      devices: Record<string, { online: boolean; metrics: Record<string, { value: unknown }> }>;
    };
    assert.equal(node.online, true);
    assert.equal(node.bdSeq, 0);
    assert.deepEqual({ ...node.metrics['Temperature'], timestamp: 0 }, { value: 21.5, type: 'Double', timestamp: 0, stale: false, alias: 1 });
    assert.equal(typeof node.metrics['Temperature']?.timestamp, 'number');
    assert.equal(node.metrics['Counter']?.value, BIG.toString());
    assert.equal(node.devices['Filler']?.online, true);
    assert.equal(node.devices['Filler']?.metrics['Mode']?.value, 'auto');
  });

  test('POST /api/rebirth: 202 and a Rebirth NCMD; a second one is de-duplicated; 404 for an unknown node; 400 for a bad body', async (t) => {
    const { http, transport } = await serve(t);
    const first = await call(http, 'POST', '/api/rebirth', { group: 'Plant1', node: 'Line4' });
    assert.equal(first.status, 202);
    assert.deepEqual(first.json, { group: 'Plant1', node: 'Line4', result: 'queued' });
    assert.equal(rebirths(transport, 'Plant1', 'Line4').length, 1);
    const again = await call(http, 'POST', '/api/rebirth', { group: 'Plant1', node: 'Line4' });
    assert.equal(again.status, 202);
    assert.deepEqual(again.json, { group: 'Plant1', node: 'Line4', result: 'duplicate' });
    assert.equal(rebirths(transport).length, 1);

    const unknown = await call(http, 'POST', '/api/rebirth', { group: 'Plant1', node: 'Nope' });
    assert.equal(unknown.status, 404);
    assert.equal(errorCode(unknown.json), 'ERR_NOT_FOUND');
    for (const bad of [{ group: 'Plant1' }, { group: 'Plant1', node: 5 }, { group: 'Plant1', node: 'Line4', extra: 1 }, [], 'x']) {
      const r = await call(http, 'POST', '/api/rebirth', bad);
      assert.equal(r.status, 400, JSON.stringify(bad));
      assert.equal(errorCode(r.json), 'ERR_VALIDATION');
    }
    const notJson = await fetch(`${http.url}/api/rebirth`, { method: 'POST', body: '{', headers: { 'content-type': 'application/json' } });
    assert.equal(notJson.status, 400);
    assert.equal(errorCode(await notJson.json()), 'ERR_BAD_REQUEST');
    assert.equal(rebirths(transport).length, 1);
  });

  test('POST /api/rebirth: 409 SPB_ERR_NOT_ONLINE while the host is not online', async (t) => {
    const { http, host } = await serve(t);
    await host.stop();
    const r = await call(http, 'POST', '/api/rebirth', { group: 'Plant1', node: 'Line4' });
    assert.equal(r.status, 409);
    assert.equal(errorCode(r.json), 'SPB_ERR_NOT_ONLINE');
  });

  test('POST /api/write: NCMD/DCMD with the birth datatype; 64-bit values as strings; typed 4xx errors', async (t) => {
    const { http, transport, edge } = await serve(t);
    const ok = await call(http, 'POST', '/api/write', { group: 'Plant1', node: 'Line4', device: 'Filler', metric: 'Speed', value: 12 });
    assert.equal(ok.status, 200);
    const dcmd = transport.published.at(-1);
    assert.equal(dcmd?.topic, 'spBv1.0/Plant1/DCMD/Line4/Filler');
    assert.deepEqual(decodePayload(dcmd.payload).metrics?.map((m) => [m.name, m.type, m.value]), [['Speed', 'UInt16', 12]]);

    const big = await call(http, 'POST', '/api/write', { group: 'Plant1', node: 'Line4', metric: 'Counter', value: (BIG + 2n).toString() });
    assert.equal(big.status, 200);
    const ncmd = transport.published.at(-1);
    assert.equal(ncmd?.topic, 'spBv1.0/Plant1/NCMD/Line4');
    assert.deepEqual(decodePayload(ncmd.payload).metrics?.map((m) => [m.alias, m.type, m.value]), [[2, 'UInt64', BIG + 2n]]);

    const cases: [unknown, number, string][] = [
      [{ group: 'Plant1', node: 'Line4', metric: 'Nope', value: 1 }, 404, 'SPB_ERR_UNKNOWN_METRIC'],
      [{ group: 'Plant1', node: 'Line4', device: 'Filler', metric: 'Speed', value: 'fast' }, 400, 'SPB_ERR_ENCODE'],
      [{ group: 'Plant1', node: 'Line4', device: 'Filler', metric: 'Speed', value: 70000 }, 400, 'SPB_ERR_ENCODE'],
      [{ group: 'Plant1', node: 'Other', metric: 'Temperature', value: 1 }, 409, 'SPB_ERR_NOT_ONLINE'],
      [{ group: 'Plant1', node: 'Line4', metric: 'Temperature' }, 400, 'ERR_VALIDATION'],
      [{ group: 'Plant1', node: 'Line4', metric: '', value: 1 }, 400, 'ERR_VALIDATION'],
    ];
    for (const [body, status, code] of cases) {
      const r = await call(http, 'POST', '/api/write', body);
      assert.equal(r.status, status, JSON.stringify(body));
      assert.equal(errorCode(r.json), code, JSON.stringify(body));
    }
    // After a DDEATH the device is offline: writes are refused, not sent.
    edge.ddeath('Filler');
    await flush();
    const before = transport.published.length;
    const dead = await call(http, 'POST', '/api/write', { group: 'Plant1', node: 'Line4', device: 'Filler', metric: 'Speed', value: 1 });
    assert.equal(dead.status, 409);
    assert.equal(errorCode(dead.json), 'SPB_ERR_NOT_ONLINE');
    assert.equal(transport.published.length, before);
  });

  test('GET /metrics: Prometheus text from the host counters and model sizes; one registry per server', async (t) => {
    const { http, host, edge } = await serve(t);
    edge.skip();
    edge.ndata([{ alias: 1, type: 'Double', value: 22 }]);
    await flush();
    const second = await createHttpServer(host, { port: 0 });
    t.after(() => second.close());
    for (const server of [http, second]) {
      const r = await call(server, 'GET', '/metrics');
      assert.equal(r.status, 200);
      assert.match(r.type ?? '', /^text\/plain/);
      const line = (name: string): number => {
        const m = r.text.match(new RegExp(`^${name.replace(/[{}]/g, '\\$&')} (\\S+)$`, 'm'));
        assert.ok(m?.[1] !== undefined, `${name} missing in\n${r.text}`);
        return Number(m[1]);
      };
      assert.equal(line('sparkstate_host_messages_received_total{host_id="scada"}'), host.counters.messages);
      assert.equal(line('sparkstate_host_seq_gaps_total{host_id="scada"}'), 1);
      assert.equal(line('sparkstate_host_rebirth_requests_total{host_id="scada"}'), 0);
      assert.equal(line('sparkstate_host_decode_errors_total{host_id="scada"}'), 0);
      assert.equal(line('sparkstate_host_nodes{state="online",host_id="scada"}'), 1);
      assert.equal(line('sparkstate_host_nodes{state="offline",host_id="scada"}'), 0);
      assert.equal(line('sparkstate_host_devices{state="online",host_id="scada"}'), 1);
      // bdSeq + Node Control/Rebirth + Temperature + Counter, and the device's Speed + Mode
      assert.equal(line('sparkstate_host_metrics_held{host_id="scada"}'), 6);
      assert.match(r.text, /# TYPE sparkstate_host_messages_received_total counter/);
    }
  });

  test('GET /healthz: 200 while online, 503 otherwise; unknown routes answer a typed 404', async (t) => {
    const { http, host } = await serve(t);
    const up = await call(http, 'GET', '/healthz');
    assert.equal(up.status, 200);
    assert.deepEqual(up.json, { status: 'ok', hostId: 'scada', state: 'online' });
    await host.stop();
    const down = await call(http, 'GET', '/healthz');
    assert.equal(down.status, 503);
    assert.deepEqual(down.json, { status: 'unavailable', hostId: 'scada', state: 'offline', reason: 'not started or stopped' });
    const none = await call(http, 'GET', '/api/nothing');
    assert.equal(none.status, 404);
    assert.equal(errorCode(none.json), 'ERR_NOT_FOUND');
  });
});
