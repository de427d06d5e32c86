/** The edge node's health and metrics HTTP server: its config key, and over real HTTP in front of a real edge on Mosquitto. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseEdgeConfig } from '../../src/config/index.js';
import { createEdgeHttpServer, type HttpServer } from '../../src/web/index.js';
import { configError, MINIMAL_EDGE } from '../config/helpers.js';
import { dcmdTopic, GROUP, NODE, publishOnce, sendCommand, startEdge, statePayload } from '../edge/helpers.js';
import { startMosquitto } from '../helpers/mosquitto.js';
import { waitUntil } from '../helpers/wait.js';

const parse = (text: string) => parseEdgeConfig(text, {}, 'edge.yaml', '/cfg');

describe('edge config: http', () => {
  test('absent: no HTTP server; a port alone listens on 127.0.0.1', async () => {
    assert.equal((await parse(MINIMAL_EDGE)).http, undefined);
    assert.deepEqual((await parse(`${MINIMAL_EDGE}http: { port: 9100 }\n`)).http, { host: '127.0.0.1', port: 9100 });
    assert.deepEqual((await parse(`${MINIMAL_EDGE}http: { host: "::", port: 0 }\n`)).http, { host: '::', port: 0 });
  });

  test('bad port, a port inside the host, a missing port and typos are reported with their key paths', async () => {
    const e = await configError(parse(`${MINIMAL_EDGE}http: { host: "0.0.0.0:9100", port: 70000, prot: 1 }\n`));
    assert.deepEqual(e.issues.map((i) => i.path), ['http.host', 'http.port', 'http.prot']);
    assert.match(e.message, /edge\.yaml: http\.host: expected an IP address or host name to listen on/);
    assert.match(e.message, /edge\.yaml: http\.port: must be ≤ 65535/);
    assert.match(e.message, /edge\.yaml: http\.prot: unknown key; did you mean "port"\?/);
    const missing = await configError(parse(`${MINIMAL_EDGE}http: { host: 0.0.0.0 }\n`));
    assert.match(missing.message, /^edge\.yaml: http\.port: required key is missing$/);
    const negative = await configError(parse(`${MINIMAL_EDGE}http: { port: -1 }\n`));
    assert.match(negative.message, /http\.port: must be ≥ 0/);
  });
});

/** Value of one sample in Prometheus text format, found by name and (some of) its labels. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!wanted.every((l) => line.includes(l))) continue;
    return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

async function get(http: HttpServer, path: string): Promise<{ status: number; body: string; type: string | null }> {
  const res = await fetch(`${http.url}${path}`);
  return { status: res.status, body: await res.text(), type: res.headers.get('content-type') };
}

async function scrape(http: HttpServer): Promise<string> {
  const r = await get(http, '/metrics');
  assert.equal(r.status, 200);
  return r.body;
}

const HOST = 'scada';

test('edge HTTP: /healthz 503 while waiting for the primary host, 200 after the birth, 503 while the broker is down; /metrics counts births, data, stored, replayed, rejected commands and device state', async (t) => {
  const broker = await startMosquitto();
  t.after(() => broker.dispose());
  const { node } = await startEdge(t, { servers: [broker.url], primaryHostId: HOST });
  const http = await createEdgeHttpServer(node, { port: 0 });
  t.after(() => http.close());
  await waitUntil(() => node.state === 'waitingForHost', 10_000, 'waitingForHost');

  const waiting = await get(http, '/healthz');
  assert.equal(waiting.status, 503);
  assert.deepEqual(JSON.parse(waiting.body), {
    status: 'unavailable',
    groupId: GROUP,
    edgeNodeId: NODE,
    state: 'waitingForHost',
    devices: { online: 0, total: 2 },
    reason: `waiting for the primary host ${HOST} to be online`,
  });
  assert.equal((await get(http, '/livez')).status, 200, 'alive while waiting: a restart would not help');
  let text = await scrape(http);
  assert.equal(sample(text, 'sparkstate_edge_state', { state: 'waitingForHost' }), 1);
  assert.equal(sample(text, 'sparkstate_edge_state', { state: 'online' }), 0);
  assert.equal(sample(text, 'sparkstate_edge_online'), 0);
  assert.equal(sample(text, 'sparkstate_edge_births_total'), 0);
  assert.equal(sample(text, 'sparkstate_edge_device_online', { device: 'Filler' }), 0);
  assert.match(text, /group_id="G1",edge_node_id="E1"/);

  await publishOnce(broker.url, `spBv1.0/STATE/${HOST}`, statePayload(true, Date.now()), { qos: 1, retain: true });
  await waitUntil(async () => (await get(http, '/healthz')).status === 200, 10_000, '/healthz 200');
  const online = JSON.parse((await get(http, '/healthz')).body) as unknown;
  assert.deepEqual(online, { status: 'ok', groupId: GROUP, edgeNodeId: NODE, state: 'online', devices: { online: 2, total: 2 } });

  const first = await scrape(http);
  assert.equal(sample(first, 'sparkstate_edge_births_total'), 1);
  assert.equal(sample(first, 'sparkstate_edge_online'), 1);
  assert.equal(sample(first, 'sparkstate_edge_device_online', { device: 'Filler' }), 1);
  assert.equal(sample(first, 'sparkstate_edge_device_online', { device: 'Capper' }), 1);
  assert.ok((sample(first, 'sparkstate_edge_metrics_stored_total') ?? 0) > 0, 'values sampled while waiting were stored');
  await waitUntil(async () => (sample(await scrape(http), 'sparkstate_edge_metrics_replayed_total') ?? 0) > 0, 10_000, 'replayed > 0');
  const before = sample(first, 'sparkstate_edge_metrics_published_total') ?? 0;
  await waitUntil(async () => (sample(await scrape(http), 'sparkstate_edge_metrics_published_total') ?? 0) > before, 10_000, 'metrics published grows');
  assert.ok((sample(await scrape(http), 'sparkstate_edge_messages_published_total') ?? 0) >= 3, 'NBIRTH + 2 DBIRTH at least');

  await sendCommand(broker.url, dcmdTopic('Filler'), { metrics: [{ name: 'NoSuchMetric', type: 'Int32', value: 1 }] }, { qos: 1 });
  await waitUntil(async () => sample(await scrape(http), 'sparkstate_edge_commands_rejected_total') === 1, 10_000, 'one rejected command');

  await broker.kill();
  await waitUntil(async () => (await get(http, '/healthz')).status === 503, 10_000, '/healthz 503 after the broker died');
  text = await scrape(http);
  assert.equal(sample(text, 'sparkstate_edge_online'), 0);
  assert.equal(sample(text, 'sparkstate_edge_device_online', { device: 'Filler' }), 0);
  // While the broker is gone: the reason in /healthz, the failed attempts by cause in /metrics.
  await waitUntil(async () => (sample(await scrape(http), 'sparkstate_edge_mqtt_connect_failures_total', { cause: 'refused' }) ?? 0) >= 1, 10_000, 'a refused attempt counted');
  const down = JSON.parse((await get(http, '/healthz')).body) as { state: string; reason: string };
  assert.equal(down.state, 'connecting');
  assert.match(down.reason, /^connection refused \(is the broker listening\?\): .*ECONNREFUSED/);
  assert.equal(sample(await scrape(http), 'sparkstate_edge_mqtt_connect_failures_total', { cause: 'not_authorized' }), 0, 'every cause listed');
  const storedBefore = sample(text, 'sparkstate_edge_metrics_stored_total') ?? 0;
  await waitUntil(async () => (sample(await scrape(http), 'sparkstate_edge_metrics_stored_total') ?? 0) > storedBefore, 10_000, 'stored grows while offline');

  await broker.restart();
  // The restarted broker kept no retained STATE: the host announces itself again.
  await publishOnce(broker.url, `spBv1.0/STATE/${HOST}`, statePayload(true, Date.now()), { qos: 1, retain: true });
  await waitUntil(async () => (await get(http, '/healthz')).status === 200, 15_000, '/healthz 200 after the broker came back');
  assert.equal(sample(await scrape(http), 'sparkstate_edge_births_total'), 2);

  const missing = await get(http, '/nope');
  assert.equal(missing.status, 404);
  assert.equal((JSON.parse(missing.body) as { code: string }).code, 'ERR_NOT_FOUND');
  assert.match((await get(http, '/metrics')).type ?? '', /^text\/plain/);

  await http.close();
  await assert.rejects(fetch(`${http.url}/healthz`), 'closed: nothing listens any more');
});
