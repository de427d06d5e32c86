/**
 * What the Tahu contenders share: Eclipse Tahu's `sparkplug-client` as the benchmarks use it (its
 * typings hide the MQTT stream they read for backpressure), connected, and the sink a Tahu
 * application keeps of its sources' reports.
 */
import { once } from 'node:events';
import { createRequire } from 'node:module';
import type { Writable } from 'node:stream';
import type { MetricValue } from '../src/payload/index.js';
import type { ChangeSink } from '../src/sources/types.js';

export interface TahuMetric {
  name?: string;
  alias?: number;
  type: string;
  value: unknown;
  timestamp?: number;
}
export interface TahuPayload {
  timestamp: number;
  metrics: TahuMetric[];
}
export interface TahuClient {
  on(event: 'connect' | 'birth', listener: () => void): unknown;
  on(event: 'error', listener: (e: Error) => void): unknown;
  publishNodeBirth(payload: TahuPayload): void;
  publishDeviceBirth(deviceId: string, payload: TahuPayload): void;
  publishDeviceData(deviceId: string, payload: TahuPayload): void;
  stop(): void;
  /** The MQTT.js v4 client (a private field in Tahu's typings; read for backpressure only). */
  readonly client: { readonly stream: Writable; readonly connected: boolean } | null;
}

const require = createRequire(import.meta.url);
const tahuLib = require('sparkplug-client') as { newClient(config: Record<string, unknown>): TahuClient };

/** A connected Tahu edge node client and its MQTT stream. */
export async function connectTahu(url: string, group: string, node: string, clientId: string): Promise<{ client: TahuClient; stream: Writable }> {
  const client = tahuLib.newClient({
    serverUrl: url,
    username: '',
    password: '',
    groupId: group,
    edgeNode: node,
    clientId,
    keepalive: 30,
    mqttOptions: { reconnectPeriod: 0 },
  });
  await new Promise<void>((resolve, reject) => {
    client.on('connect', () => resolve());
    client.on('error', reject);
  });
  const stream = client.client?.stream;
  if (stream === undefined) throw new Error('Tahu client has no MQTT stream');
  return { client, stream };
}

/** Waits while the socket has more queued than its high-water mark (the same rule for every contender). */
export async function waitDrain(stream: Writable): Promise<void> {
  if (stream.writableNeedDrain) await once(stream, 'drain');
}

/** The latest value and timestamp of each metric by index. */
export class LatestValues implements ChangeSink {
  readonly values: MetricValue[];
  readonly timestamps: Float64Array;

  constructor(n: number) {
    this.values = new Array<MetricValue>(n).fill(null);
    this.timestamps = new Float64Array(n);
  }

  update(index: number, value: MetricValue, timestamp: number): void {
    this.values[index] = value;
    this.timestamps[index] = timestamp;
  }

  /** Sent as a null: what a Tahu application without Quality handling would do. */
  invalidate(index: number, _quality: number, _status: string, timestamp: number): void {
    this.update(index, null, timestamp);
  }
}
