/** NCMD / DCMD handling: rebirth, next server, writes, refusals, garbage; on a real Mosquitto. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startMosquitto } from '../helpers/mosquitto.js';
import { startObserver, type ObservedMessage } from '../helpers/observer.js';
import { waitUntil } from '../helpers/wait.js';
import type { EdgeEvents } from '../../src/edge/index.js';
import {
  Wire,
  bdSeqOf,
  dcmdTopic,
  isData,
  isDevice,
  isNode,
  metricValues,
  ncmdTopic,
  publishOnce,
  sendCommand,
  startEdge,
} from './helpers.js';

/** Checks the births that followed the `n`-th NBIRTH: seq 0.., same bdSeq, DBIRTHs, no data in between. */
function assertRebirth(messages: readonly ObservedMessage[], n: number, bdSeq: number): void {
  const wire = new Wire();
  const seen = wire.decodeAll(messages.filter((m) => !m.topic.includes('/NCMD/') && !m.topic.includes('/DCMD/')));
  const births = seen.map((s, i) => [s, i] as const).filter(([s]) => s.type === 'NBIRTH');
  const entry = births[n];
  assert.ok(entry !== undefined, `NBIRTH #${n}`);
  const [nb, at] = entry;
  assert.equal(Number(nb.raw.seq), 0, 'rebirth NBIRTH seq 0');
  assert.equal(bdSeqOf(nb.raw), bdSeq, 'rebirth keeps the bdSeq of the connection');
  assert.deepEqual(
    seen.slice(at + 1, at + 3).map((s) => `${s.type}/${s.device ?? ''}:${String(s.raw.seq)}`),
    ['DBIRTH/Filler:1', 'DBIRTH/Capper:2'],
    'all DBIRTHs right after the NBIRTH, no data in between',
  );
}

test(
  'rebirth NCMD like the TCK (QoS 1, no payload timestamp) and like a host (QoS 0, timestamp, no datatype) ' +
    '[tck-id-operational-behavior-data-commands-rebirth-action-1] [tck-id-operational-behavior-data-commands-rebirth-action-2] ' +
    '[tck-id-operational-behavior-data-commands-rebirth-action-3] [tck-id-message-flow-edge-node-ncmd-subscribe] [tck-id-topics-nbirth-seq-num]',
  async (t) => {
    const broker = await startMosquitto();
    t.after(() => broker.dispose());
    const obs = await startObserver(broker.url);
    t.after(() => obs.close());
    const { node } = await startEdge(t, { servers: [broker.url], scanIntervalMs: 20 });
    const nb = new Wire().decode(await obs.waitFor(isNode('NBIRTH')));
    assert.ok(nb !== undefined);
    const bdSeq = bdSeqOf(nb.raw);
    await obs.waitForCount(5, isData);

    // TCK ReceiveCommandTest: QoS 1, name + Boolean datatype, no payload timestamp
    await sendCommand(broker.url, ncmdTopic(), { metrics: [{ name: 'Node Control/Rebirth', type: 'Boolean', value: true }] }, { qos: 1 });
    await obs.waitForCount(2, isNode('NBIRTH'));
    await obs.waitForCount(4, isDevice('DBIRTH'));
    assertRebirth(obs.messages, 1, bdSeq);

    // host style: QoS 0, payload timestamp, datatype omitted (resolved from our own definition)
    await sendCommand(
      broker.url,
      ncmdTopic(),
      { timestamp: Date.now(), metrics: [{ name: 'Node Control/Rebirth', type: 'Boolean', value: true, timestamp: Date.now() }] },
      { qos: 0, omitTypes: true },
    );
    await obs.waitForCount(3, isNode('NBIRTH'));
    await obs.waitForCount(6, isDevice('DBIRTH'));
    assertRebirth(obs.messages, 2, bdSeq);

    // Rebirth=false does nothing
    await sendCommand(broker.url, ncmdTopic(), { metrics: [{ name: 'Node Control/Rebirth', type: 'Boolean', value: false }] }, { qos: 1 });
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(obs.messages.filter(isNode('NBIRTH')).length, 3);
    assert.equal(node.stats.births, 3);
    // data resumed after the births, seq continuing
    await obs.waitForCount(obs.messages.filter(isData).length + 3, isData);
  },
);

