import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, mock, test } from 'node:test';
import type { HostEvents } from '../../src/host/index.js';
import { encodePayload } from '../../src/payload/index.js';
import { T0, fakeTime, flush, rebirths, SimEdge, startHost, tick } from './helpers.js';

describe('host rebirth requests (HP-7)', () => {
  beforeEach(fakeTime);
  afterEach(() => mock.timers.reset());

  test('data from a node without an NBIRTH (host started mid-session) leads to a rebirth request', async () => {
    const { host, transport } = await startHost();
    const reasons: HostEvents['rebirthRequested'][0][] = [];
    host.on('rebirthRequested', (r) => reasons.push(r));
    const edge = new SimEdge(transport, 'Plant1', 'Late');
    edge.seq = 41;
    edge.ndata([{ name: 'x', type: 'Int32', value: 1 }]);
    edge.ddata('D', [{ name: 'y', type: 'Int32', value: 1 }]);
    await flush();
    assert.equal(rebirths(transport, 'Plant1', 'Late').length, 1);
    assert.deepEqual(reasons, [{ group: 'Plant1', node: 'Late', reason: 'noBirth' }]);
    assert.equal(host.counters.rebirthsDeduplicated, 1);
    // The answer: NBIRTH; the model is built from it.
    edge.nbirth([{ name: 'x', type: 'Int32', value: 2 }]);
    await flush();
    assert.equal(host.snapshot().groups['Plant1']?.nodes['Late']?.metrics['x']?.value, 2);
  });

  test('an unknown alias or a metric not in the birth leads to a rebirth request; known metrics still apply', async () => {
    const { host, transport } = await startHost();
    const edge = new SimEdge(transport);
    edge.nbirth([{ name: 'A', alias: 1, type: 'Int32', value: 1 }]);
    edge.ndata([
      { alias: 1, type: 'Int32', value: 2 },
      { alias: 77, type: 'Int32', value: 3 },
    ]);
    await flush();
    assert.equal(rebirths(transport).length, 1);
    assert.equal(host.snapshot().groups['Plant1']?.nodes['Line4']?.metrics['A']?.value, 2);
    const other = new SimEdge(transport, 'Plant1', 'Other');
    other.nbirth();
    other.ndata([{ name: 'NotInBirth', type: 'Int32', value: 3 }]);
    await tick(100); // the rate limiter paces the second request
    assert.equal(rebirths(transport, 'Plant1', 'Other').length, 1);
  });

  test('a payload that does not decode leads to a rebirth request and counts a decode error', async () => {
    const { host, transport } = await startHost();
    const edge = new SimEdge(transport);
    edge.nbirth([{ name: 'A', type: 'Int32', value: 1 }]);
    transport.inject('spBv1.0/Plant1/NDATA/Line4', new Uint8Array([0x08, 0xff, 0xff]));
    // A value that does not fit the birth datatype (Boolean field for an Int32 metric) is malformed too.
    transport.inject(
      'spBv1.0/Plant1/NDATA/Line4',
      encodePayload({ timestamp: T0, seq: 1, metrics: [{ name: 'A', type: 'Boolean', value: true }] }, { omitMetricTypes: true }),
    );
    await flush();
    assert.equal(rebirths(transport).length, 1);
    const node = host.snapshot().groups['Plant1']?.nodes['Line4'];
    assert.equal(node?.counters.decodeErrors, 2);
    assert.equal(host.counters.decodeErrors, 2);
    assert.equal(node?.metrics['A']?.value, 1);
  });

  test('one outstanding request per node: repeated triggers are de-duplicated until the NBIRTH or the retry timeout', async () => {
    const { host, transport } = await startHost({ retryAfterMs: 5000 });
    const edge = new SimEdge(transport);
    edge.nbirth();
    for (let i = 0; i < 10; i++) edge.ndata([{ name: 'unknown', type: 'Int32', value: i }]);
    await flush();
    assert.equal(rebirths(transport).length, 1);
    assert.equal(host.counters.rebirthsDeduplicated, 9);
    await tick(4999);
    edge.ndata([{ name: 'unknown', type: 'Int32', value: 0 }]);
    await flush();
    assert.equal(rebirths(transport).length, 1);
    await tick(1);
    edge.ndata([{ name: 'unknown', type: 'Int32', value: 0 }]);
    await flush();
    assert.equal(rebirths(transport).length, 2, 'unanswered for retryAfterMs: asked again');
    // The NBIRTH answers it: the next trigger asks at once.
    edge.nbirth();
    edge.ndata([{ name: 'unknown', type: 'Int32', value: 0 }]);
    await tick(100);
    assert.equal(rebirths(transport).length, 3);
    assert.equal(host.snapshot().groups['Plant1']?.nodes['Line4']?.counters.rebirthsRequested, 3);
  });

  test('token bucket: 100 nodes needing a rebirth at maxPerSecond 20 are asked over ~5 s, never more than the rate allows', async () => {
    const { host, transport } = await startHost({ maxPerSecond: 20 });
    for (let i = 0; i < 100; i++) new SimEdge(transport, 'Plant1', `N${i}`).ndata([{ name: 'x', type: 'Int32', value: 1 }]);
    await flush();
    const at: number[] = [];
    const count = (): number => rebirths(transport).length;
    assert.equal(count(), 1, 'burst 1: one at once, the rest queued');
    for (let t = 0; t < 8000 && count() < 100; t += 10) {
      await tick(10);
      while (at.length < count()) at.push(Date.now() - T0);
    }
    assert.equal(count(), 100);
    assert.equal(host.counters.rebirthsRequested, 100);
    assert.equal(new Set(rebirths(transport).map((p) => p.topic)).size, 100, 'each node asked once');
    const last = at.at(-1) ?? 0;
    assert.ok(last >= 4900 && last <= 6000, `spread over ~5 s, last at ${last} ms`);
    for (const t of at) {
      const inWindow = at.filter((x) => x > t - 1000 && x <= t).length;
      assert.ok(inWindow <= 21, `${inWindow} requests within 1 s ending at ${t} ms`);
    }
  });

  test('rebirth.enabled false: the host never asks on its own, requestRebirth still works', async () => {
    const { host, transport } = await startHost({ enabled: false, reorderWindowMs: 0 });
    const edge = new SimEdge(transport);
    edge.ndata([{ name: 'x', type: 'Int32', value: 1 }]);
    await flush();
    assert.equal(rebirths(transport).length, 0);
    assert.equal(host.requestRebirth('Plant1', 'Line4'), 'queued');
    assert.equal(host.requestRebirth('Plant1', 'Line4'), 'duplicate');
    assert.equal(rebirths(transport).length, 1);
  });
});

