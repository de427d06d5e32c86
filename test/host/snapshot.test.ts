import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, mock, test } from 'node:test';
import { T0, fakeTime, flush, SimEdge, startHost } from './helpers.js';

describe('host snapshot and robustness', () => {
  beforeEach(fakeTime);
  afterEach(() => mock.timers.reset());

  test('snapshot: the GET /api/state shape; 64-bit beyond 2^53 as strings, bytes as base64, NaN as a string; JSON round trip', async () => {
    const { host, transport } = await startHost();
    const edge = new SimEdge(transport, '__proto__', 'Line4');
    edge.nbirth(
      [
        { name: 'Big', type: 'UInt64', value: 2n ** 64n - 1n },
        { name: 'Small', type: 'Int64', value: 42 },
        { name: 'Raw', type: 'Bytes', value: new Uint8Array([1, 2, 255]) },
        { name: 'Odd', type: 'Double', value: Number.NaN },
        { name: 'Arr', type: 'Int64Array', value: [1n, -(2n ** 60n)] },
        { name: 'Null', type: 'Int32', value: null },
      ],
      T0,
    );
    edge.dbirth('Filler', [{ name: 'Temperature', type: 'Double', value: 21.5 }], T0);
    await flush();
    const snap = host.snapshot();
    const round = JSON.parse(JSON.stringify(snap)) as unknown;
    assert.deepEqual(round, JSON.parse(JSON.stringify(round)));
    const node = snap.groups['__proto__']?.nodes['Line4'];
    assert.ok(node !== undefined);
    assert.equal(snap.hostId, 'scada');
    assert.equal(snap.state, 'online');
    assert.equal(node.online, true);
    assert.equal(node.bdSeq, 0);
    assert.equal(node.metrics['Big']?.value, '18446744073709551615');
    assert.equal(node.metrics['Small']?.value, 42);
    assert.equal(node.metrics['Raw']?.value, 'AQL/');
    assert.equal(node.metrics['Odd']?.value, 'NaN');
    assert.deepEqual(node.metrics['Arr']?.value, [1, '-1152921504606846976']);
    assert.equal(node.metrics['Null']?.value, null);
    assert.deepEqual(JSON.parse(JSON.stringify(node.devices['Filler'])), {
      online: true,
      staleSince: null,
      metrics: { Temperature: { value: 21.5, type: 'Double', timestamp: T0, stale: false } },
    });
    assert.deepEqual(node.counters, { messages: 2, gaps: 0, rebirthsRequested: 0, decodeErrors: 0 });
    assert.equal(snap.counters.messages, 2);
  });

  test('malformed input never throws out of the message handler', async () => {
    const { host, transport } = await startHost();
    host.on('metrics', () => {
      throw new Error('a listener that throws');
    });
    const garbage = [new Uint8Array([]), new Uint8Array([0xff, 0xff, 0xff]), new TextEncoder().encode('{"online":true}'), new Uint8Array([0x12, 0x80])];
    const topics = [
      'spBv1.0/G/NBIRTH/E',
      'spBv1.0/G/NDATA/E',
      'spBv1.0/G/NDEATH/E',
      'spBv1.0/G/DBIRTH/E/D',
      'spBv1.0/G/DDATA/E/D',
      'spBv1.0/G/DDEATH/E/D',
      'spBv1.0/G/NCMD/E',
      'spBv1.0/STATE/scada',
      'spBv1.0/G/BOGUS/E',
      'spBv1.0/G',
      'other/topic',
    ];
    for (const t of topics) for (const g of garbage) assert.doesNotThrow(() => transport.inject(t, g));
    new SimEdge(transport, 'G', 'E').nbirth([{ name: 'x', type: 'Int8', value: 1 }]);
    await flush();
    assert.equal(host.state, 'online');
    assert.ok(host.counters.invalidMessages > 0);
    assert.ok(host.counters.decodeErrors > 0);
    assert.equal(host.snapshot().groups['G']?.nodes['E']?.metrics['x']?.value, 1);
  });
});