test("'Node Control/Next Server' moves the session to the next server of the list (NDEATH there, births here, bdSeq+1)", async (t) => {
  const a = await startMosquitto();
  t.after(() => a.dispose());
  const b = await startMosquitto();
  t.after(() => b.dispose());
  const obsA = await startObserver(a.url);
  t.after(() => obsA.close());
  const obsB = await startObserver(b.url);
  t.after(() => obsB.close());
  await startEdge(t, { servers: [a.url, b.url] });
  const nbA = new Wire().decode(await obsA.waitFor(isNode('NBIRTH')));
  assert.ok(nbA !== undefined);
  await sendCommand(a.url, ncmdTopic(), { metrics: [{ name: 'Node Control/Next Server', type: 'Boolean', value: true }] }, { qos: 1 });
  const deathA = new Wire().decode(await obsA.waitFor(isNode('NDEATH')));
  assert.ok(deathA !== undefined);
  assert.equal(bdSeqOf(deathA.raw), bdSeqOf(nbA.raw), 'NDEATH on the server it leaves');
  const nbB = new Wire().decode(await obsB.waitFor(isNode('NBIRTH')));
  assert.ok(nbB !== undefined);
  assert.equal(bdSeqOf(nbB.raw), bdSeqOf(nbA.raw) + 1, 'new CONNECT, new bdSeq');
  await obsB.waitForCount(2, isDevice('DBIRTH'));
  const afterMove = obsA.messages.length;
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(obsA.messages.length, afterMove, 'only one server at a time');
});

test(
  'DCMD writes to a writable metric (by alias and by name, with and without datatype) show in the next DDATA; refused writes are counted and the node keeps running ' +
    '[tck-id-message-flow-device-dcmd-subscribe]',
  async (t) => {
    const broker = await startMosquitto();
    t.after(() => broker.dispose());
    const obs = await startObserver(broker.url);
    t.after(() => obs.close());
    const { node } = await startEdge(t, { servers: [broker.url] });
    const rejected: EdgeEvents['commandRejected'][0][] = [];
    node.on('commandRejected', (info) => rejected.push(info));
    const wire = new Wire();
    await obs.waitForCount(2, isDevice('DBIRTH'));
    wire.decodeAll(obs.messages);
    const alias = [...wire.names].find(([, name]) => name === 'Setpoint')?.[0];
    assert.ok(alias !== undefined);

    const setpointAfter = async (value: number): Promise<void> => {
      await obs.waitFor((m) => {
        if (!isDevice('DDATA', 'Filler')(m)) return false;
        const s = wire.decode(m);
        return s !== undefined && metricValues(wire, s, 'Setpoint').some((v) => v.value === value);
      });
    };
    // by alias, without datatype (how a host that read our DBIRTH sends it), QoS 0
    await sendCommand(broker.url, dcmdTopic('Filler'), { timestamp: Date.now(), metrics: [{ alias, type: 'Float', value: 12.5 }] }, {
      qos: 0,
      omitTypes: true,
    });
    await setpointAfter(12.5);
    // by name, with datatype, QoS 1 and no timestamp
    await sendCommand(broker.url, dcmdTopic('Filler'), { metrics: [{ name: 'Setpoint', type: 'Float', value: 7.25 }] }, { qos: 1 });
    await setpointAfter(7.25);
    // a String metric on the other device
    await sendCommand(broker.url, dcmdTopic('Capper'), { metrics: [{ name: 'Mode', type: 'String', value: 'manual' }] }, { qos: 1 });
    await obs.waitFor((m) => {
      if (!isDevice('DDATA', 'Capper')(m)) return false;
      const s = wire.decode(m);
      return s !== undefined && metricValues(wire, s, 'Mode').some((v) => v.value === 'manual');
    });

    // refusals: read-only, unknown name, unknown alias, node metric (read-only), wrong type
    await sendCommand(broker.url, dcmdTopic('Filler'), { metrics: [{ name: 'Count', type: 'Int64', value: 5 }] }, { qos: 1 });
    await sendCommand(broker.url, dcmdTopic('Filler'), { metrics: [{ name: 'Nope', type: 'Int32', value: 5 }] }, { qos: 1 });
    await sendCommand(broker.url, dcmdTopic('Filler'), { metrics: [{ alias: 9999, type: 'Int32', value: 5 }] }, { qos: 1, omitTypes: true });
    await sendCommand(broker.url, ncmdTopic(), { metrics: [{ name: 'Uptime', type: 'Int64', value: 1 }] }, { qos: 1 });
    await sendCommand(broker.url, dcmdTopic('Filler'), { metrics: [{ name: 'Setpoint', type: 'String', value: 'x' }] }, { qos: 1 });
    await waitUntil(() => rejected.length >= 5, 3000, 'five refused writes');
    assert.deepEqual(
      rejected.slice(0, 4).map((r) => [r.device, r.metric, r.code]),
      [
        ['Filler', 'Count', 'SPB_ERR_READ_ONLY'],
        ['Filler', 'Nope', 'SPB_ERR_UNKNOWN_METRIC'],
        ['Filler', 'alias 9999', 'SPB_ERR_UNKNOWN_METRIC'],
        [undefined, 'Uptime', 'SPB_ERR_READ_ONLY'],
      ],
    );
    assert.deepEqual([rejected[4]?.device, rejected[4]?.metric], ['Filler', 'Setpoint']);
    assert.match(rejected[4]?.code ?? '', /^SPB_ERR_/);
    assert.equal(node.stats.commandsRejected, 5);
    assert.equal(node.state, 'online');
    // the refused type did not change the held value
    await setpointAfter(7.25).catch(() => undefined);
    const n = obs.messages.filter(isData).length;
    await obs.waitForCount(n + 3, isData);
  },
);

