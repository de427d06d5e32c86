/** The host tracking real sparkstate edge nodes, and writing to one (DCMD applied by the edge). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startMosquitto } from '../helpers/mosquitto.js';
import { waitUntil } from '../helpers/wait.js';
import { hostValues, lifo, startHostOn, startSparkstateEdge } from './broker-helpers.js';

test('a sparkstate edge node is tracked: births, data by alias (64-bit beyond 2^53 included) equal the values it published', async (t) => {
  const s = lifo(t);
  const broker = await startMosquitto();
  s.after(() => broker.dispose());
  const host = await startHostOn(s, [broker.url]);
  const e = await startSparkstateEdge(s, [broker.url], 'Plant1', 'Line4');
  let last = '';
  await waitUntil(
    () => {
      const mine = e.recorder.values();
      const seen = hostValues(host.snapshot(), 'Plant1', 'Line4');
      last = JSON.stringify({ mine, seen });
      // Count has counted past 2^53 here: equal values prove 64-bit exactness end to end.
      return mine !== undefined && typeof mine.devices['Filler']?.['Count'] === 'string' && JSON.stringify(mine) === JSON.stringify(seen);
    },
    5000,
    'host values equal to the edge node’s published values',
  ).catch((err: unknown) => assert.fail(`${String(err)}\n${last}`));
  const n = host.snapshot().groups['Plant1']?.nodes['Line4'];
  assert.equal(n?.online, true);
  assert.equal(n.counters.gaps, 0);
  assert.equal(host.counters.rebirthsRequested, 0);
  assert.equal(n.metrics['Uptime']?.type, 'Int64');
  assert.equal(n.devices['Filler']?.metrics['Setpoint']?.type, 'Float');
});

test('writeMetric sends a DCMD that the edge node applies; the host model reflects it after the next DDATA [tck-id-operational-behavior-data-commands-dcmd-verb] [tck-id-topics-dcmd-topic]', async (t) => {
  const s = lifo(t);
  const broker = await startMosquitto();
  s.after(() => broker.dispose());
  const host = await startHostOn(s, [broker.url]);
  const e = await startSparkstateEdge(s, [broker.url], 'Plant1', 'Line4');
  const setpoint = (): unknown => host.snapshot().groups['Plant1']?.nodes['Line4']?.devices['Filler']?.metrics['Setpoint']?.value;
  await waitUntil(() => setpoint() === 42, 5000, 'DBIRTH with Setpoint 42');
  await host.writeMetric('Plant1', 'Line4', 'Filler', 'Setpoint', 55.5);
  await waitUntil(() => setpoint() === 55.5, 5000, 'Setpoint 55.5 reported back by the edge');
  assert.equal(e.recorder.values()?.devices['Filler']?.['Setpoint'], 55.5);
  // An unknown metric is refused by the host before anything is sent.
  await assert.rejects(host.writeMetric('Plant1', 'Line4', 'Filler', 'Nope', 1), { code: 'SPB_ERR_UNKNOWN_METRIC' });
});
