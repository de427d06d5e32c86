/**
 * The dev-setup.sh broker's ACL with the real CLI processes: the host (scada, MQTT 3.1.1) and edge
 * node edge1 (MQTT 5) work over TLS with their passwords and nothing they do is refused; viewer and
 * edge2 can neither command edge1 nor publish in its name; no password reaches any log.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { connectAsync, type MqttClient } from 'mqtt';
import { encodePayload, type Payload } from '../../src/payload/index.js';
import { lifo, type Scope } from '../host/broker-helpers.js';
import { sleep, waitUntil } from '../helpers/wait.js';
import { getJson, getText, GROUP, logLines, runEdge, runHost, sample, waitHealth, type CliProcess } from './cli-setup.js';
import { startDevBroker, type DevBroker, type User } from './dev-broker.js';

interface NodeView {
  online: boolean;
  metrics: Record<string, { value: unknown }>;
  devices: Record<string, { metrics: Record<string, { value: unknown }> }>;
}

async function edge1InHost(host: CliProcess): Promise<NodeView | undefined> {
  const state = (await getJson(host, '/api/state'))?.body as { groups?: Record<string, { nodes: Record<string, NodeView> }> } | undefined;
  return state?.groups?.[GROUP]?.nodes['edge1'];
}

async function client(s: Scope, dev: DevBroker, user: User, protocolVersion: 4 | 5): Promise<MqttClient> {
  const c = await connectAsync(dev.url, {
    protocolVersion,
    username: user,
    password: dev.passwords[user],
    ca: dev.ca,
    clientId: `intruder-${user}`,
    reconnectPeriod: 0,
  });
  s.after(() => c.endAsync());
  return c;
}

const cmd = (name: string, type: 'Boolean' | 'Int32', value: boolean | number): Uint8Array =>
  encodePayload({ timestamp: Date.now(), metrics: [{ name, type, value }] } satisfies Payload);

/** Everything a stranger might try against edge1: commands to it, and data, births and deaths in its name. */
function attacks(): { topic: string; payload: Uint8Array | string }[] {
  const node = `spBv1.0/${GROUP}`;
  const data = (seq: number, name: string): Uint8Array =>
    encodePayload({ timestamp: Date.now(), seq, metrics: [{ name, type: 'Int32', value: 55 }] } satisfies Payload);
  return [
    { topic: `${node}/NCMD/edge1`, payload: cmd('Node Control/Rebirth', 'Boolean', true) },
    { topic: `${node}/NCMD/edge1`, payload: cmd('Setpoint', 'Int32', 99) },
    { topic: `${node}/DCMD/edge1/Filler`, payload: cmd('Speed', 'Int32', 99) },
    { topic: `${node}/NDATA/edge1`, payload: data(1, 'Setpoint') },
    { topic: `${node}/DDATA/edge1/Filler`, payload: data(2, 'Speed') },
    { topic: `${node}/NDEATH/edge1`, payload: encodePayload({ timestamp: Date.now(), metrics: [{ name: 'bdSeq', type: 'Int64', value: 0n }] }) },
    { topic: 'spBv1.0/STATE/scada', payload: JSON.stringify({ online: false, timestamp: Date.now() }) },
  ];
}