test('malformed NCMD/DCMD payloads, garbage bytes, unknown devices and foreign nodes do not disturb the node', async (t) => {
  const broker = await startMosquitto();
  t.after(() => broker.dispose());
  const obs = await startObserver(broker.url);
  t.after(() => obs.close());
  const { node } = await startEdge(t, { servers: [broker.url] });
  await obs.waitForCount(2, isDevice('DBIRTH'));
  const garbage = [
    new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff]),
    new Uint8Array([0x12, 0x50, 0x0a]), // metric length beyond the payload
    new TextEncoder().encode('{"online":true}'),
    new Uint8Array(0),
    new Uint8Array([0x12, 0x04, 0x20, 0x63, 0x50, 0x01]), // datatype 99
  ];
  for (const g of garbage) {
    await publishOnce(broker.url, ncmdTopic(), g, { qos: 1 });
    await publishOnce(broker.url, dcmdTopic('Filler'), g, { qos: 0 });
  }
  await sendCommand(broker.url, dcmdTopic('NoSuchDevice'), { metrics: [{ name: 'Setpoint', type: 'Float', value: 1 }] }, { qos: 1 });
  await sendCommand(broker.url, 'spBv1.0/G1/NCMD/OtherNode', { metrics: [{ name: 'Node Control/Rebirth', type: 'Boolean', value: true }] }, {
    qos: 1,
  });
  await publishOnce(broker.url, 'spBv1.0/G1/DCMD/E1/Filler/extra', 'x', { qos: 0 });
  const n = obs.messages.filter(isData).length;
  await obs.waitForCount(n + 5, isData);
  assert.equal(node.state, 'online');
  assert.equal(obs.messages.filter(isNode('NBIRTH')).length, 1, 'no rebirth for another node');
  // still answers a real command
  await sendCommand(broker.url, ncmdTopic(), { metrics: [{ name: 'Node Control/Rebirth', type: 'Boolean', value: true }] }, { qos: 1 });
  await obs.waitForCount(2, isNode('NBIRTH'));
});
