/**
 * The three publishers the edge benchmark compares, behind one small interface:
 *
 * - sparkstate: the real EdgeNode over the real MqttSession; sources per `Workload.source` (the
 *   minimal DeviceSource below, or SimulatedDevice randomWalk Doubles). One `round()` is one
 *   `scan()`: a DDATA per device with every change (aliases, no datatypes).
 * - Tahu: Eclipse Tahu's `sparkplug-client` (its own MQTT.js v4 and sparkplug-payload), fed by the
 *   same kind of sources, polled into a sink that keeps each metric's latest value by index (as
 *   cheap as sparkstate's inbox); the application maps them to aliased metrics (by index, the
 *   cheapest way) and calls publishDeviceData per device.
 * - plain: MQTT.js v5 publishing payloads pre-encoded once by sparkstate's encoder (same topics,
 *   same size as sparkstate's DDATA): the transport's ceiling.
 *
 * Backpressure is the same for all: after each round of one message per device, wait until MQTT.js
 * no longer needs a 'drain' (QoS 0: MQTT.js calls the publish callback at once, or on 'drain' when
 * the socket was over its high-water mark). sparkstate sees that through its publish promises,
 * the others (Tahu has no callback API) through `stream.writableNeedDrain`.
 */
import { createRequire } from 'node:module';
import { connect, type MqttClient } from 'mqtt';
import type { MetricConfig } from '../src/config/index.js';
import { EdgeNode } from '../src/edge/index.js';
import { encodePayload, type Metric } from '../src/payload/index.js';
import { SimulatedDevice, seededRandom } from '../src/sources/simulated/index.js';
import type { ChangeSink, DeviceSource } from '../src/sources/types.js';
import { formatTopic } from '../src/topic/index.js';
import { MqttSession } from '../src/transport/index.js';
import { connectTahu, LatestValues, waitDrain, type TahuMetric } from './tahu-client.js';

export type ContenderName = 'sparkstate' | 'tahu' | 'plain';

export interface Workload {
  readonly devices: number;
  readonly metricsPerDevice: number;
  /** Probability that a metric changes on a poll (1 = every metric, every scan). */
  readonly changeRate: number;
  /**
   * 'simulated': SimulatedDevice (randomWalk Doubles). 'minimal': a bare DeviceSource whose every
   * Double changes on every poll, so that the numbers show the edge, not the value generators.
   * Both contenders that poll (sparkstate, Tahu) use the same source.
   */
  readonly source: 'simulated' | 'minimal';
}

export interface Contender {
  /** Publishes one scan (one message per device with changes); resolves when backpressure allows the next. */
  round(): Promise<void>;
  /** Metrics published so far (sparkstate: its own counter, so unchanged values are not counted). */
  metricsPublished(): number;
  messagesPublished(): number;
  bytesPublished(): number;
  close(): Promise<void>;
}

const GROUP = 'Bench';
const RANGE = 1e9; // wide enough that a ±1 random walk never sticks at a bound (which would not change)

export function metricConfigs(w: Workload): MetricConfig[] {
  return Array.from({ length: w.metricsPerDevice }, (_, j): MetricConfig => ({
    name: `M${String(j + 1).padStart(5, '0')}`,
    type: 'Double',
    writable: false,
    generator: 'randomWalk',
    min: -RANGE,
    max: RANGE,
    step: 1,
    ...(w.changeRate < 1 ? { changeRate: w.changeRate } : {}),
  }));
}

/** A source that reports every metric on every poll, as both contenders that poll need. */
export interface PolledSource extends DeviceSource {
  poll(now: number): void;
}

function devices(w: Workload): PolledSource[] {
  const metrics = metricConfigs(w);
  return Array.from({ length: w.devices }, (_, d) =>
    w.source === 'minimal' ? minimalSource(`D${d + 1}`, metrics, d) : new SimulatedDevice({ id: `D${d + 1}`, metrics }, { random: seededRandom(d + 1) }),
  );
}

