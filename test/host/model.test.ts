import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, mock, test } from 'node:test';
import type { HostEvents } from '../../src/host/index.js';
import { encodePayload } from '../../src/payload/index.js';
import { T0, fakeTime, flush, rebirths, SimEdge, startHost, tick } from './helpers.js';

describe('host live model', () => {
  beforeEach(fakeTime);
  afterEach(() => mock.timers.reset());

  test('births and data by alias: datatype-less data is read with the birth datatype (resolveType) [tck-id-payloads-metric-datatype-not-req]', async () => {
    const { host, transport } = await startHost();
    const births: HostEvents['nodeBirth'][0][] = [];
    const updates: HostEvents['metrics'][0][] = [];
    host.on('nodeBirth', (b) => births.push(b));
    host.on('metrics', (m) => updates.push(m));
    const edge = new SimEdge(transport);
    edge.bdSeq = 3;
    edge.nbirth([
      { name: 'Temperature', alias: 1, type: 'Double', value: 21.5 },
      { name: 'Offset', alias: 2, type: 'Int32', value: 0 },
      { name: 'Label', type: 'String', value: 'a' },
    ]);
    edge.dbirth('Filler', [{ name: 'Speed', alias: 10, type: 'Int16', value: 1 }]);
    await tick(10);
    // Int32 -5 travels as uint32 0xFFFFFFFB: only the birth datatype makes it -5 again.
    edge.ndata([
      { alias: 2, type: 'Int32', value: -5 },
      { name: 'Label', type: 'String', value: 'b' },
    ]);
    edge.ddata('Filler', [{ alias: 10, type: 'Int16', value: -300 }]);
    await flush();
    const node = host.snapshot().groups['Plant1']?.nodes['Line4'];
    assert.ok(node !== undefined);
    assert.equal(node.online, true);
    assert.equal(node.bdSeq, 3);
    assert.equal(node.lastSeq, 3);
    assert.deepEqual(node.metrics['Temperature'], { value: 21.5, type: 'Double', timestamp: T0, stale: false, alias: 1 });
    assert.equal(node.metrics['Offset']?.value, -5);
    assert.equal(node.metrics['Offset']?.timestamp, T0 + 10);
    assert.equal(node.metrics['Label']?.value, 'b');
    assert.equal(node.devices['Filler']?.online, true);
    assert.equal(node.devices['Filler']?.metrics['Speed']?.value, -300);
    assert.deepEqual(births, [{ group: 'Plant1', node: 'Line4', bdSeq: 3, timestamp: T0 }]);
    const data = updates.filter((u) => u.metrics.every((m) => m.timestamp === T0 + 10));
    assert.deepEqual(
      data.map((u) => [u.device, u.metrics.map((m) => [m.name, m.type, m.value])]),
      [
        [undefined, [['Offset', 'Int32', -5], ['Label', 'String', 'b']]],
        ['Filler', [['Speed', 'Int16', -300]]],
      ],
    );
    assert.equal(rebirths(transport).length, 0);
  });

  test('a new NBIRTH replaces the metric set and alias map; devices stay offline until their DBIRTH (HP-4)', async () => {
    const { host, transport } = await startHost();
    const edge = new SimEdge(transport);
    edge.nbirth([{ name: 'A', alias: 1, type: 'Int32', value: 1 }]);
    edge.dbirth('D', [{ name: 'X', type: 'Boolean', value: true }]);
    edge.nbirth([{ name: 'B', alias: 1, type: 'String', value: 'x' }]);
    edge.ndata([{ alias: 1, type: 'String', value: 'y' }]);
    await flush();
    const node = host.snapshot().groups['Plant1']?.nodes['Line4'];
    assert.equal(node?.metrics['A'], undefined);
    assert.equal(node?.metrics['B']?.value, 'y');
    assert.equal(node?.devices['D']?.online, false);
    assert.equal(node?.devices['D']?.metrics['X']?.stale, true);
  });

  test('NDEATH with a stale bdSeq is ignored; the matching one takes node and devices offline, all stale at host time (HP-1) [tck-id-operational-behavior-edge-node-termination-host-action-ndeath-node-offline] [tck-id-operational-behavior-edge-node-termination-host-action-ndeath-devices-tags-stale]', async () => {
    const { host, transport } = await startHost();
    const deaths: HostEvents['nodeDeath'][0][] = [];
    host.on('nodeDeath', (d) => deaths.push(d));
    const edge = new SimEdge(transport);
    edge.bdSeq = 1;
    edge.nbirth([{ name: 'A', type: 'Int32', value: 1 }], T0 - 100);
    edge.dbirth('D', [{ name: 'X', type: 'Boolean', value: true }]);
    // A late Will of the previous session (bdSeq 0) must not kill the new one.
    edge.ndeath(0);
    await flush();
    let node = host.snapshot().groups['Plant1']?.nodes['Line4'];
    assert.equal(node?.online, true);
    assert.equal(node?.metrics['A']?.stale, false);
    assert.equal(host.counters.staleDeaths, 1);

    await tick(700);
    edge.ndeath(1);
    await flush();
    node = host.snapshot().groups['Plant1']?.nodes['Line4'];
    assert.equal(node?.online, false);
    assert.equal(node?.stale, true);
    assert.equal(node?.staleSince, T0 + 700);
    assert.equal(node?.metrics['A']?.stale, true);
    assert.equal(node?.metrics['A']?.value, 1);
    assert.equal(node?.devices['D']?.online, false);
    assert.equal(node?.devices['D']?.staleSince, T0 + 700);
    assert.equal(node?.devices['D']?.metrics['X']?.stale, true);
    assert.deepEqual(deaths, [{ group: 'Plant1', node: 'Line4', bdSeq: 1, timestamp: T0 + 700 }]);

    // Q17 / HP-2: the broker's Will after an explicit NDEATH (same bdSeq) is a duplicate.
    edge.ndeath(1);
    await flush();
    assert.equal(deaths.length, 1);
    assert.equal(host.counters.staleDeaths, 2);
  });

  test('DDEATH takes the device offline with its metrics stale at the DDEATH payload timestamp (HP-9) [tck-id-operational-behavior-edge-node-termination-host-action-ddeath-devices-offline] [tck-id-operational-behavior-edge-node-termination-host-action-ddeath-devices-tags-stale]', async () => {
    const { host, transport } = await startHost();
    const deaths: HostEvents['deviceDeath'][0][] = [];
    host.on('deviceDeath', (d) => deaths.push(d));
    const edge = new SimEdge(transport);
    edge.nbirth();
    edge.dbirth('D', [{ name: 'X', type: 'Boolean', value: true }]);
    await tick(50);
    edge.ddeath('D', T0 + 42);
    await flush();
    const node = host.snapshot().groups['Plant1']?.nodes['Line4'];
    assert.equal(node?.online, true);
    assert.equal(node?.devices['D']?.online, false);
    assert.equal(node?.devices['D']?.staleSince, T0 + 42);
    assert.equal(node?.devices['D']?.metrics['X']?.stale, true);
    assert.deepEqual(deaths, [{ group: 'Plant1', node: 'Line4', device: 'D', timestamp: T0 + 42 }]);
    // Data for the dead device: the host has no current DBIRTH for it, so it asks for one.
    edge.ddata('D', [{ name: 'X', type: 'Boolean', value: false }]);
    await flush();
    assert.equal(rebirths(transport, 'Plant1', 'Line4').length, 1);
    assert.equal(node?.devices['D']?.metrics['X']?.value, true);
  });

  test('plain data (column scan) and data the full decoder reads (properties, arrays) give the same model; a message is applied whole or not at all', async () => {
    const { host, transport } = await startHost();
    const edge = new SimEdge(transport);
    edge.nbirth([
      { name: 'A', alias: 1, type: 'Double', value: 0 },
      { name: 'B', alias: 2, type: 'UInt32', value: 0 },
      { name: 'C', alias: 3, type: 'Int32Array', value: [0] },
      { name: 'D', alias: 4, type: 'DateTime', value: 0 },
    ]);
    await tick(10);
    edge.ndata([
      { alias: 1, type: 'Double', value: 1.5 },
      { alias: 2, type: 'UInt32', value: 4294967295 },
      { alias: 4, type: 'DateTime', value: T0 },
    ]);
    await flush();
    edge.ndata([
      { alias: 1, type: 'Double', value: 2.5, properties: { Quality: { type: 'Int32', value: 192 } } },
      { alias: 3, type: 'Int32Array', value: [-1, 2] },
    ]);
    await flush();
    let m = host.snapshot().groups['Plant1']?.nodes['Line4']?.metrics;
    assert.deepEqual([m?.['A']?.value, m?.['B']?.value, m?.['C']?.value, m?.['D']?.value], [2.5, 4294967295, [-1, 2], T0]);
    // A String value for the Double A (a value that does not fit): nothing of the message applies.
    transport.inject(
      'spBv1.0/Plant1/NDATA/Line4',
      encodePayload(
        { timestamp: T0, seq: edge.next(), metrics: [{ alias: 2, type: 'UInt32', value: 7 }, { alias: 1, type: 'String', value: 'x' }] },
        { omitMetricTypes: true },
      ),
    );
    await flush();
    m = host.snapshot().groups['Plant1']?.nodes['Line4']?.metrics;
    assert.deepEqual([m?.['A']?.value, m?.['B']?.value], [2.5, 4294967295]);
    assert.equal(host.counters.decodeErrors, 1);
    assert.equal(rebirths(transport).length, 1);
  });

  test('historical metrics are emitted but do not overwrite newer current values', async () => {
    const { host, transport } = await startHost();
    const updates: HostEvents['metrics'][0][] = [];
    host.on('metrics', (m) => updates.push(m));
    const edge = new SimEdge(transport);
    edge.nbirth([{ name: 'Level', alias: 5, type: 'Float', value: 10, timestamp: T0 }]);
    await tick(1000);
    edge.ndata([
      { alias: 5, type: 'Float', value: 3, timestamp: T0 - 5000, isHistorical: true },
      { alias: 5, type: 'Float', value: 4, timestamp: T0 - 4000, isHistorical: true },
    ]);
    await flush();
    let level = host.snapshot().groups['Plant1']?.nodes['Line4']?.metrics['Level'];
    assert.equal(level?.value, 10);
    assert.equal(level?.timestamp, T0);
    const last = updates.at(-1);
    assert.deepEqual(
      last?.metrics.map((m) => [m.value, m.timestamp, m.isHistorical]),
      [
        [3, T0 - 5000, true],
        [4, T0 - 4000, true],
      ],
    );
    // A historical value newer than what the model holds does become current.
    edge.ndata([{ alias: 5, type: 'Float', value: 7, timestamp: T0 + 500, isHistorical: true }]);
    await flush();
    level = host.snapshot().groups['Plant1']?.nodes['Line4']?.metrics['Level'];
    assert.equal(level?.value, 7);
    assert.equal(host.counters.historicalMetrics, 3);
  });

  test('the groups filter keeps other groups out of the model', async () => {
    const { host, transport } = await startHost({}, { groups: ['Plant1'] });
    new SimEdge(transport, 'Plant1', 'A').nbirth();
    const other = new SimEdge(transport, 'Plant2', 'B');
    other.nbirth();
    other.ndata([{ name: 'x', type: 'Int8', value: 1 }]);
    await flush();
    assert.deepEqual(Object.keys(host.snapshot().groups), ['Plant1']);
    assert.equal(rebirths(transport).length, 0);
  });
});
