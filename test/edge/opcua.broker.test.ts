/**
 * The OPC UA source end to end, as users run it: `sparkstate edge --config x.yaml` as its own
 * process, a real node-opcua server in another, a real Mosquitto, and a plain MQTT subscriber
 * that decodes what arrives.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { connect } from 'mqtt';
import { decodePayload, encodePayload, type DecodedMetric, type Payload } from '../../src/payload/index.js';
import { startMosquitto, type Broker } from '../helpers/mosquitto.js';
import { startObserver, type ObservedMessage, type Observer } from '../helpers/observer.js';
import { startOpcuaServer, type OpcuaTestServer } from '../helpers/opcua-server.js';
import { OPCUA_VARIABLES, opcuaVariable, type OpcuaTestVariable } from '../helpers/opcua-variables.js';
import { waitUntil } from '../helpers/wait.js';
import { lifo, type Scope } from '../host/broker-helpers.js';
import { edgeYaml, expectedType, expectedValue, normalise, runCli, spawnEdge, writeTemp } from './opcua-helpers.js';

const G = 'Plant';
const N = 'Line1';
const topic = (type: string, device = 'Press'): string => `spBv1.0/${G}/${type}/${N}/${device}`;
const decoded = (m: ObservedMessage): Payload<number | bigint> => decodePayload(m.payload);
const metricsOf = (m: ObservedMessage): DecodedMetric[] => decoded(m).metrics ?? [];

/** A Mosquitto, a test OPC UA server and a subscriber to everything, gone after the test (in reverse order). */
async function rig(t: TestContext): Promise<{ s: Scope; broker: Broker; server: OpcuaTestServer; observer: Observer }> {
  const s = lifo(t);
  const broker = await startMosquitto();
  s.after(() => broker.dispose());
  const server = await startOpcuaServer();
  s.after(() => server.dispose());
  const observer = await startObserver(broker.url);
  s.after(() => observer.close());
  return { s, broker, server, observer };
}

/** Every variable the source can map, as metrics named like the variables. */
const MAPPED = OPCUA_VARIABLES.filter((v) => v.dataType !== 'Range');

test('OPC UA over Mosquitto: the DBIRTH carries every mapped variable with its datatype and exact value (64-bit beyond 2^53); a changing variable arrives in order within a second [tck-id-topics-dbirth-metrics] [tck-id-operational-behavior-data-publish-dbirth-values]', async (t) => {
  const { s, broker, server, observer } = await rig(t);
  const config = writeTemp(s, edgeYaml(broker.url, G, N, [{ id: 'Press', endpoint: server.endpoint, variables: MAPPED }]));
  const edge = spawnEdge(s, config);

  const birth = await observer.waitFor((m) => m.topic === topic('DBIRTH'), 20_000).catch((e: unknown) => assert.fail(`${String(e)}\n${edge.stderr()}`));
  const byName = new Map(metricsOf(birth).map((m) => [m.name, m]));
  for (const v of MAPPED) {
    const m = byName.get(v.name);
    assert.ok(m !== undefined, `${v.name} in the DBIRTH`);
    assert.equal(m.type, expectedType(v), `${v.name} datatype`);
    if (v.name === 'Press.Counter') continue; // already moving
    assert.deepEqual(normalise(m.value), expectedValue(v), `${v.name} value`);
  }

  // Counter: +1 every 100 ms on the server; every change arrives, in order, with its source timestamp.
  const counterAlias = byName.get('Press.Counter')?.alias;
  const counterValues = (): number[] =>
    observer.messages
      .filter((m) => m.topic === topic('DDATA'))
      .flatMap((m) => metricsOf(m).filter((x) => x.alias === counterAlias).map((x) => Number(x.value)));
  const changedAt = Date.now();
  await waitUntil(() => counterValues().length >= 10, 5000, '10 Counter changes');
  assert.ok(Date.now() - changedAt < 2500, 'the first changes arrive within about a second');
  const values = counterValues();
  for (let i = 1; i < values.length; i++) assert.equal(values[i], (values[i - 1] ?? 0) + 1, `Counter in order, no gap: ${values.join(',')}`);
});

