/**
 * Real-broker edge tests: build an EdgeNode from YAML text with a temp storeDir, decode what the
 * observer saw (our codec, with types resolved from the births, and Tahu's as an independent check),
 * and send commands the way a host (or the TCK) would.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { connect, type MqttClient } from 'mqtt';
import { parseEdgeConfig, type EdgeConfig } from '../../src/config/index.js';
import { createEdgeNode } from '../../src/edge/from-config.js';
import type { EdgeNode } from '../../src/edge/index.js';
import { decodePayload, encodePayload } from '../../src/payload/index.js';
import type { DecodedPayload, MetricTypeName, Payload } from '../../src/payload/index.js';
import { SimulatedDevice } from '../../src/sources/simulated/index.js';
import { parseTopic, type SparkplugTopic } from '../../src/topic/index.js';
import type { ObservedMessage } from '../helpers/observer.js';

export const GROUP = 'G1';
export const NODE = 'E1';

/** Node metric Uptime (counter); device Filler: Count (counter), Temperature (sine), Setpoint (writable); device Capper. */
export const DEFAULT_METRICS = `metrics:
  - { name: Uptime, type: Int64, generator: counter }
devices:
  - id: Filler
    metrics:
      - { name: Count, type: Int64, generator: counter }
      - { name: Temperature, type: Double, generator: sine, min: 20, max: 80, periodMs: 60000 }
      - { name: Setpoint, type: Float, generator: constant, value: 42, writable: true }
  - id: Capper
    metrics:
      - { name: Running, type: Boolean, generator: step, values: [true, false], periodMs: 500 }
      - { name: Mode, type: String, generator: constant, value: auto, writable: true }
`;

export interface EdgeYamlOptions {
  servers: readonly string[];
  primaryHostId?: string;
  protocolVersion?: 4 | 5;
  scanIntervalMs?: number;
  /** YAML for `metrics:` and `devices:` (default DEFAULT_METRICS). */
  body?: string;
  storeAndForward?: boolean;
  flushIntervalMs?: number;
  replayRatePerSec?: number;
  /** Default 0 here: these tests count historical samples exactly; test/e2e runs with the CLI's default window. */
  resendWindowMs?: number;
  storeDir?: string;
  keepaliveSec?: number;
  datatypesInData?: boolean;
  primaryHostWaitMs?: number;
}

export function edgeYaml(o: EdgeYamlOptions): string {
  return [
    'mqtt:',
    `  servers: [${o.servers.map((s) => JSON.stringify(s)).join(', ')}]`,
    `  protocolVersion: ${o.protocolVersion ?? 4}`,
    `  keepaliveSec: ${o.keepaliveSec ?? 5}`,
    '  backoff: { initialMs: 100, maxMs: 1000 }',
    'sparkplug:',
    `  groupId: ${GROUP}`,
    `  edgeNodeId: ${NODE}`,
    ...(o.primaryHostId === undefined ? [] : [`  primaryHostId: ${o.primaryHostId}`]),
    ...(o.datatypesInData === undefined ? [] : [`  datatypesInData: ${o.datatypesInData}`]),
    ...(o.primaryHostWaitMs === undefined ? [] : [`  primaryHostWaitMs: ${o.primaryHostWaitMs}`]),
    `scanIntervalMs: ${o.scanIntervalMs ?? 50}`,
    `storeDir: ${JSON.stringify(o.storeDir ?? './store')}`,
    'logLevel: silent',
    'storeAndForward:',
    `  enabled: ${o.storeAndForward ?? true}`,
    `  flushIntervalMs: ${o.flushIntervalMs ?? 100}`,
    `  replayRatePerSec: ${o.replayRatePerSec ?? 5000}`,
    `  resendWindowMs: ${o.resendWindowMs ?? 0}`,
    o.body ?? DEFAULT_METRICS,
  ].join('\n');
}

/** A temp dir removed after the test (even when it fails). */
export function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'sparkstate-edge-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export interface EdgeUnderTest {
  readonly node: EdgeNode;
  readonly config: EdgeConfig;
  readonly dir: string;
  device(id: string): SimulatedDevice;
}

/** Builds (does not start) an edge node from YAML; it is stopped after the test. */
export async function createEdge(t: TestContext, o: EdgeYamlOptions, dir = tempDir(t)): Promise<EdgeUnderTest> {
  const config = await parseEdgeConfig(edgeYaml(o), {}, 'edge.yaml', dir);
  const node = await createEdgeNode(config, { seed: 1 });
  t.after(() => node.stop());
  return {
    node,
    config,
    dir,
    device(id) {
      const d = node.options.devices.find((x) => x.deviceId === id);
      assert.ok(d instanceof SimulatedDevice, `no simulated device ${id}`);
      return d;
    },
  };
}

