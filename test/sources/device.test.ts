import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../../src/config/index.js';
import type { MetricConfig } from '../../src/config/index.js';
import { ErrorCodes, isSparkplugError } from '../../src/errors.js';
import { SimulatedDevice } from '../../src/sources/simulated/index.js';
import { record } from './recording-sink.js';

const metrics: MetricConfig[] = [
  { name: 'Temperature', type: 'Double', writable: false, generator: 'sine', min: 20, max: 80, periodMs: 60_000, unit: 'degC', deadband: { kind: 'absolute', value: 0.5 } },
  { name: 'Count', type: 'Int8', writable: false, generator: 'counter', start: 126, step: 1 },
  { name: 'Setpoint', type: 'Float', writable: true, generator: 'constant', value: 42 },
  { name: 'Level', type: 'UInt16', writable: true, generator: 'ramp', min: 0, max: 100, periodMs: 1000 },
  { name: 'Mode', type: 'String', writable: true, generator: 'step', values: ['auto', 'manual'], periodMs: 1000 },
];

function device() {
  return new SimulatedDevice({ id: 'Filler', metrics });
}

async function rejectsWith(p: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => isSparkplugError(e) && e.code === code);
}

describe('SimulatedDevice', () => {
  it('declares its metrics as DeviceSource definitions', () => {
    const d = device();
    assert.equal(d.deviceId, 'Filler');
    assert.deepEqual(d.metrics[0], {
      name: 'Temperature',
      type: 'Double',
      writable: false,
      deadband: { kind: 'absolute', value: 0.5 },
      properties: { engUnit: { type: 'String', value: 'degC' } },
    });
    assert.deepEqual(d.metrics[2], { name: 'Setpoint', type: 'Float', writable: true });
  });

  it('samples every metric at the given time, coerced to its datatype', async () => {
    const sink = await record(device());
    assert.deepEqual(sink.poll(15_000), [
      { name: 'Temperature', value: 80, timestamp: 15_000 },
      { name: 'Count', value: 126, timestamp: 15_000 },
      { name: 'Setpoint', value: 42, timestamp: 15_000 },
      { name: 'Level', value: 0, timestamp: 15_000 },
      { name: 'Mode', value: 'manual', timestamp: 15_000 },
    ]);
    assert.equal(sink.poll(16_500)[1]?.value, 127);
    assert.equal(sink.poll(16_500)[1]?.value, 127, 'Int8 counter clamps at 127');
    assert.equal(sink.poll(16_500)[3]?.value, 50, 'ramp rounded for UInt16');
    assert.deepEqual(sink.invalidations, [], 'a simulated value is never bad');
  });

  it('reports into the sink it was started with, only when polled, and nothing once stopped', async () => {
    const d = device();
    d.poll(0); // not started: nowhere to report, and no error
    const sink = await record(d);
    assert.deepEqual(sink.take(), [], 'nothing before the first poll');
    assert.equal(sink.poll(0).length, 5);
    await d.stop();
    assert.deepEqual(sink.poll(1000), []);
  });

  it('accepts writes to writable metrics and holds the written value', async () => {
    const d = device();
    const sink = await record(d);
    await d.write('Setpoint', 12.5);
    await d.write('Level', 7);
    await d.write('Mode', 'manual');
    for (const t of [0, 500, 10_000]) {
      const byName = new Map(sink.poll(t).map((s) => [s.name, s.value]));
      assert.equal(byName.get('Setpoint'), 12.5);
      assert.equal(byName.get('Level'), 7);
      assert.equal(byName.get('Mode'), 'manual');
    }
  });

  it('refuses writes: unknown metric, read-only metric, wrong type, out of range', async () => {
    const d = device();
    const sink = await record(d);
    await rejectsWith(d.write('Nope', 1), ErrorCodes.UNKNOWN_METRIC);
    await rejectsWith(d.write('Temperature', 1), ErrorCodes.READ_ONLY);
    await rejectsWith(d.write('Setpoint', 'high'), ErrorCodes.ENCODE);
    await rejectsWith(d.write('Level', 1.5), ErrorCodes.ENCODE);
    await rejectsWith(d.write('Level', 70_000), ErrorCodes.ENCODE);
    await rejectsWith(d.write('Mode', true), ErrorCodes.ENCODE);
    assert.equal(sink.poll(0)[2]?.value, 42, 'a refused write changes nothing');
  });

  it('fires connectivity listeners on real changes only; offline, nothing is reported', async () => {
    const d = device();
    const sink = await record(d);
    assert.equal(sink.poll(0)[1]?.value, 126);
    const events: boolean[] = [];
    const off = d.onConnectivity((online) => events.push(online));
    assert.equal(d.isOnline(), true);
    d.setOnline(false);
    d.setOnline(false);
    assert.equal(d.isOnline(), false);
    assert.deepEqual(sink.poll(0), []);
    await rejectsWith(d.write('Setpoint', 1), ErrorCodes.NOT_ONLINE);
    d.setOnline(true);
    const back = sink.poll(0);
    assert.equal(back.length, 5, 'back online, every metric is reported again');
    assert.equal(back[1]?.value, 127, 'the counter did not count while offline');
    off();
    d.setOnline(false);
    assert.deepEqual(events, [false, true]);
    await d.stop();
  });

  it('refuses hand-built metrics that the YAML loader would refuse', () => {
    assert.throws(
      () => new SimulatedDevice({ id: 'X', metrics: [{ name: 'bdSeq', type: 'String', writable: false, generator: 'counter', start: 0, step: 1 }] }),
      (e: unknown) => e instanceof ConfigError && e.issues.map((i) => i.path).join() === 'metrics[0].name,metrics[0].type',
    );
  });
});
