import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseEdgeConfig } from '../../src/config/index.js';
import type { BulkConfig } from '../../src/config/index.js';
import { createBulkDevices, createSimulatedSources } from '../../src/sources/simulated/index.js';

const bulk: BulkConfig = {
  devices: 20,
  metrics: 50,
  type: 'Double',
  generator: 'randomWalk',
  min: 0,
  max: 100,
  periodMs: 60_000,
  changeRate: 0.2,
  idPrefix: 'Dev',
  writable: false,
};

/** Fraction of metric values that differ from the previous sample, over `samples` scans. */
function measuredChangeRate(devices: ReturnType<typeof createBulkDevices>, samples: number): number {
  let changed = 0;
  let total = 0;
  const previous = devices.map((d) => d.sample(0).map((s) => s.value));
  for (let t = 1; t <= samples; t++) {
    devices.forEach((d, i) => {
      const now = d.sample(t * 1000).map((s) => s.value);
      now.forEach((v, j) => {
        total += 1;
        if (v !== previous[i]?.[j]) changed += 1;
      });
      previous[i] = now;
    });
  }
  return changed / total;
}

describe('bulk simulated devices', () => {
  it('expands to N devices × M metrics with zero-padded ids', () => {
    const devices = createBulkDevices(bulk, { seed: 1 });
    assert.equal(devices.length, 20);
    assert.deepEqual([devices[0]?.deviceId, devices[19]?.deviceId], ['Dev01', 'Dev20']);
    assert.ok(devices.every((d) => d.metrics.length === 50 && d.sample(0).length === 50));
    assert.equal(devices[0]?.metrics[49]?.name, 'M50');
  });

  it('changes about changeRate of the metrics per sample', () => {
    const rate = measuredChangeRate(createBulkDevices(bulk, { seed: 42 }), 20);
    assert.ok(Math.abs(rate - 0.2) < 0.03, `measured ${rate}`);
    const all = measuredChangeRate(createBulkDevices({ ...bulk, changeRate: 1 }, { seed: 42 }), 5);
    assert.ok(all > 0.99, `measured ${all}`);
  });

  it('is deterministic for a seed and differs between seeds', () => {
    const values = (seed: number) => createBulkDevices(bulk, { seed }).flatMap((d) => [1, 2, 3].flatMap((t) => d.sample(t).map((s) => s.value)));
    assert.deepEqual(values(3), values(3));
    assert.notDeepEqual(values(3), values(4));
  });

  it('createSimulatedSources builds one source per configured device, bulk included', async () => {
    const c = await parseEdgeConfig(`mqtt: { servers: ["mqtt://h"] }
sparkplug: { groupId: G, edgeNodeId: E }
devices:
  - { id: Filler, metrics: [{ name: A, type: Int32, generator: counter }] }
  - { bulk: { devices: 3, metrics: 2 } }
`, {});
    const sources = createSimulatedSources(c.devices, { seed: 9 });
    assert.deepEqual(sources.map((s) => s.deviceId), ['Filler', 'Dev1', 'Dev2', 'Dev3']);
    assert.deepEqual(sources[0]?.sample(5), [{ name: 'A', value: 0, timestamp: 5 }]);
  });
});
