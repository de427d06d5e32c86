/**
 * A Tahu-based test host commands our edge node: sparkplug-client's own MQTT.js (v4, bundled in its
 * node_modules) and Tahu's sparkplug-payload codec, nothing of ours on the host side.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { startMosquitto } from '../helpers/mosquitto.js';
import { waitUntil } from '../helpers/wait.js';
import { decodePayload } from '../../src/payload/index.js';
import { GROUP, NODE, num, startEdge, tahu, type TahuPayload } from './helpers.js';

interface TahuMqttClient {
  on(event: 'connect', cb: () => void): void;
  on(event: 'error', cb: (e: Error) => void): void;
  on(event: 'message', cb: (topic: string, payload: Buffer) => void): void;
  subscribe(topic: string, opts: { qos: 0 | 1 }, cb: (err: Error | null) => void): void;
  publish(topic: string, payload: Buffer, opts: { qos: 0 | 1; retain: boolean }, cb: (err?: Error) => void): void;
  end(force: boolean, opts: object, cb: () => void): void;
}

const require = createRequire(import.meta.url);
const clientDir = require.resolve('sparkplug-client');
const tahuMqtt = createRequire(clientDir)('mqtt') as { connect(url: string, opts: object): TahuMqttClient };
const tahuMqttVersion = (createRequire(clientDir)('mqtt/package.json') as { version: string }).version;

test(`a Tahu host (sparkplug-client's MQTT.js ${tahuMqttVersion} + sparkplug-payload) requests a rebirth and writes a metric [tck-id-operational-behavior-data-commands-rebirth-action-2]`, async (t) => {
  const broker = await startMosquitto();
  t.after(() => broker.dispose());
  const host = tahuMqtt.connect(broker.url, { reconnectPeriod: 0, clean: true, clientId: 'tahu-host' });
  t.after(() => new Promise<void>((r) => host.end(true, {}, () => r())));
  await new Promise<void>((resolve, reject) => {
    host.on('connect', () => resolve());
    host.on('error', reject);
  });
  const received: { topic: string; payload: TahuPayload; bytes: Uint8Array }[] = [];
  host.on('message', (topic, payload) => {
    const bytes = new Uint8Array(payload);
    received.push({ topic, payload: tahu.decodePayload(bytes), bytes });
  });
  await new Promise<void>((resolve, reject) => host.subscribe(`spBv1.0/${GROUP}/#`, { qos: 0 }, (e) => (e ? reject(e) : resolve())));
  const publish = (topic: string, p: TahuPayload): Promise<void> =>
    new Promise((resolve, reject) =>
      host.publish(topic, Buffer.from(tahu.encodePayload(p)), { qos: 0, retain: false }, (e) => (e ? reject(e) : resolve())),
    );
  const count = (type: string): number => received.filter((r) => r.topic.split('/')[2] === type).length;

  const { node } = await startEdge(t, { servers: [broker.url] });
  await waitUntil(() => count('DBIRTH') >= 2, 5000, 'births seen by the Tahu host');
  const nbirth = received.find((r) => r.topic.endsWith(`/NBIRTH/${NODE}`));
  assert.ok(nbirth !== undefined);
  assert.equal(num(nbirth.payload.seq), 0);
  const filler = received.find((r) => r.topic.endsWith('/DBIRTH/E1/Filler'));
  const setpoint = filler?.payload.metrics?.find((m) => m.name === 'Setpoint');
  assert.equal(setpoint?.type, 'Float');
  const alias = num(setpoint?.alias);

  // rebirth, as Tahu hosts send it: name + Boolean + true, payload timestamp, QoS 0
  await publish(`spBv1.0/${GROUP}/NCMD/${NODE}`, {
    timestamp: Date.now(),
    metrics: [{ name: 'Node Control/Rebirth', type: 'Boolean', value: true }],
  });
  await waitUntil(() => count('NBIRTH') >= 2 && count('DBIRTH') >= 4, 5000, 'rebirth seen by the Tahu host');

  // DCMD by alias, typed the way Tahu needs it
  await publish(`spBv1.0/${GROUP}/DCMD/${NODE}/Filler`, {
    timestamp: Date.now(),
    metrics: [{ alias, type: 'Float', value: 3.5 }],
  });
  // Our DDATA omits the datatype (SHOULD NOT send it in data); Tahu's JS decoder then yields
  // value null, so the value is read with the datatype Tahu itself decoded from the DBIRTH.
  const setpointIn = (value: number) => (): boolean =>
    received.some((r) => {
      if (!r.topic.endsWith('/DDATA/E1/Filler')) return false;
      const aliased = (r.payload.metrics ?? []).some((m) => num(m.alias) === alias);
      const decoded = decodePayload(r.bytes, { resolveType: (m) => (Number(m.alias) === alias ? 'Float' : undefined) });
      return aliased && (decoded.metrics ?? []).some((m) => Number(m.alias) === alias && m.value === value);
    });
  await waitUntil(setpointIn(3.5), 5000, 'Setpoint 3.5 in a DDATA');
  // DCMD by name, as the TCK's host profile sends it
  await publish(`spBv1.0/${GROUP}/DCMD/${NODE}/Filler`, { timestamp: Date.now(), metrics: [{ name: 'Setpoint', type: 'Float', value: 6.5 }] });
  await waitUntil(setpointIn(6.5), 5000, 'Setpoint 6.5 in a DDATA');
  assert.equal(node.stats.commandsRejected, 0);
});

test('with datatypesInData a Tahu host reads DDATA values without the births [tck-id-payloads-metric-datatype-not-req]', async (t) => {
  const broker = await startMosquitto();
  t.after(() => broker.dispose());
  const host = tahuMqtt.connect(broker.url, { reconnectPeriod: 0, clean: true, clientId: 'tahu-host-2' });
  t.after(() => new Promise<void>((r) => host.end(true, {}, () => r())));
  await new Promise<void>((resolve, reject) => {
    host.on('connect', () => resolve());
    host.on('error', reject);
  });
  const ddata: TahuPayload[] = [];
  host.on('message', (topic, payload) => {
    if (topic.endsWith('/DDATA/E1/Filler')) ddata.push(tahu.decodePayload(new Uint8Array(payload)));
  });
  await new Promise<void>((resolve, reject) => host.subscribe(`spBv1.0/${GROUP}/#`, { qos: 0 }, (e) => (e ? reject(e) : resolve())));
  await startEdge(t, { servers: [broker.url], datatypesInData: true });
  await waitUntil(() => ddata.length >= 2, 5000, 'DDATA seen by the Tahu host');
  const metrics = ddata.flatMap((p) => p.metrics ?? []);
  assert.ok(metrics.length > 0);
  for (const m of metrics) {
    assert.ok(m.type !== undefined && m.type !== null, 'datatype on the wire');
    assert.notEqual(m.value, null, 'Tahu decodes the value');
    assert.equal(m.name, undefined, 'alias only');
  }
});