/** The least a DeviceSource can do: every value moves by 0.5 on every poll (changeRate ignored). */
export function minimalSource(deviceId: string, configs: readonly MetricConfig[], d: number): PolledSource {
  const values = Float64Array.from(configs, (_, j) => d * 1000 + j + 0.25);
  let sink: ChangeSink | undefined;
  return {
    deviceId,
    metrics: configs.map((m) => ({ name: m.name, type: m.type, writable: false })),
    start: async (s) => {
      sink = s;
    },
    stop: async () => {
      sink = undefined;
    },
    isOnline: () => true,
    poll(now: number): void {
      if (sink === undefined) return;
      for (let j = 0; j < values.length; j++) {
        const v = (values[j] as number) + 0.5;
        values[j] = v;
        sink.update(j, v, now);
      }
    },
    write: async () => {
      throw new Error('read-only');
    },
    onConnectivity: () => () => {},
  };
}

// ---------------------------------------------------------------------------------------------
// sparkstate

/**
 * With `scanIntervalMs` the node scans on its own timer (soak) and publishes are not collected;
 * without it the benchmark calls `round()` (= `scan()`) itself.
 */
export async function sparkstate(url: string, w: Workload, id: string, scanIntervalMs?: number): Promise<Contender & { node: EdgeNode }> {
  let node: EdgeNode | undefined;
  const session = new MqttSession({ servers: [url], clientId: `bench-ss-${id}`, will: () => node?.willMessage() });
  // Collect the promises of one round's publishes (births included) to apply the backpressure.
  let pending: Promise<void>[] = [];
  let bytes = 0;
  const publish = session.publish.bind(session);
  session.publish = (topic, payload, opts) => {
    bytes += payload.byteLength;
    const p = publish(topic, payload, opts);
    if (scanIntervalMs === undefined) pending.push(p);
    return p;
  };
  const edge = new EdgeNode({
    groupId: GROUP,
    edgeNodeId: `SS-${id}`,
    transport: session,
    bdSeq: { peek: () => 0, confirm: () => {} },
    devices: devices(w),
    // Unless asked for a timer, the benchmark drives scan() itself and this one never fires.
    scanIntervalMs: scanIntervalMs ?? 2 ** 30,
  });
  node = edge;
  const online = new Promise<void>((resolve) => {
    const off = edge.on('stateChanged', (_from, to) => {
      if (to === 'online') {
        off();
        resolve();
      }
    });
  });
  await edge.start();
  await online;
  await Promise.all(pending.splice(0));
  const base = { metrics: edge.stats.metricsPublished, messages: edge.stats.messagesPublished, bytes };
  return {
    node: edge,
    async round() {
      edge.scan();
      const round = pending;
      pending = [];
      await Promise.all(round);
    },
    metricsPublished: () => edge.stats.metricsPublished - base.metrics,
    messagesPublished: () => edge.stats.messagesPublished - base.messages,
    bytesPublished: () => bytes - base.bytes,
    close: () => edge.stop(),
  };
}

// ---------------------------------------------------------------------------------------------
// Tahu sparkplug-client