describe('host reconnect (H-LOST-SERVER-STALE)', () => {
  beforeEach(fakeTime);
  afterEach(() => mock.timers.reset());

  test('every known node is stale after the link drops; nodes that re-birth on their own are not asked, silent ones are after staleAfterReconnectMs', async () => {
    const { host, transport } = await startHost({ staleAfterReconnectMs: 3000, maxPerSecond: 100 });
    const edges = Array.from({ length: 10 }, (_, i) => new SimEdge(transport, 'Plant1', `N${i}`));
    for (const e of edges) {
      e.nbirth([{ name: 'v', type: 'Int32', value: 1 }]);
      e.dbirth('D', [{ name: 'w', type: 'Int32', value: 1 }]);
    }
    // N9 died before the broker went away: it must not be asked later.
    edges[9]?.ndeath();
    await tick(100);
    transport.drop();
    const snap = host.snapshot();
    for (let i = 0; i < 9; i++) {
      const n = snap.groups['Plant1']?.nodes[`N${i}`];
      assert.equal(n?.stale, true);
      assert.equal(n?.staleSince, T0 + 100);
      assert.equal(n?.metrics['v']?.stale, true);
      assert.equal(n?.devices['D']?.metrics['w']?.stale, true);
    }
    await tick(500);
    transport.connect();
    await flush();
    // The broker is back: 7 of 9 edges re-birth on their own within the window, N7 and N8 stay silent.
    await tick(1000);
    for (const e of edges.slice(0, 7)) {
      e.bdSeq++;
      e.nbirth([{ name: 'v', type: 'Int32', value: 2 }]);
      e.dbirth('D', [{ name: 'w', type: 'Int32', value: 2 }]);
    }
    await tick(1999);
    assert.equal(rebirths(transport).length, 0, 'nothing before the window ends');
    await tick(1);
    await tick(100);
    assert.deepEqual(
      rebirths(transport).map((p) => p.topic).sort(),
      ['spBv1.0/Plant1/NCMD/N7', 'spBv1.0/Plant1/NCMD/N8'],
    );
    assert.equal(host.counters.rebirthsRequested, 2);
    const after = host.snapshot().groups['Plant1']?.nodes;
    assert.equal(after?.['N0']?.stale, false);
    assert.equal(after?.['N0']?.devices['D']?.metrics['w']?.value, 2);
    assert.equal(after?.['N7']?.stale, true);
  });

  test('after a network cut a node that keeps sending data (no NBIRTH) is asked at once', async () => {
    const { transport } = await startHost({ staleAfterReconnectMs: 3000 });
    const edge = new SimEdge(transport);
    edge.nbirth();
    transport.drop();
    transport.connect();
    await flush();
    edge.skip(3);
    edge.ndata([{ name: 'bdSeq', type: 'Int64', value: 0 }]);
    await flush();
    assert.equal(rebirths(transport).length, 1);
    // In steps: the mocked clock reads the end of a tick inside every timer it runs.
    await tick(3000);
    await tick(1900);
    assert.equal(rebirths(transport).length, 1, 'the stale check does not ask twice');
  });
  test('with the defaults a node that stays silent after the reconnect is asked after 1 s, again after retryAfterMs and then less often, until it births', async () => {
    const { host, transport } = await startHost({ maxPerSecond: 100 });
    const quiet = new SimEdge(transport, 'Plant1', 'Quiet');
    const selfBorn = new SimEdge(transport, 'Plant1', 'Conformant');
    quiet.nbirth([{ name: 'v', type: 'Int32', value: 1 }]);
    selfBorn.nbirth([{ name: 'v', type: 'Int32', value: 1 }]);
    await flush();
    transport.drop();
    transport.connect();
    await flush();
    // The conformant node re-births as soon as it sees the STATE online; Quiet says nothing.
    await tick(200);
    selfBorn.bdSeq++;
    selfBorn.nbirth([{ name: 'v', type: 'Int32', value: 2 }]);
    await tick(799);
    assert.equal(rebirths(transport).length, 0, 'nobody asked before staleAfterReconnectMs (1 s)');
    await tick(1);
    await flush();
    assert.deepEqual(rebirths(transport).map((p) => p.topic), ['spBv1.0/Plant1/NCMD/Quiet']);
    // The rate limiter sends within a few ms of each round.
    await tick(5000);
    await tick(20);
    assert.equal(rebirths(transport, 'Plant1', 'Quiet').length, 2, 'asked again after retryAfterMs (5 s)');
    await tick(9979);
    assert.equal(rebirths(transport, 'Plant1', 'Quiet').length, 2, 'then after twice as long');
    await tick(1);
    await tick(20);
    assert.equal(rebirths(transport, 'Plant1', 'Quiet').length, 3);
    quiet.bdSeq++;
    quiet.nbirth([{ name: 'v', type: 'Int32', value: 3 }]);
    await tick(120_000);
    assert.equal(rebirths(transport, 'Plant1', 'Quiet').length, 3, 'born: never asked again');
    assert.equal(rebirths(transport, 'Plant1', 'Conformant').length, 0, 'the node that re-birthed by itself was never asked');
    assert.equal(host.snapshot().groups['Plant1']?.nodes['Quiet']?.stale, false);
  });
});
