/**
 * The Tahu contender of the CLI edge benchmark, in its own process (the parent reads its CPU and
 * RSS from /proc, as it does for the CLI): Eclipse Tahu's `sparkplug-client` publishing the
 * devices of edge-cli-workload.ts, values from the same SimulatedDevice generators, by exception
 * (a metric goes out when its value differs from the one last published, as sparkstate does).
 *
 * `scanIntervalMs` > 0: one scan per interval, as the CLI's timer does. 0: as fast as the broker
 * takes it, with the backpressure of bench/edge-contenders.ts (after each round of one message per
 * device, wait until the MQTT stream no longer needs a 'drain'). Runs until SIGTERM.
 *
 *   node build/bench/edge-cli-tahu.js '{"url":…,"node":…,"devices":10,"metricsPerDevice":100,"scanIntervalMs":0}'
 */
import { once } from 'node:events';
import type { MetricValue } from '../src/payload/index.js';
import { SimulatedDevice, seededRandom } from '../src/sources/simulated/index.js';
import { connectTahu, LatestValues, waitDrain, type TahuMetric } from './tahu-client.js';
import { aliasOf, deviceId, deviceMetrics, GROUP, type Layout } from './edge-cli-workload.js';

interface Job extends Layout {
  url: string;
  node: string;
  scanIntervalMs: number;
}

/** The application's view of one device: latest reported values, and those last published. */
class DeviceState extends LatestValues {
  /** undefined until published: every value differs from it. */
  readonly published: (MetricValue | undefined)[];

  constructor(n: number) {
    super(n);
    this.published = new Array<MetricValue | undefined>(n).fill(undefined);
  }
}

const job = JSON.parse(process.argv[2] ?? '{}') as Job;
const { client, stream } = await connectTahu(job.url, GROUP, job.node, `bench-cli-${job.node}`);

const configs = deviceMetrics(job.metricsPerDevice);
const devices = Array.from({ length: job.devices }, (_, d) => new SimulatedDevice({ id: deviceId(d), metrics: configs }, { random: seededRandom(d + 1) }));
const states = devices.map((dev) => new DeviceState(dev.metrics.length));
await Promise.all(devices.map((dev, d) => dev.start(states[d] as DeviceState)));
const types = devices[0]?.metrics.map((m) => m.type) ?? [];
const aliases = devices.map((_, d) => configs.map((_, j) => aliasOf(job, d, j)));

/** Tahu's encoder takes 64-bit values as numbers or Longs, not bigints. */
function tahuValue(v: MetricValue): MetricValue {
  return typeof v === 'bigint' ? Number(v) : v;
}

const start = Date.now();
client.publishNodeBirth({ timestamp: start, metrics: [{ name: 'Node Control/Rebirth', type: 'Boolean', value: false }] });
devices.forEach((dev, d) => {
  const s = states[d] as DeviceState;
  dev.poll(start);
  const metrics = dev.metrics.map((m, j): TahuMetric => {
    s.published[j] = s.values[j] as MetricValue;
    return { name: m.name, alias: aliases[d]?.[j] ?? 0, type: m.type, value: tahuValue(s.values[j] as MetricValue), timestamp: start };
  });
  client.publishDeviceBirth(dev.deviceId, { timestamp: start, metrics });
});

/** One scan: poll every device, publish a DDATA of what changed (none when nothing did). */
function scan(): void {
  const now = Date.now();
  for (let d = 0; d < devices.length; d++) {
    const s = states[d] as DeviceState;
    const al = aliases[d] ?? [];
    (devices[d] as SimulatedDevice).poll(now);
    const metrics: TahuMetric[] = [];
    for (let j = 0; j < s.values.length; j++) {
      const v = s.values[j] as MetricValue;
      if (v === s.published[j]) continue;
      s.published[j] = v;
      metrics.push({ alias: al[j] ?? 0, type: types[j] ?? 'Double', value: tahuValue(v), timestamp: s.timestamps[j] ?? now });
    }
    if (metrics.length > 0) client.publishDeviceData(deviceId(d), { timestamp: now, metrics });
  }
}

let running = true;
process.once('SIGTERM', () => {
  running = false;
});

if (job.scanIntervalMs > 0) {
  const timer = setInterval(scan, job.scanIntervalMs);
  await once(process, 'SIGTERM');
  clearInterval(timer);
} else {
  while (running) {
    scan();
    await waitDrain(stream);
    // One event-loop turn between rounds, as bench/edge-child.ts does: lets SIGTERM and I/O in.
    await new Promise((r) => setImmediate(r));
  }
}
client.stop();
setTimeout(() => process.exit(0), 100);