export async function tahu(url: string, w: Workload, id: string): Promise<Contender> {
  const { client, stream } = await connectTahu(url, GROUP, `TAHU-${id}`, `bench-tahu-${id}`);
  const srcs = devices(w);
  const latest = srcs.map((dev) => new LatestValues(dev.metrics.length));
  await Promise.all(srcs.map((dev, d) => dev.start(latest[d] as LatestValues)));
  // The application's alias table, built once: alias of metric j of device d = d * M + j + 1.
  const aliases = srcs.map((_, d) => Array.from({ length: w.metricsPerDevice }, (_, j) => d * w.metricsPerDevice + j + 1));
  const now = Date.now();
  client.publishNodeBirth({ timestamp: now, metrics: [{ name: 'Node Control/Rebirth', type: 'Boolean', value: false }] });
  srcs.forEach((dev, d) => {
    dev.poll(now);
    const { values, timestamps } = latest[d] as LatestValues;
    const metrics = dev.metrics.map((m, j): TahuMetric => ({ name: m.name, alias: aliases[d]?.[j] ?? 0, type: 'Double', value: values[j], timestamp: timestamps[j] ?? now }));
    client.publishDeviceBirth(dev.deviceId, { timestamp: now, metrics });
  });
  await waitDrain(stream);
  // Payload size of one DDATA as Tahu encodes it (measured once, outside the timed loop).
  const tahuPayload = createRequire(import.meta.url)('sparkplug-payload') as { get(ns: string): { encodePayload(p: unknown): Uint8Array } | null };
  srcs[0]?.poll(now);
  const first = latest[0];
  const sample = first === undefined ? [] : first.values.map((value, j): TahuMetric => ({ alias: j + 1, type: 'Double', value, timestamp: first.timestamps[j] ?? now }));
  const payloadSize = tahuPayload.get('spBv1.0')?.encodePayload({ timestamp: now, seq: 200, metrics: sample }).byteLength ?? 0;
  let metricsOut = 0;
  let messagesOut = 0;
  return {
    async round() {
      const ts = Date.now();
      for (let d = 0; d < srcs.length; d++) {
        const dev = srcs[d] as PolledSource;
        const al = aliases[d] ?? [];
        dev.poll(ts);
        const { values, timestamps } = latest[d] as LatestValues;
        const metrics = new Array<TahuMetric>(values.length);
        for (let j = 0; j < values.length; j++) {
          metrics[j] = { alias: al[j] ?? 0, type: 'Double', value: values[j], timestamp: timestamps[j] as number };
        }
        client.publishDeviceData(dev.deviceId, { timestamp: ts, metrics });
        metricsOut += metrics.length;
        messagesOut++;
      }
      await waitDrain(stream);
    },
    metricsPublished: () => metricsOut,
    messagesPublished: () => messagesOut,
    bytesPublished: () => messagesOut * payloadSize,
    async close() {
      client.stop();
      await new Promise((r) => setTimeout(r, 50));
    },
  };
}

// ---------------------------------------------------------------------------------------------
// plain MQTT.js, pre-encoded payloads

export async function plain(url: string, w: Workload, id: string): Promise<Contender> {
  const client: MqttClient = connect(url, { clientId: `bench-plain-${id}`, clean: true, reconnectPeriod: 0, keepalive: 30, queueQoSZero: false });
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  // What sparkstate would send: one DDATA per device, aliased metrics, no datatypes.
  const ts = Date.now();
  const messages = Array.from({ length: w.devices }, (_, d) => {
    const metrics: Metric[] = Array.from({ length: w.metricsPerDevice }, (_, j) => ({
      alias: d * w.metricsPerDevice + j + 1,
      timestamp: ts,
      type: 'Double',
      value: (j % 7) * 1.1 + 0.123456789,
    }));
    const payload = encodePayload({ timestamp: ts, seq: 200, metrics }, { omitMetricTypes: true });
    return { topic: formatTopic({ kind: 'device', type: 'DDATA', group: GROUP, node: `PLAIN-${id}`, device: `D${d + 1}` }), payload: Buffer.from(payload) };
  });
  let metricsOut = 0;
  let messagesOut = 0;
  let bytes = 0;
  return {
    async round() {
      for (const m of messages) {
        client.publish(m.topic, m.payload, { qos: 0, retain: false });
        bytes += m.payload.byteLength;
        metricsOut += w.metricsPerDevice;
        messagesOut++;
      }
      await waitDrain(client.stream);
    },
    metricsPublished: () => metricsOut,
    messagesPublished: () => messagesOut,
    bytesPublished: () => bytes,
    close: () => client.endAsync(),
  };
}

export function createContender(name: ContenderName, url: string, w: Workload, id: string): Promise<Contender> {
  switch (name) {
    case 'sparkstate':
      return sparkstate(url, w, id);
    case 'tahu':
      return tahu(url, w, id);
    case 'plain':
      return plain(url, w, id);
    default: {
      const unreachable: never = name;
      return unreachable;
    }
  }
}
