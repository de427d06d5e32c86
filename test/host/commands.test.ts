import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, mock, test } from 'node:test';
import { isSparkplugError } from '../../src/errors.js';
import { T0, decoded, fakeTime, flush, SimEdge, startHost, tick } from './helpers.js';

const code = (c: string) => (e: unknown) => isSparkplugError(e) && e.code === c;

async function bornEdge() {
  const h = await startHost();
  const edge = new SimEdge(h.transport);
  edge.nbirth([
    { name: 'Setpoint', alias: 4, type: 'Float', value: 1 },
    { name: 'Mode', type: 'String', value: 'auto' },
  ]);
  edge.dbirth('Filler', [
    { name: 'Speed', type: 'UInt16', value: 10 },
    { name: 'Limit', alias: 9, type: 'Int64', value: 0 },
  ]);
  await tick(25);
  return { ...h, edge };
}

describe('host commands (NCMD / DCMD)', () => {
  beforeEach(fakeTime);
  afterEach(() => mock.timers.reset());

  test('NCMD: payload timestamp, no seq, birth datatype, QoS 0, not retained; by name when not aliased [tck-id-payloads-ncmd-seq] [tck-id-payloads-ncmd-timestamp] [tck-id-topics-ncmd-timestamp] [tck-id-payloads-ncmd-qos] [tck-id-payloads-ncmd-retain] [tck-id-topics-ncmd-mqtt] [tck-id-topics-ncmd-topic] [tck-id-operational-behavior-data-commands-ncmd-verb] [tck-id-topics-ncmd-payload] [tck-id-payloads-name-cmd-requirement]', async () => {
    const { host, transport } = await bornEdge();
    await host.writeMetric('Plant1', 'Line4', undefined, 'Mode', 'manual');
    const cmd = transport.published.at(-1);
    assert.ok(cmd !== undefined);
    assert.equal(cmd.topic, 'spBv1.0/Plant1/NCMD/Line4');
    assert.equal(cmd.qos, 0);
    assert.equal(cmd.retain, false);
    const p = decoded(cmd);
    assert.equal(p.seq, undefined);
    assert.equal(p.timestamp, T0 + 25);
    assert.deepEqual(p.metrics, [{ name: 'Mode', type: 'String', value: 'manual', timestamp: T0 + 25 }]);
  });

  test('aliased metrics are commanded by alias with the birth datatype [tck-id-payloads-alias-data-cmd-requirement] [tck-id-operational-behavior-data-commands-ncmd-metric-value]', async () => {
    const { host, transport } = await bornEdge();
    await host.writeMetric('Plant1', 'Line4', undefined, 'Setpoint', 2.5);
    const p = decoded(transport.published.at(-1) ?? assert.fail('no publish'));
    assert.deepEqual(p.metrics, [{ alias: 4, type: 'Float', value: 2.5, timestamp: T0 + 25 }]);
  });

  test('DCMD: device topic, no seq, QoS 0, not retained, datatype equal to the DBIRTH one [tck-id-payloads-dcmd-qos] [tck-id-payloads-dcmd-seq] [tck-id-payloads-dcmd-retain] [tck-id-topics-dcmd-mqtt] [tck-id-payloads-dcmd-timestamp] [tck-id-topics-dcmd-timestamp] [tck-id-operational-behavior-data-commands-dcmd-metric-value] [tck-id-topics-dcmd-payload] [tck-id-payloads-name-cmd-requirement]', async () => {
    const { host, transport } = await bornEdge();
    await host.writeMetric('Plant1', 'Line4', 'Filler', 'Speed', 12);
    await host.writeMetric('Plant1', 'Line4', 'Filler', 'Limit', 2n ** 62n);
    const [speed, limit] = transport.published.slice(-2);
    assert.ok(speed !== undefined && limit !== undefined);
    assert.equal(speed.topic, 'spBv1.0/Plant1/DCMD/Line4/Filler');
    assert.equal(speed.qos, 0);
    assert.equal(speed.retain, false);
    assert.equal(decoded(speed).seq, undefined);
    assert.equal(decoded(speed).timestamp, T0 + 25);
    assert.deepEqual(decoded(speed).metrics, [{ name: 'Speed', type: 'UInt16', value: 12, timestamp: T0 + 25 }]);
    // Same millisecond on the clock, yet a later timestamp: the edge must not take it for a redelivery.
    assert.deepEqual(decoded(limit).metrics, [{ alias: 9, type: 'Int64', value: 2n ** 62n, timestamp: T0 + 26 }]);
    assert.equal(decoded(limit).timestamp, T0 + 26);
  });

  test('writeMetric refuses with NOT_ONLINE, UNKNOWN_METRIC and ENCODE: commands only for metrics of the NBIRTH / DBIRTH [tck-id-operational-behavior-data-commands-ncmd-metric-name] [tck-id-operational-behavior-data-commands-dcmd-metric-name]', async () => {
    const { host, transport, edge } = await bornEdge();
    const before = transport.published.length;
    await assert.rejects(host.writeMetric('Plant1', 'Nope', undefined, 'Mode', 'x'), code('SPB_ERR_NOT_ONLINE'));
    await assert.rejects(host.writeMetric('Plant1', 'Line4', 'Nope', 'Speed', 1), code('SPB_ERR_NOT_ONLINE'));
    await assert.rejects(host.writeMetric('Plant1', 'Line4', undefined, 'Nope', 1), code('SPB_ERR_UNKNOWN_METRIC'));
    await assert.rejects(host.writeMetric('Plant1', 'Line4', 'Filler', 'Mode', 'x'), code('SPB_ERR_UNKNOWN_METRIC'));
    await assert.rejects(host.writeMetric('Plant1', 'Line4', 'Filler', 'Speed', 70000), code('SPB_ERR_ENCODE'));
    await assert.rejects(host.writeMetric('Plant1', 'Line4', undefined, 'Mode', 5), code('SPB_ERR_ENCODE'));
    edge.ddeath('Filler');
    await flush();
    await assert.rejects(host.writeMetric('Plant1', 'Line4', 'Filler', 'Speed', 1), code('SPB_ERR_NOT_ONLINE'));
    edge.ndeath();
    await flush();
    await assert.rejects(host.writeMetric('Plant1', 'Line4', undefined, 'Mode', 'x'), code('SPB_ERR_NOT_ONLINE'));
    assert.equal(transport.published.length, before);
    await host.stop();
    await assert.rejects(host.writeMetric('Plant1', 'Line4', undefined, 'Mode', 'x'), code('SPB_ERR_NOT_ONLINE'));
    assert.throws(() => host.requestRebirth('Plant1', 'Line4'), code('SPB_ERR_NOT_ONLINE'));
  });
});
