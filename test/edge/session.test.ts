/** Session order, MQTT flags, births, aliases, data encoding and seq, observed on a real Mosquitto. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startMosquitto } from '../helpers/mosquitto.js';
import { startObserver } from '../helpers/observer.js';
import { startTcpProxy } from '../helpers/proxy.js';
import { sleep } from '../helpers/wait.js';
import {
  GROUP,
  NODE,
  Wire,
  bdSeqOf,
  isData,
  isDevice,
  isNode,
  num,
  parseConnect,
  startEdge,
  tahu,
} from './helpers.js';

test(
  'first session: NBIRTH (seq 0, timestamp, bdSeq Int64, Rebirth false unaliased, full metrics), DBIRTH per device, then data; QoS 0, not retained ' +
    '[tck-id-topics-nbirth-mqtt] [tck-id-payloads-nbirth-qos] [tck-id-payloads-nbirth-retain] [tck-id-message-flow-edge-node-birth-publish-nbirth-qos] [tck-id-message-flow-edge-node-birth-publish-nbirth-retained] [tck-id-topics-nbirth-seq-num] [tck-id-topics-nbirth-timestamp] [tck-id-payloads-nbirth-timestamp] [tck-id-topics-nbirth-bdseq-included] [tck-id-payloads-nbirth-bdseq] ' +
    '[tck-id-topics-nbirth-rebirth-metric] [tck-id-payloads-nbirth-rebirth-req] [tck-id-operational-behavior-data-commands-rebirth-name] [tck-id-operational-behavior-data-commands-rebirth-datatype] [tck-id-operational-behavior-data-commands-rebirth-value] [tck-id-operational-behavior-data-commands-rebirth-name-aliases] [tck-id-topics-nbirth-metrics] ' +
    '[tck-id-topics-dbirth-mqtt] [tck-id-payloads-dbirth-qos] [tck-id-payloads-dbirth-retain] [tck-id-message-flow-device-birth-publish-dbirth-qos] [tck-id-message-flow-device-birth-publish-dbirth-retained] [tck-id-topics-dbirth-seq] [tck-id-payloads-dbirth-seq] [tck-id-payloads-dbirth-seq-inc] [tck-id-message-flow-device-birth-publish-dbirth-payload-seq] [tck-id-topics-dbirth-timestamp] [tck-id-payloads-dbirth-timestamp] [tck-id-topics-dbirth-metrics] [tck-id-payloads-dbirth-order] ' +
    '[tck-id-payloads-ndata-order] [tck-id-payloads-ddata-order] [tck-id-topics-ndata-mqtt] [tck-id-payloads-ndata-qos] [tck-id-payloads-ndata-retain] [tck-id-topics-ddata-mqtt] [tck-id-payloads-ddata-qos] [tck-id-payloads-ddata-retain] [tck-id-payloads-name-birth-data-requirement] ' +
    '[tck-id-payloads-alias-birth-requirement] [tck-id-payloads-alias-uniqueness] [tck-id-payloads-alias-data-cmd-requirement] [tck-id-payloads-metric-datatype-not-req] ' +
    '[tck-id-payloads-metric-datatype-req] [tck-id-payloads-sequence-num-always-included] ' +
    '[tck-id-principles-birth-certificates-order] [tck-id-message-flow-device-birth-publish-nbirth-wait] [tck-id-message-flow-edge-node-birth-publish-nbirth-payload] [tck-id-message-flow-device-birth-publish-dbirth-payload] ' +
    '[tck-id-topics-nbirth-topic] [tck-id-message-flow-edge-node-birth-publish-nbirth-topic] [tck-id-topics-ndata-topic] [tck-id-topics-ndeath-topic] [tck-id-topics-dbirth-topic] [tck-id-message-flow-device-birth-publish-dbirth-topic] ' +
    '[tck-id-message-flow-device-birth-publish-dbirth-match-edge-node-topic] [tck-id-topics-ddata-topic] ' +
    '[tck-id-topics-nbirth-metric-reqs] [tck-id-operational-behavior-data-publish-nbirth] [tck-id-topics-dbirth-metric-reqs] [tck-id-operational-behavior-data-publish-dbirth] ' +
    '[tck-id-operational-behavior-data-publish-nbirth-values] [tck-id-operational-behavior-data-publish-dbirth-values] [tck-id-payloads-name-requirement] ' +
    '[tck-id-topics-ndata-timestamp] [tck-id-payloads-ndata-timestamp] [tck-id-topics-ddata-timestamp] [tck-id-payloads-ddata-timestamp] [tck-id-topics-ndata-payload] [tck-id-topics-ddata-payload] ' +
    '[tck-id-operational-behavior-data-publish-nbirth-change] [tck-id-operational-behavior-data-publish-dbirth-change] [tck-id-principles-rbe-recommended] ' +
    '[tck-id-operational-behavior-data-publish-nbirth-order] [tck-id-operational-behavior-data-publish-dbirth-order]',
  async (t) => {
    const broker = await startMosquitto();
    t.after(() => broker.dispose());
    const obs = await startObserver(broker.url);
    t.after(() => obs.close());
    const before = Date.now();
    const { node } = await startEdge(t, { servers: [broker.url] });
    // NBIRTH, 2 DBIRTHs and a good number of data messages of both kinds
    await obs.waitForCount(6, isNode('NDATA'));
    await obs.waitForCount(6, isDevice('DDATA', 'Filler'));
    await node.stop();
    const after = Date.now();
    const wire = new Wire();
    const seen = wire.decodeAll(obs.messages);

    // order: NBIRTH, DBIRTH Filler, DBIRTH Capper, then only data, ending with the clean-stop NDEATH
    assert.deepEqual(
      seen.slice(0, 3).map((s) => `${s.type}/${s.device ?? ''}`),
      ['NBIRTH/', 'DBIRTH/Filler', 'DBIRTH/Capper'],
    );
    const last = seen.at(-1);
    assert.equal(last?.type, 'NDEATH');
    for (const s of seen.slice(3, -1)) assert.ok(s.type === 'NDATA' || s.type === 'DDATA', `unexpected ${s.type} among data`);

    // exact topics spBv1.0/<group>/<type>/<edge>[/<device>]: the configured ids, a device level only for D*, configured devices only
    for (const s of seen) {
      const device = s.type.startsWith('D') ? `/${s.device ?? '?'}` : '';
      assert.equal(s.msg.topic, `spBv1.0/${GROUP}/${s.type}/${NODE}${device}`, `${s.type} topic`);
      if (s.device !== undefined) assert.ok(['Filler', 'Capper'].includes(s.device), `configured device ${s.device}`);
    }

    // QoS 0, retain false for every N*/D* except NDEATH; topics exactly the configured ids
    for (const s of seen.slice(0, -1)) {
      assert.equal(s.msg.qos, 0, `${s.msg.topic} QoS`);
      assert.equal(s.msg.retain, false, `${s.msg.topic} retain`);
      if (s.topic.kind !== 'state') {
        assert.equal(s.topic.group, GROUP);
        assert.equal(s.topic.node, NODE);
      }
    }

    // seq: 0 on NBIRTH, then +1 over every message type; NDEATH has none
    seen.slice(0, -1).forEach((s, i) => {
      assert.ok('seq' in s.raw, `${s.type} carries seq`);
      assert.equal(Number(s.raw.seq), i % 256, `${s.type} #${i} seq`);
    });
    assert.equal(last?.raw.seq, undefined, 'NDEATH has no seq');

    // NBIRTH content
    const nbirth = seen[0];
    assert.ok(nbirth !== undefined);
    const ts = Number(nbirth.raw.timestamp);
    assert.ok(ts >= before && ts <= after, 'NBIRTH payload timestamp is the send time');
    assert.equal(bdSeqOf(nbirth.raw), 0, 'first session bdSeq 0');
    const rebirth = nbirth.raw.metrics?.find((m) => m.name === 'Node Control/Rebirth');
    assert.ok(rebirth !== undefined, 'Node Control/Rebirth present');
    assert.equal(rebirth.type, 'Boolean');
    assert.equal(rebirth.value, false);
    assert.equal(rebirth.alias, undefined, 'Rebirth never aliased');
    const uptime = nbirth.raw.metrics?.find((m) => m.name === 'Uptime');
    assert.ok(uptime !== undefined, 'node metric in NBIRTH');

    // every birth metric: name, datatype, value (or is_null), timestamp; configured metrics have aliases
    const aliases: number[] = [];
    const scopeOf = new Map<number, string>(); // alias -> '' (node) or the device whose birth declared it
    for (const s of seen.slice(0, 3)) {
      assert.ok(s.raw.timestamp !== undefined, `${s.type} payload timestamp`);
      for (const m of s.raw.metrics ?? []) {
        assert.ok(m.name !== undefined && m.name !== '', `${s.type}: metric name`);
        assert.ok(m.type !== undefined, `${s.type} ${m.name}: datatype`);
        assert.ok(m.isNull === true ? m.value === null : m.value !== undefined && m.value !== null, `${s.type} ${m.name}: value (or is_null without one)`);
        assert.ok(m.timestamp !== undefined, `${s.type} ${m.name}: timestamp`);
        if (m.name.startsWith('Node Control/') || m.name === 'bdSeq') continue;
        assert.ok(m.alias !== undefined, `${s.type} ${m.name}: alias`);
        aliases.push(Number(m.alias));
        scopeOf.set(Number(m.alias), s.device ?? '');
      }
    }
    assert.equal(aliases.length, 6, 'Uptime + 3 Filler + 2 Capper metrics aliased');
    assert.equal(new Set(aliases).size, aliases.length, 'aliases unique across node and devices');
    const filler = seen[1];
    assert.deepEqual(
      filler?.raw.metrics?.map((m) => [m.name, m.type]),
      [
        ['Count', 'Int64'],
        ['Temperature', 'Double'],
        ['Setpoint', 'Float'],
      ],
    );

    // data: alias only, no name, no datatype, a timestamp; values readable with the birth's types
    const data = seen.filter((s) => s.type === 'NDATA' || s.type === 'DDATA');
    assert.ok(data.length >= 12);
    for (const s of data) {
      assert.ok(s.raw.timestamp !== undefined, 'data payload timestamp');
      const dts = Number(s.raw.timestamp);
      assert.ok(dts >= before && dts <= after, 'data payload timestamp is the send time');
      assert.ok((s.raw.metrics ?? []).length > 0, 'data carries at least one metric');
      for (const m of s.raw.metrics ?? []) {
        assert.equal(m.name, undefined, 'no name in data');
        assert.equal(m.type, undefined, 'no datatype in data');
        assert.ok(m.alias !== undefined && aliases.includes(Number(m.alias)), 'alias declared in a birth');
        assert.equal(scopeOf.get(Number(m.alias)), s.device ?? '', `${s.type}: metric declared in the birth of this node/device`);
        assert.ok(m.timestamp !== undefined, 'metric timestamp in data');
      }
    }
    // non-historical metrics of every birth and data message in chronological order
    for (const s of seen.slice(0, -1)) {
      const times = (s.raw.metrics ?? []).filter((m) => m.isHistorical !== true).map((m) => Number(m.timestamp));
      times.forEach((x, i) => assert.ok(x >= (times[i - 1] ?? x), `${s.type} metric timestamps in order`));
    }
    // report by exception: a live data metric always differs from the value last sent for it (birth or data),
    // so the constant Setpoint and Mode never appear in data
    const lastSent = new Map<number, string>();
    for (const s of seen.slice(0, 3)) for (const m of s.payload.metrics ?? []) if (m.alias !== undefined) lastSent.set(Number(m.alias), String(m.value));
    for (const s of data) {
      for (const m of s.payload.metrics ?? []) {
        if (m.isHistorical === true) continue;
        assert.notEqual(String(m.value), lastSent.get(Number(m.alias)), `${s.type} alias ${String(m.alias)}: unchanged value resent`);
        lastSent.set(Number(m.alias), String(m.value));
      }
    }

    // live counter values count up by one per scan from the birth value (samples taken before the
    // first CONNACK may follow as historical metrics: store-and-forward)
    const counts = data
      .filter((s) => s.device === 'Filler')
      .flatMap((s) =>
        (s.payload.metrics ?? []).filter((m) => Number(m.alias) === Number(filler?.raw.metrics?.[0]?.alias) && m.isHistorical !== true),
      )
      .map((m) => Number(m.value));
    const birthCount = Number(filler?.raw.metrics?.[0]?.value);
    counts.forEach((c, i) => assert.equal(c, birthCount + i + 1, 'Count continues from its birth value'));

    // Tahu decodes the births the same way
    const tn = tahu.decodePayload(nbirth.msg.payload);
    assert.equal(num(tn.seq), 0);
    assert.equal(num(tn.timestamp), ts);
    const tBd = tn.metrics?.find((m) => m.name === 'bdSeq');
    assert.equal(tBd?.type, 'Int64');
    assert.equal(num(tBd?.value), 0);
    const tRebirth = tn.metrics?.find((m) => m.name === 'Node Control/Rebirth');
    assert.equal(tRebirth?.type, 'Boolean');
    assert.equal(tRebirth?.value, false);
    assert.equal(tRebirth?.alias, undefined);
    for (const s of seen.slice(1, 3)) {
      const td = tahu.decodePayload(s.msg.payload);
      assert.equal(num(td.seq), Number(s.raw.seq));
      assert.deepEqual(
        td.metrics?.map((m) => [m.name, m.type, num(m.alias)]),
        s.raw.metrics?.map((m) => [m.name, m.type, Number(m.alias)]),
      );
    }

    // nothing of ours is retained: a fresh subscriber gets no N*/D* message
    const fresh = await startObserver(broker.url);
    t.after(() => fresh.close());
    await sleep(300);
    assert.deepEqual(fresh.messages.map((m) => m.topic), [], 'no retained Sparkplug messages');
  },
);