test('OPC UA status codes: Bad → null with Quality 0 and the status name, Uncertain → Quality 500, Good again → the value with Quality 192 [tck-id-payloads-propertyset-quality-value-type] [tck-id-payloads-propertyset-quality-value-value]', async (t) => {
  const { s, broker, server, observer } = await rig(t);
  const variables = [opcuaVariable('Press.Quality')];
  const edge = spawnEdge(s, writeTemp(s, edgeYaml(broker.url, G, N, [{ id: 'Press', endpoint: server.endpoint, variables }])));
  const birth = await observer.waitFor((m) => m.topic === topic('DBIRTH'), 20_000).catch((e: unknown) => assert.fail(`${String(e)}\n${edge.stderr()}`));
  const alias = metricsOf(birth)[0]?.alias;
  const next = async (what: string, predicate: (m: DecodedMetric) => boolean): Promise<DecodedMetric> => {
    const msg = await observer.waitFor((m) => m.topic === topic('DDATA') && metricsOf(m).some((x) => x.alias === alias && predicate(x)), 5000).catch((e: unknown) =>
      assert.fail(`${what}: ${String(e)}\n${edge.stderr()}`),
    );
    const metric = metricsOf(msg).find((x) => x.alias === alias && predicate(x));
    assert.ok(metric !== undefined);
    return metric;
  };
  const quality = (m: DecodedMetric): unknown => m.properties?.['Quality']?.value;

  await server.set('Press.Quality', 7, 'BadSensorFailure');
  const bad = await next('Bad', (m) => m.isNull === true);
  assert.equal(bad.properties?.['Quality']?.type, 'Int32');
  assert.equal(quality(bad), 0);
  assert.equal(bad.properties?.['Status']?.value, 'BadSensorFailure');

  await server.set('Press.Quality', 8, 'UncertainLastUsableValue');
  const uncertain = await next('Uncertain', (m) => m.isNull === true && quality(m) === 500);
  assert.equal(uncertain.properties?.['Status']?.value, 'UncertainLastUsableValue');

  await server.set('Press.Quality', 9, 'Good');
  const good = await next('Good again', (m) => m.value === 9);
  assert.equal(quality(good), 192);
  // A bad value is never published as if it were good.
  assert.ok(!observer.messages.some((m) => m.topic === topic('DDATA') && metricsOf(m).some((x) => x.alias === alias && (x.value === 7 || x.value === 8))));
});

test('OPC UA writes: a DCMD to a writable metric lands in the server and comes back in DDATA; a DCMD to a read-only metric never reaches the server', async (t) => {
  const { s, broker, server, observer } = await rig(t);
  const variables = [opcuaVariable('Press.Setpoint'), opcuaVariable('Press.Limit'), opcuaVariable('Types.Int64')];
  const edge = spawnEdge(s, writeTemp(s, edgeYaml(broker.url, G, N, [{ id: 'Press', endpoint: server.endpoint, variables, writable: ['Press.Setpoint', 'Types.Int64'] }])));
  await observer.waitFor((m) => m.topic === topic('DBIRTH'), 20_000).catch((e: unknown) => assert.fail(`${String(e)}\n${edge.stderr()}`));

  const host = connect(broker.url, { reconnectPeriod: 0 });
  s.after(() => host.endAsync());
  await new Promise<void>((resolve, reject) => host.once('connect', () => resolve()).once('error', reject));
  const dcmd = (name: string, type: 'Double' | 'Int64', value: number | bigint): Promise<unknown> =>
    host.publishAsync(topic('DCMD'), Buffer.from(encodePayload({ timestamp: Date.now(), metrics: [{ name, type, value }] })), { qos: 1 });

  await dcmd('Press.Setpoint', 'Double', 73.25);
  await waitUntil(async () => (await server.read('Press.Setpoint')) === 73.25, 5000, 'Setpoint written on the server');
  await observer.waitFor((m) => m.topic === topic('DDATA') && metricsOf(m).some((x) => x.value === 73.25), 5000);

  await dcmd('Types.Int64', 'Int64', 9007199254740995n);
  await waitUntil(async () => (await server.read('Types.Int64')) === 9007199254740995n, 5000, 'Int64 written exactly');

  await dcmd('Press.Limit', 'Double', 1);
  await waitUntil(() => edge.stderr().includes('read-only'), 5000, 'the refusal is logged');
  assert.equal(await server.read('Press.Limit'), 100);
});