export async function startEdge(t: TestContext, o: EdgeYamlOptions, dir?: string): Promise<EdgeUnderTest> {
  const e = await createEdge(t, o, dir);
  await e.node.start();
  return e;
}

// ---------------------------------------------------------------------------------------------
// Decoding what the observer saw

export interface Seen {
  readonly msg: ObservedMessage;
  readonly topic: SparkplugTopic;
  /** NBIRTH, DBIRTH, NDATA, … ('STATE' for STATE messages, whose payload is not decoded). */
  readonly type: string;
  readonly device: string | undefined;
  /** Decoded without type resolution: datatype fields exactly as on the wire. */
  readonly raw: DecodedPayload;
  /** Decoded with datatypes resolved from the latest births (data messages omit them). */
  readonly payload: DecodedPayload;
}

/**
 * Decodes observed messages in order, learning alias → datatype (and alias → name) from births,
 * so that data values are read with the datatype their birth declared.
 */
export class Wire {
  readonly types = new Map<number, MetricTypeName>();
  readonly names = new Map<number, string>();

  decodeAll(messages: readonly ObservedMessage[]): Seen[] {
    const out: Seen[] = [];
    for (const msg of messages) {
      const s = this.decode(msg);
      if (s !== undefined) out.push(s);
    }
    return out;
  }

  decode(msg: ObservedMessage): Seen | undefined {
    const topic = parseTopic(msg.topic);
    if (topic.kind === 'state') return undefined;
    const raw = decodePayload(msg.payload);
    if (topic.type === 'NBIRTH' || topic.type === 'DBIRTH') {
      for (const m of raw.metrics ?? []) {
        if (m.alias === undefined || m.type === undefined) continue;
        this.types.set(Number(m.alias), m.type);
        if (m.name !== undefined) this.names.set(Number(m.alias), m.name);
      }
    }
    const payload = decodePayload(msg.payload, {
      resolveType: (m) => (m.alias === undefined ? undefined : this.types.get(Number(m.alias))),
    });
    return { msg, topic, type: topic.type, device: topic.kind === 'device' ? topic.device : undefined, raw, payload };
  }
}

/** The metric named `name` (births) or whose alias the births gave to `name` (data). */
export function metricValues(wire: Wire, s: Seen, name: string): { value: unknown; timestamp: number; historical: boolean }[] {
  return (s.payload.metrics ?? [])
    .filter((m) => m.name === name || (m.alias !== undefined && wire.names.get(Number(m.alias)) === name))
    .map((m) => ({ value: m.value, timestamp: Number(m.timestamp), historical: m.isHistorical === true }));
}

export function bdSeqOf(p: DecodedPayload): number {
  const m = (p.metrics ?? []).find((x) => x.name === 'bdSeq');
  assert.ok(m !== undefined, 'payload has no bdSeq metric');
  assert.equal(m.type, 'Int64', 'bdSeq is Int64');
  return Number(m.value);
}

export const isNode =
  (type: string) =>
  (m: ObservedMessage): boolean =>
    m.topic === `spBv1.0/${GROUP}/${type}/${NODE}`;
export const isDevice =
  (type: string, device?: string) =>
  (m: ObservedMessage): boolean =>
    device === undefined ? m.topic.startsWith(`spBv1.0/${GROUP}/${type}/${NODE}/`) : m.topic === `spBv1.0/${GROUP}/${type}/${NODE}/${device}`;
export const isData = (m: ObservedMessage): boolean => isNode('NDATA')(m) || isDevice('DDATA')(m);

// ---------------------------------------------------------------------------------------------
// Tahu's codec (sparkplug-payload), the independent reference

export interface TahuMetric {
  name?: string;
  alias?: unknown;
  type?: string;
  value?: unknown;
  timestamp?: unknown;
  isHistorical?: boolean;
}
export interface TahuPayload {
  timestamp?: unknown;
  seq?: unknown;
  metrics?: TahuMetric[];
}
export interface TahuCodec {
  encodePayload(p: unknown): Uint8Array;
  decodePayload(b: Uint8Array): TahuPayload;
}

const require = createRequire(import.meta.url);
const tahuLib = require('sparkplug-payload') as { get(ns: string): TahuCodec | null };
const tahuCodec = tahuLib.get('spBv1.0');
if (tahuCodec === null) throw new Error('sparkplug-payload has no spBv1.0 codec');
export const tahu: TahuCodec = tahuCodec;