test(
  'seq runs over all message types and wraps 255 → 0 [tck-id-payloads-sequence-num-incrementing] [tck-id-topics-ndata-seq-num] [tck-id-topics-ddata-seq-num] [tck-id-payloads-ndata-seq-inc] [tck-id-payloads-ndata-seq] [tck-id-payloads-ddata-seq-inc] [tck-id-payloads-ddata-seq]',
  async (t) => {
    const broker = await startMosquitto();
    t.after(() => broker.dispose());
    const obs = await startObserver(broker.url);
    t.after(() => obs.close());
    const { node } = await startEdge(t, { servers: [broker.url], scanIntervalMs: 5 });
    await obs.waitForCount(300, (m) => isData(m) || isNode('NBIRTH')(m) || isDevice('DBIRTH')(m), 15_000);
    await node.stop();
    const seen = new Wire().decodeAll(obs.messages).filter((s) => s.type !== 'NDEATH');
    assert.equal(seen[0]?.type, 'NBIRTH');
    let wraps = 0;
    for (let i = 1; i < seen.length; i++) {
      const prev = Number(seen[i - 1]?.raw.seq);
      const cur = Number(seen[i]?.raw.seq);
      assert.equal(cur, (prev + 1) % 256, `message ${i} (${seen[i]?.type}) seq follows ${prev}`);
      if (prev === 255) wraps++;
    }
    assert.ok(wraps >= 1, 'seq wrapped at least once');
    assert.ok(seen.some((s) => s.type === 'NDATA') && seen.some((s) => s.type === 'DDATA'));
  },
);

