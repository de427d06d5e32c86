import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseEdgeConfig } from '../../src/config/index.js';
import type { BulkConfig } from '../../src/config/index.js';
import type { MetricValue } from '../../src/payload/index.js';
import { createBulkDevices, createSimulatedSources } from '../../src/sources/simulated/index.js';
import { record, type RecordingSink } from './recording-sink.js';

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

/** Each device started into its own RecordingSink. */
function recordAll(devices: ReturnType<typeof createBulkDevices>): Promise<RecordingSink[]> {
  return Promise.all(devices.map(record));
}

/** The values one poll at `now` reports, in metric order. */
const valuesAt = (sink: RecordingSink, now: number): MetricValue[] => sink.poll(now).map((s) => s.value);

/** Fraction of metric values that differ from the previous sample, over `samples` scans. */
async function measuredChangeRate(devices: ReturnType<typeof createBulkDevices>, samples: number): Promise<number> {
  const sinks = await recordAll(devices);
  let changed = 0;
  let total = 0;
  const previous = sinks.map((s) => valuesAt(s, 0));
  for (let t = 1; t <= samples; t++) {
    sinks.forEach((sink, i) => {
      const now = valuesAt(sink, t * 1000);
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
  it('expands to N devices × M metrics with zero-padded ids', async () => {
    const devices = createBulkDevices(bulk, { seed: 1 });
    assert.equal(devices.length, 20);
    assert.deepEqual([devices[0]?.deviceId, devices[19]?.deviceId], ['Dev01', 'Dev20']);
    const sinks = await recordAll(devices);
    assert.ok(devices.every((d, i) => d.metrics.length === 50 && sinks[i]?.poll(0).length === 50));
    assert.equal(devices[0]?.metrics[49]?.name, 'M50');
  });

  it('changes about changeRate of the metrics per sample', async () => {
    const rate = await measuredChangeRate(createBulkDevices(bulk, { seed: 42 }), 20);
    assert.ok(Math.abs(rate - 0.2) < 0.03, `measured ${rate}`);
    const all = await measuredChangeRate(createBulkDevices({ ...bulk, changeRate: 1 }, { seed: 42 }), 5);
    assert.ok(all > 0.99, `measured ${all}`);
  });

  it('is deterministic for a seed and differs between seeds', async () => {
    const values = async (seed: number): Promise<MetricValue[]> => (await recordAll(createBulkDevices(bulk, { seed }))).flatMap((s) => [1, 2, 3].flatMap((t) => valuesAt(s, t)));
    assert.deepEqual(await values(3), await values(3));
    assert.notDeepEqual(await values(3), await values(4));
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
    const filler = sources[0];
    assert.ok(filler !== undefined);
    assert.deepEqual((await record(filler)).poll(5), [{ name: 'A', value: 0, timestamp: 5 }]);
  });
});