/** long.js Long, number or bigint → number (test values are small). */
export function num(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'object' && v !== null && 'toNumber' in v && typeof v.toNumber === 'function') {
    return Number((v as { toNumber(): unknown }).toNumber());
  }
  throw new Error(`not a number: ${String(v)}`);
}

// ---------------------------------------------------------------------------------------------
// Acting as a host

export async function mqttClient(url: string, protocolVersion: 4 | 5 = 4): Promise<MqttClient> {
  const client = connect(url, { reconnectPeriod: 0, protocolVersion, clean: true });
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  client.on('error', () => {});
  return client;
}

/** Publishes once from a short-lived client (QoS 1 waits for PUBACK; QoS 0 for the write). */
export async function publishOnce(
  url: string,
  topic: string,
  payload: Uint8Array | string,
  opts: { qos: 0 | 1; retain?: boolean },
): Promise<void> {
  const client = await mqttClient(url);
  try {
    await client.publishAsync(topic, Buffer.from(payload), { qos: opts.qos, retain: opts.retain ?? false });
  } finally {
    await client.endAsync();
  }
}

export function ncmdTopic(): string {
  return `spBv1.0/${GROUP}/NCMD/${NODE}`;
}
export function dcmdTopic(device: string): string {
  return `spBv1.0/${GROUP}/DCMD/${NODE}/${device}`;
}

export async function sendCommand(
  url: string,
  topic: string,
  payload: Payload,
  opts: { qos: 0 | 1; omitTypes?: boolean },
): Promise<void> {
  await publishOnce(url, topic, encodePayload(payload, opts.omitTypes === true ? { omitMetricTypes: true } : {}), opts);
}

export function statePayload(online: boolean, timestamp: number): string {
  return JSON.stringify({ online, timestamp });
}

/** Asserts that nothing matching `predicate` arrives within `ms`. */
export async function assertNone(
  messages: readonly ObservedMessage[],
  predicate: (m: ObservedMessage) => boolean,
  ms: number,
  what: string,
): Promise<void> {
  const before = messages.filter(predicate).length;
  await new Promise((r) => setTimeout(r, ms));
  const after = messages.filter(predicate);
  assert.equal(after.length, before, `${what}: unexpected ${after.slice(before).map((m) => m.topic).join(', ')}`);
}

/** Parses an MQTT CONNECT packet (3.1.1 or 5) far enough to check the flags and the Will. */
export function parseConnect(buf: Buffer): {
  level: number;
  cleanSession: boolean;
  willFlag: boolean;
  willQos: number;
  willRetain: boolean;
  sessionExpiry: number | undefined;
  willTopic: string | undefined;
  willPayload: Buffer | undefined;
} {
  assert.equal(buf[0], 0x10, 'first packet is CONNECT');
  let i = 1;
  // remaining length varint
  while (((buf[i] ?? 0) & 0x80) !== 0) i++;
  i++;
  const nameLen = buf.readUInt16BE(i);
  i += 2 + nameLen;
  const level = buf[i++] ?? 0;
  const flags = buf[i++] ?? 0;
  i += 2; // keep-alive
  let sessionExpiry: number | undefined;
  const varint = (): number => {
    let v = 0;
    let mul = 1;
    for (;;) {
      const b = buf[i++] ?? 0;
      v += (b & 0x7f) * mul;
      if ((b & 0x80) === 0) return v;
      mul *= 128;
    }
  };
  if (level === 5) {
    const len = varint();
    const end = i + len;
    while (i < end) {
      const id = buf[i++];
      if (id === 0x11) {
        sessionExpiry = buf.readUInt32BE(i);
        i += 4;
      } else if (id === 0x21 || id === 0x22) i += 2;
      else if (id === 0x27) i += 4;
      else if (id === 0x17 || id === 0x19) i += 1;
      else i = end; // not needed here
    }
    i = end;
  }
  const str = (): Buffer => {
    const n = buf.readUInt16BE(i);
    const b = buf.subarray(i + 2, i + 2 + n);
    i += 2 + n;
    return b;
  };
  str(); // client id
  const willFlag = (flags & 0x04) !== 0;
  let willTopic: string | undefined;
  let willPayload: Buffer | undefined;
  if (willFlag) {
    if (level === 5) {
      const willProps = varint();
      i += willProps;
    }
    willTopic = str().toString('utf8');
    willPayload = Buffer.from(str());
  }
  return {
    level,
    cleanSession: (flags & 0x02) !== 0,
    willFlag,
    willQos: (flags >> 3) & 0x03,
    willRetain: (flags & 0x20) !== 0,
    sessionExpiry,
    willTopic,
    willPayload,
  };
}
