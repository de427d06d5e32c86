/**
 * The transport ceiling of the CLI edge benchmark, in its own process: plain MQTT.js publishing,
 * as fast as the broker takes them, DDATA payloads encoded before the run — what the Tahu child
 * would send for the same devices (the same generators, by exception, aliases, metric timestamps),
 * encoded once by sparkstate's encoder. No sampling, no comparing, no encoding while it runs: the
 * rate any Sparkplug publisher of these messages could reach through this broker from one process.
 * Same backpressure as the other contenders. Runs until SIGTERM.
 *
 *   node build/bench/edge-cli-plain.js '{"url":…,"node":…,"devices":10,"metricsPerDevice":100}'
 */
import { connect } from 'mqtt';
import { encodePayload, type Metric, type MetricValue } from '../src/payload/index.js';
import { SimulatedDevice, seededRandom } from '../src/sources/simulated/index.js';
import { formatTopic } from '../src/topic/index.js';
import { aliasOf, deviceId, deviceMetrics, GROUP, type Layout } from './edge-cli-workload.js';
import { LatestValues, waitDrain } from './tahu-client.js';

interface Job extends Layout {
  url: string;
  node: string;
}

/** Distinct scans encoded per device; the run cycles through them. */
const SCANS = 32;

const job = JSON.parse(process.argv[2] ?? '{}') as Job;
const configs = deviceMetrics(job.metricsPerDevice);
const start = Date.now();

/** Scan k of every device at millisecond start + k, by exception against scan k − 1. */
const messages = Array.from({ length: job.devices }, (_, d) => {
  const dev = new SimulatedDevice({ id: deviceId(d), metrics: configs }, { random: seededRandom(d + 1) });
  const latest = new LatestValues(configs.length);
  void dev.start(latest);
  const published: (MetricValue | undefined)[] = new Array<MetricValue | undefined>(configs.length).fill(undefined);
  const topic = formatTopic({ kind: 'device', type: 'DDATA', group: GROUP, node: job.node, device: deviceId(d) });
  const out: Buffer[] = [];
  for (let k = 0; k <= SCANS; k++) {
    dev.poll(start + k);
    const metrics: Metric[] = [];
    for (let j = 0; j < configs.length; j++) {
      const v = latest.values[j] as MetricValue;
      if (v === published[j]) continue;
      published[j] = v;
      metrics.push({ alias: aliasOf(job, d, j), type: configs[j]?.type ?? 'Double', value: v, timestamp: start + k });
    }
    // Scan 0 is the birth's: every value differs from nothing.
    if (k > 0) out.push(Buffer.from(encodePayload({ timestamp: start + k, seq: k & 0xff, metrics }, { omitMetricTypes: true })));
  }
  return { topic, payloads: out };
});

const client = connect(job.url, { clientId: `bench-cli-${job.node}`, clean: true, reconnectPeriod: 0, keepalive: 30, queueQoSZero: false });
await new Promise<void>((resolve, reject) => {
  client.once('connect', () => resolve());
  client.once('error', reject);
});

let running = true;
process.once('SIGTERM', () => {
  running = false;
});
for (let round = 0; running; round++) {
  for (const m of messages) client.publish(m.topic, m.payloads[round % SCANS] as Buffer, { qos: 0, retain: false });
  await waitDrain(client.stream);
  await new Promise((r) => setImmediate(r));
}
await client.endAsync();
process.exit(0);