test('OPC UA server killed (-9) and restarted: DDEATH within seconds while a simulated device keeps publishing, then a DBIRTH with the restarted server values [tck-id-operational-behavior-device-ddeath]', async (t) => {
  const { s, broker, server, observer } = await rig(t);
  const variables = [opcuaVariable('Press.Speed'), opcuaVariable('Press.Counter')];
  const edge = spawnEdge(s, writeTemp(s, edgeYaml(broker.url, G, N, [{ id: 'Press', endpoint: server.endpoint, variables }], { simulated: true })));
  await observer.waitFor((m) => m.topic === topic('DBIRTH'), 20_000).catch((e: unknown) => assert.fail(`${String(e)}\n${edge.stderr()}`));
  await server.set('Press.Speed', 33.5);
  await observer.waitFor((m) => m.topic === topic('DDATA') && metricsOf(m).some((x) => x.value === 33.5), 5000);

  await server.kill();
  const killedAt = Date.now();
  await observer.waitFor((m) => m.topic === topic('DDEATH'), 15_000).catch((e: unknown) => assert.fail(`${String(e)}\n${edge.stderr()}`));
  const ddeathAfter = Date.now() - killedAt;
  assert.ok(ddeathAfter < 10_000, `DDEATH ${ddeathAfter} ms after the kill`);
  const simulatedBefore = observer.messages.filter((m) => m.topic === topic('DDATA', 'Sim')).length;
  await waitUntil(() => observer.messages.filter((m) => m.topic === topic('DDATA', 'Sim')).length > simulatedBefore + 3, 5000, 'the simulated device keeps publishing');
  assert.ok(!observer.messages.some((m) => m.topic === `spBv1.0/${G}/NDEATH/${N}`), 'the node stays up');

  // The restarted server starts from its initial values: the new DBIRTH must carry them, not 33.5.
  observer.clear();
  await server.restart();
  const reborn = await observer.waitFor((m) => m.topic === topic('DBIRTH'), 30_000).catch((e: unknown) => assert.fail(`${String(e)}\n${edge.stderr()}`));
  const speed = metricsOf(reborn).find((m) => m.name === 'Press.Speed');
  assert.equal(speed?.value, opcuaVariable('Press.Speed').initial);
  await observer.waitFor((m) => m.topic === topic('DDATA'), 5000);
});

test('OPC UA start-up errors: a missing NodeId and an unmapped DataType stop the edge before any birth, naming device, metric and NodeId (exit status 1)', async (t) => {
  const { s, broker, server, observer } = await rig(t);
  const missing: OpcuaTestVariable = { ...opcuaVariable('Press.Speed'), name: 'Press.Missing', nodeId: 'ns=1;s=Press.NoSuchThing' };
  const variables = [opcuaVariable('Press.Speed'), missing, opcuaVariable('Press.Structure')];
  const edge = spawnEdge(s, writeTemp(s, edgeYaml(broker.url, G, N, [{ id: 'Press', endpoint: server.endpoint, variables }])));
  assert.equal(await edge.exited, 1, edge.stderr());
  const err = edge.stderr();
  assert.match(err, /SPB_ERR_SOURCE/);
  assert.match(err, /Press/);
  assert.match(err, /ns=1;s=Press\.NoSuchThing/);
  assert.match(err, /ns=1;s=Press\.Structure/);
  assert.ok(!observer.messages.some((m) => m.topic.includes('BIRTH')), 'no birth went out');
});

test('sparkstate opcua browse: its devices block, saved as is below mqtt/sparkplug keys, runs as an edge config and births every variable it found', async (t) => {
  const { s, broker, server, observer } = await rig(t);
  const browse = await runCli(['opcua', 'browse', '--endpoint', server.endpoint, '--root', 'ns=1;s=Plant.Press']);
  assert.equal(browse.code, 0, browse.stderr);
  const names = [...browse.stdout.matchAll(/name: ([^,]+),/g)].map((m) => m[1]);
  assert.ok(names.length >= 8, browse.stdout);
  const header = [`mqtt: { servers: [${JSON.stringify(broker.url)}] }`, `sparkplug: { groupId: ${G}, edgeNodeId: ${N} }`, 'scanIntervalMs: 100', 'storeDir: ./store', ''].join('\n');
  const edge = spawnEdge(s, writeTemp(s, header + browse.stdout));
  const birth = await observer.waitFor((m) => m.topic === topic('DBIRTH'), 20_000).catch((e: unknown) => assert.fail(`${String(e)}\n${edge.stderr()}`));
  assert.deepEqual(metricsOf(birth).map((m) => m.name).sort(), [...names].sort());
  const speed = metricsOf(birth).find((m) => m.name === 'Speed');
  assert.equal(speed?.value, opcuaVariable('Press.Speed').initial);
});
