import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, mock, test } from 'node:test';
import type { HostEvents } from '../../src/host/index.js';
import { decoded, fakeTime, flush, rebirths, SimEdge, startHost, tick } from './helpers.js';

const V = (value: number) => [{ name: 'V', alias: 1, type: 'UInt32' as const, value }];

describe('host seq checking and reorder window', () => {
  beforeEach(fakeTime);
  afterEach(() => mock.timers.reset());

  test('a gap not filled within the window leads to exactly one rebirth NCMD [tck-id-operational-behavior-host-reordering-start] [tck-id-operational-behavior-host-reordering-rebirth] [tck-id-operational-behavior-data-commands-ncmd-rebirth-verb] [tck-id-operational-behavior-data-commands-ncmd-rebirth-name] [tck-id-operational-behavior-data-commands-ncmd-rebirth-value] [tck-id-operational-behavior-host-reordering-param]', async () => {
    const { host, transport } = await startHost({ reorderWindowMs: 1000 });
    const requested: HostEvents['rebirthRequested'][0][] = [];
    host.on('rebirthRequested', (r) => requested.push(r));
    const edge = new SimEdge(transport);
    edge.nbirth(V(0));
    edge.ndata(V(1)); // seq 1
    edge.skip(); // seq 2 is lost
    edge.ndata(V(3)); // seq 3
    edge.ndata(V(4)); // seq 4
    await tick(999);
    assert.equal(rebirths(transport).length, 0, 'nothing before the window ends');
    assert.equal(host.snapshot().groups['Plant1']?.nodes['Line4']?.metrics['V']?.value, 1, 'held back until in order');
    await tick(1);
    const sent = rebirths(transport, 'Plant1', 'Line4');
    assert.equal(sent.length, 1);
    const ncmd = sent[0];
    assert.ok(ncmd !== undefined);
    assert.equal(ncmd.topic, 'spBv1.0/Plant1/NCMD/Line4');
    assert.equal(ncmd.qos, 0);
    assert.equal(ncmd.retain, false);
    const p = decoded(ncmd);
    assert.equal(p.seq, undefined);
    assert.equal(typeof p.timestamp, 'number');
    assert.deepEqual(p.metrics, [{ name: 'Node Control/Rebirth', type: 'Boolean', value: true }]);
    assert.deepEqual(requested, [{ group: 'Plant1', node: 'Line4', reason: 'seqGap' }]);

    // Resynchronised on the held messages: later data flows, a second gap while the request is outstanding asks no more.
    edge.ndata(V(5));
    await flush();
    const node = host.snapshot().groups['Plant1']?.nodes['Line4'];
    assert.equal(node?.metrics['V']?.value, 5);
    assert.equal(node?.lastSeq, 5);
    edge.skip();
    edge.ndata(V(7));
    await tick(2000);
    assert.equal(rebirths(transport).length, 1);
    assert.equal(host.snapshot().groups['Plant1']?.nodes['Line4']?.counters.gaps, 2);
    assert.equal(host.counters.gaps, 2);
    assert.equal(host.counters.rebirthsRequested, 1);

    // The edge answers with NBIRTH (any seq is a new baseline, Q1) and the model is consistent again.
    edge.nbirth(V(8));
    edge.ndata(V(9));
    await flush();
    assert.equal(host.snapshot().groups['Plant1']?.nodes['Line4']?.metrics['V']?.value, 9);
  });

  test('the missing message arriving within the window cancels the timer: applied in order, no rebirth [tck-id-operational-behavior-host-reordering-success]', async () => {
    const { host, transport } = await startHost({ reorderWindowMs: 1000 });
    const values: unknown[] = [];
    host.on('metrics', (m) => values.push(...m.metrics.filter((x) => x.name === 'V').map((x) => x.value)));
    const edge = new SimEdge(transport);
    edge.nbirth(V(0));
    edge.ndata(V(1), undefined, 1);
    edge.ndata(V(3), undefined, 3);
    await tick(500);
    edge.ndata(V(2), undefined, 2);
    await tick(3000);
    assert.equal(rebirths(transport).length, 0);
    assert.deepEqual(values, [0, 1, 2, 3]);
    const node = host.snapshot().groups['Plant1']?.nodes['Line4'];
    assert.equal(node?.metrics['V']?.value, 3);
    assert.equal(node?.lastSeq, 3);
    assert.equal(node?.counters.gaps, 1);
  });

  test('seq wraps from 255 to 0 without a gap; a DBIRTH inside a gap is applied before the data that follows it', async () => {
    const { host, transport } = await startHost({ reorderWindowMs: 1000 });
    const edge = new SimEdge(transport);
    edge.nbirth(V(0));
    for (let i = 1; i <= 300; i++) edge.ndata(V(i));
    await flush();
    assert.equal(host.snapshot().groups['Plant1']?.nodes['Line4']?.lastSeq, 300 & 0xff);
    assert.equal(host.counters.gaps, 0);
    // Device data (seq n+1) overtakes its DBIRTH (seq n): held, then read with the DBIRTH's datatypes.
    const birthSeq = edge.next();
    const dataSeq = edge.next();
    edge.ddata('D', [{ alias: 20, type: 'Int8', value: -1 }], undefined, dataSeq);
    edge.seq = birthSeq - 1;
    edge.dbirth('D', [{ name: 'T', alias: 20, type: 'Int8', value: 0 }]);
    await tick(10);
    assert.equal(host.snapshot().groups['Plant1']?.nodes['Line4']?.devices['D']?.metrics['T']?.value, -1);
    assert.equal(rebirths(transport).length, 0);
  });

  test('reorderWindowMs 0 requests the rebirth at once', async () => {
    const { transport } = await startHost({ reorderWindowMs: 0 });
    const edge = new SimEdge(transport);
    edge.nbirth(V(0));
    edge.skip();
    edge.ndata(V(2));
    await flush();
    assert.equal(rebirths(transport).length, 1);
  });

  test('late or duplicate messages (behind the expected seq) are dropped without a gap', async () => {
    const { host, transport } = await startHost({ reorderWindowMs: 1000 });
    const edge = new SimEdge(transport);
    edge.nbirth(V(0));
    edge.ndata(V(1));
    edge.ndata(V(2));
    edge.ndata(V(99), undefined, 1);
    await tick(2000);
    assert.equal(host.snapshot().groups['Plant1']?.nodes['Line4']?.metrics['V']?.value, 2);
    assert.equal(host.counters.gaps, 0);
    assert.equal(rebirths(transport).length, 0);
  });
});