test(
  'CONNECT: clean session, Will on NDEATH topic, QoS 1, not retained, bdSeq only, no seq; MQTT 5 clean start + expiry 0 ' +
    '[tck-id-principles-persistence-clean-session-311] [tck-id-principles-persistence-clean-session-50] [tck-id-message-flow-edge-node-birth-publish-will-message] [tck-id-payloads-ndeath-will-message] ' +
    '[tck-id-message-flow-edge-node-birth-publish-will-message-topic] [tck-id-message-flow-edge-node-birth-publish-will-message-qos] [tck-id-payloads-ndeath-will-message-qos] ' +
    '[tck-id-message-flow-edge-node-birth-publish-will-message-will-retained] [tck-id-payloads-ndeath-will-message-retain] [tck-id-message-flow-edge-node-birth-publish-will-message-payload] ' +
    '[tck-id-topics-ndeath-payload] [tck-id-topics-ndeath-seq] [tck-id-payloads-ndeath-seq] [tck-id-payloads-ndeath-bdseq] [tck-id-topics-ndeath-topic]',
  async (t) => {
    const broker = await startMosquitto();
    t.after(() => broker.dispose());
    for (const protocolVersion of [4, 5] as const) {
      const proxy = await startTcpProxy(broker.port);
      t.after(() => proxy.close());
      const obs = await startObserver(broker.url);
      t.after(() => obs.close());
      const { node } = await startEdge(t, { servers: [proxy.url], protocolVersion, body: 'metrics: []\n' });
      const nbirth = await obs.waitFor(isNode('NBIRTH'));
      const first = proxy.firstChunks[0];
      assert.ok(first !== undefined, 'CONNECT seen');
      const c = parseConnect(first);
      assert.equal(c.level, protocolVersion);
      assert.equal(c.cleanSession, true, 'clean session / clean start');
      if (protocolVersion === 5) assert.ok(c.sessionExpiry === undefined || c.sessionExpiry === 0, 'session expiry 0');
      assert.equal(c.willFlag, true);
      assert.equal(c.willTopic, `spBv1.0/${GROUP}/NDEATH/${NODE}`);
      assert.equal(c.willQos, 1);
      assert.equal(c.willRetain, false);
      assert.ok(c.willPayload !== undefined);
      const will = new Wire().decode({ topic: c.willTopic, qos: 1, retain: false, payload: c.willPayload, receivedAt: 0 });
      assert.ok(will !== undefined);
      assert.deepEqual(will.raw.metrics?.map((m) => m.name), ['bdSeq']);
      assert.equal(will.raw.seq, undefined, 'Will has no seq');
      const nb = new Wire().decode(nbirth);
      assert.ok(nb !== undefined);
      assert.equal(bdSeqOf(will.raw), bdSeqOf(nb.raw), 'Will bdSeq == NBIRTH bdSeq');
      await node.stop();
    }
  },
);