test('ACL: host and edge work over TLS with passwords, nothing refused; viewer and edge2 cannot make edge1 rebirth, write its metrics or speak in its name; no password in any log', { timeout: 240_000 }, async (t) => {
  const s = lifo(t);
  const dev = await startDevBroker(s, { debugLog: true });
  const ca = join(dev.dir, 'ca.crt');
  const host = await runHost(s, { url: dev.url, username: 'scada', ca, protocolVersion: 4 }, dev.passwords.scada);
  const edge = await runEdge(s, { url: dev.url, username: 'edge1', ca, protocolVersion: 5 }, 'edge1', dev.passwords.edge1);

  // Working: the host is online, edge1 is born, and the host sees its births and its data.
  assert.equal((await waitHealth(host, 200)).state, 'online');
  assert.equal((await waitHealth(edge, 200)).state, 'online');
  await waitUntil(async () => (await edge1InHost(host))?.online === true, 30_000, 'edge1 online in the host model');
  const before = await edge1InHost(host);
  assert.equal(before?.metrics['Setpoint']?.value, 7);
  assert.equal(before?.devices['Filler']?.metrics['Speed']?.value, 10);
  const count = Number(before?.devices['Filler']?.metrics['Count']?.value);
  await waitUntil(async () => Number((await edge1InHost(host))?.devices['Filler']?.metrics['Count']?.value) > count, 30_000, 'DDATA reaches the host');
  const births = sample(await getText(edge, '/metrics'), 'sparkstate_edge_births_total');
  assert.equal(births, 1);

  // Strangers: viewer on MQTT 5 gets PUBACK 0x87 for every attempt; edge2 on 3.1.1 is dropped silently.
  const viewer = await client(s, dev, 'viewer', 5);
  for (const a of attacks()) {
    await assert.rejects(viewer.publishAsync(a.topic, Buffer.from(a.payload), { qos: 1 }), (e: Error & { code?: number }) => e.code === 0x87, `viewer: ${a.topic}`);
  }
  const edge2 = await client(s, dev, 'edge2', 4);
  for (const a of attacks()) await edge2.publishAsync(a.topic, Buffer.from(a.payload), { qos: 1 });
  const denied = (who: string): number => (dev.broker.log().match(new RegExp(`Denied PUBLISH from intruder-${who} `, 'g')) ?? []).length;
  await waitUntil(() => denied('viewer') === attacks().length && denied('edge2') === attacks().length, 10_000, 'the broker log names every denied PUBLISH');

  // The host's own command (scada may write): proves the path works, and runs after the strangers' attempts.
  const res = await fetch(`${host.http}/api/write`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ group: GROUP, node: 'edge1', metric: 'Setpoint', value: 8 }),
  });
  assert.equal(res.status, 200, await res.text());
  await waitUntil(async () => (await edge1InHost(host))?.metrics['Setpoint']?.value === 8, 30_000, 'the host\'s write applied');
  await sleep(500); // a last chance for anything a stranger slipped through to show

  // edge1 unchanged: no rebirth, only the host's write applied, still online, nothing in its name reached the host.
  const after = await edge1InHost(host);
  assert.equal(after?.online, true);
  assert.equal(after?.devices['Filler']?.metrics['Speed']?.value, 10);
  assert.equal(sample(await getText(edge, '/metrics'), 'sparkstate_edge_births_total'), births, 'no rebirth');
  assert.equal((await getJson(edge, '/healthz'))?.status, 200);
  const applied = logLines(edge).filter((l) => l.msg === 'write applied');
  assert.deepEqual(applied.map((l) => [l['metric'], l['device']]), [['Setpoint', undefined]], 'only the host\'s write was executed');
  assert.equal(logLines(edge).filter((l) => l.msg === 'edge node state' && l['to'] === 'birthing').length, 1, 'one birth only');
  assert.equal((await edge1InHost(host))?.metrics['Setpoint']?.value, 8, 'no NDATA in edge1\'s name reached the host');

  // Nothing the host or edge1 did was refused: no denied PUBLISH or SUBSCRIBE, no warning in their logs.
  const brokerLog = dev.broker.log();
  assert.doesNotMatch(brokerLog, /Denied \w+ from (sparkstate-host-scada|Plant1-edge1) /);
  for (const p of [host, edge]) {
    const warnings = logLines(p).filter((l) => l.level >= 40);
    assert.deepEqual(warnings, [], `${p === host ? 'host' : 'edge'} logged warnings`);
  }

  // No password anywhere: the CLI outputs and the broker's log.
  for (const [user, pw] of Object.entries(dev.passwords)) {
    for (const [what, text] of [['host', host.output()], ['edge', edge.output()], ['broker', brokerLog]] as const) {
      assert.ok(!text.includes(pw), `${user}'s password in the ${what} log`);
    }
  }
});

test('without the ACL (passwords and TLS only) any client may make edge1 rebirth and write its metrics: Sparkplug by design, as the README says', { timeout: 180_000 }, async (t) => {
  const s = lifo(t);
  const dev = await startDevBroker(s, { withoutAcl: true });
  const edge = await runEdge(s, { url: dev.url, username: 'edge1', ca: join(dev.dir, 'ca.crt'), protocolVersion: 4 }, 'edge1', dev.passwords.edge1);
  // No host here: publish its STATE online so edge1 births (without an ACL anyone may do that too).
  const viewer = await client(s, dev, 'viewer', 5);
  await viewer.publishAsync('spBv1.0/STATE/scada', JSON.stringify({ online: true, timestamp: Date.now() }), { qos: 1, retain: true });
  await waitHealth(edge, 200);

  await viewer.publishAsync(`spBv1.0/${GROUP}/NCMD/edge1`, Buffer.from(cmd('Node Control/Rebirth', 'Boolean', true)), { qos: 1 });
  await viewer.publishAsync(`spBv1.0/${GROUP}/NCMD/edge1`, Buffer.from(cmd('Setpoint', 'Int32', 99)), { qos: 1 });
  await waitUntil(() => logLines(edge).some((l) => l.msg === 'write applied' && l['metric'] === 'Setpoint'), 30_000, 'the viewer\'s write applied');
  await waitUntil(async () => sample(await getText(edge, '/metrics'), 'sparkstate_edge_births_total') === 2, 30_000, 'the viewer\'s rebirth');
});
