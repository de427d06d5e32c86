/**
 * Wire material for the host benchmark: pre-encoded Sparkplug bodies (births and alias-only data,
 * datatype omitted as our edge sends it), a header patch for timestamp + seq, and a minimal raw
 * MQTT 3.1.1 publisher (CONNECT + QoS 0 PUBLISH over a plain socket) for the fan-in load, so the
 * publisher costs as little CPU as possible on this small machine.
 *
 * A Sparkplug payload is a protobuf message; field order is free, so a message is built as
 * `[timestamp (field 1)][seq (field 3)][metrics (field 2)…]`: the metrics part is encoded once.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { encodePayload, type Metric, type MetricTypeName, type PropertySet } from '../src/payload/index.js';

export const GROUP = 'Bench';
export const TS0 = 1_700_000_000_000;
const TYPES: readonly MetricTypeName[] = ['Double', 'Int32', 'Boolean', 'Int64'];
/** The host-restart plant: mixed datatypes as a plant's tags are (analog values, counters, states, a text). */
const PLANT_TYPES: readonly MetricTypeName[] = ['Double', 'Float', 'Int32', 'Int64', 'Boolean', 'Double', 'Float', 'String'];
const UNITS: readonly string[] = ['kPa', 'degC', 'm3/h', 'A', 'rpm', '%', 'kW', 'bar'];
const EQUIPMENT: readonly string[] = ['pump', 'valve', 'motor', 'tank', 'conveyor', 'fan', 'compressor', 'heater'];
const MEASURES: readonly string[] = ['discharge pressure', 'suction pressure', 'bearing temperature', 'flow', 'current', 'speed', 'level', 'power'];
const MODES: readonly string[] = ['AUTO', 'MANUAL', 'OFF', 'FAULT'];

export function nodeName(i: number): string {
  return `N${i}`;
}
export function deviceName(j: number): string {
  return `D${j}`;
}
export function topicOf(verb: string, node: number, device?: number): string {
  return device === undefined ? `spBv1.0/${GROUP}/${verb}/${nodeName(node)}` : `spBv1.0/${GROUP}/${verb}/${nodeName(node)}/${deviceName(device)}`;
}

function typeOf(k: number, plant = false): MetricTypeName {
  const types = plant ? PLANT_TYPES : TYPES;
  return types[k % types.length] ?? 'Double';
}

function valueOf(type: MetricTypeName, k: number, variant: number): number | boolean | string {
  switch (type) {
    case 'Double':
      return k * 1.25 + variant * 0.5;
    case 'Float':
      return k * 0.25 + variant; // exact in 32 bits
    case 'String':
      return MODES[(k + variant) % MODES.length] ?? 'AUTO';
    case 'Int32':
      return ((k * 7919 + variant * 31) % 100000) - 50000;
    case 'Boolean':
      return (k + variant) % 2 === 0;
    default:
      return TS0 + k * 1000 + variant;
  }
}

/** Alias of metric k of device j (unique within the edge node; node metrics are not aliased). */
export function aliasOf(j: number, metricsPerDevice: number, k: number): number {
  return 10 + j * metricsPerDevice + k;
}

export function metricName(k: number): string {
  return `Area ${k >> 5}/Machine ${k >> 3}/Tag ${k}`;
}

/**
 * Birth properties of plant metric k: engineering unit (from a small set), low/high limits and a
 * description distinct per metric name ("Line 3 pump 12 discharge pressure"), as a tag database has.
 */
function plantProperties(k: number, owner: string): PropertySet {
  const eq = k >> 3;
  const low = -(k % 50);
  return {
    engUnit: { type: 'String', value: UNITS[(k * 5 + (k >> 3)) % UNITS.length] ?? 'kPa' },
    engLow: { type: 'Double', value: low },
    engHigh: { type: 'Double', value: low + 100 + (k % 7) * 50 },
    Description: { type: 'String', value: `${owner}Line ${k >> 6} ${EQUIPMENT[eq % EQUIPMENT.length] ?? ''} ${eq} ${MEASURES[k % MEASURES.length] ?? ''}` },
  };
}

/**
 * Metrics part of a DBIRTH: name, alias, datatype, value, timestamp for every metric; `plant`:
 * mixed datatypes and every metric with properties (plantProperties), each description prefixed
 * with `owner` (empty: the same description for a metric name on every device).
 */
export function dbirthBody(j: number, metricsPerDevice: number, plant = false, owner = ''): Uint8Array {
  const metrics: Metric[] = [];
  for (let k = 0; k < metricsPerDevice; k++) {
    const type = typeOf(k, plant);
    const m: Metric = { name: metricName(k), alias: aliasOf(j, metricsPerDevice, k), timestamp: TS0, type, value: valueOf(type, k, 0) };
    if (plant) m.properties = plantProperties(k, owner);
    metrics.push(m);
  }
  return encodePayload({ metrics });
}

/** Metrics part of a DDATA: `count` metrics from `first`, alias + timestamp + value, no datatype. */
export function ddataBody(j: number, metricsPerDevice: number, first: number, count: number, variant: number, plant = false): Uint8Array {
  const metrics: Metric[] = [];
  for (let i = 0; i < count; i++) {
    const k = (first + i) % metricsPerDevice;
    const type = typeOf(k, plant);
    metrics.push({ alias: aliasOf(j, metricsPerDevice, k), timestamp: TS0 + variant, type, value: valueOf(type, k, variant + 1) });
  }
  return encodePayload({ metrics }, { omitMetricTypes: true });
}

/** Metrics part of an NBIRTH: bdSeq and Node Control/Rebirth. */
export function nbirthBody(bdSeq: number): Uint8Array {
  return encodePayload({
    metrics: [
      { name: 'bdSeq', type: 'Int64', value: bdSeq, timestamp: TS0 },
      { name: 'Node Control/Rebirth', type: 'Boolean', value: false, timestamp: TS0 },
    ],
  });
}

export function ndeathPayload(bdSeq: number): Uint8Array {
  return encodePayload({ timestamp: Date.now(), metrics: [{ name: 'bdSeq', type: 'Int64', value: bdSeq }] });
}

function pushVarint(out: number[], v: number): void {
  let x = v;
  while (x >= 0x80) {
    out.push((x % 0x80) | 0x80);
    x = Math.floor(x / 0x80);
  }
  out.push(x);
}

/** `[field 1 = ts][field 3 = seq]` + body; seq omitted when undefined (NDEATH). */
export function withHeader(ts: number, seq: number | undefined, body: Uint8Array): Buffer {
  const h: number[] = [0x08];
  pushVarint(h, ts);
  if (seq !== undefined) {
    h.push(0x18);
    pushVarint(h, seq);
  }
  const out = Buffer.allocUnsafe(h.length + body.length);
  for (let i = 0; i < h.length; i++) out[i] = h[i] ?? 0;
  out.set(body, h.length);
  return out;
}

// ---- minimal raw MQTT 3.1.1 publisher (QoS 0 only) ----

function remainingLength(n: number): number[] {
  const out: number[] = [];
  let x = n;
  do {
    let b = x % 128;
    x = Math.floor(x / 128);
    if (x > 0) b |= 0x80;
    out.push(b);
  } while (x > 0);
  return out;
}

function mqttString(s: string): Buffer {
  const b = Buffer.from(s, 'utf8');
  const out = Buffer.allocUnsafe(2 + b.length);
  out.writeUInt16BE(b.length, 0);
  b.copy(out, 2);
  return out;
}

/** One PUBLISH QoS 0 packet (header and topic in front of the payload). */
export function publishPacket(topic: string, payload: Uint8Array): Buffer {
  const t = mqttString(topic);
  const rl = remainingLength(t.length + payload.length);
  const out = Buffer.allocUnsafe(1 + rl.length + t.length + payload.length);
  out[0] = 0x30;
  for (let i = 0; i < rl.length; i++) out[1 + i] = rl[i] ?? 0;
  t.copy(out, 1 + rl.length);
  out.set(payload, 1 + rl.length + t.length);
  return out;
}

/** Connects with clean session and keep-alive 0; resolves after a successful CONNACK. */
export function rawConnect(port: number, clientId: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const sock = netConnect({ port, host: '127.0.0.1' });
    sock.setNoDelay(true);
    const id = mqttString(clientId);
    const variable = Buffer.from([0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x04, 0x02, 0x00, 0x00]);
    const rl = remainingLength(variable.length + id.length);
    sock.once('error', reject);
    sock.once('connect', () => sock.write(Buffer.concat([Buffer.from([0x10, ...rl]), variable, id])));
    sock.once('data', (d: Buffer) => {
      if (d[0] === 0x20 && d[3] === 0) {
        sock.off('error', reject);
        sock.on('error', () => undefined);
        sock.on('data', () => undefined);
        resolve(sock);
      } else {
        reject(new Error(`CONNACK refused: ${d.toString('hex')}`));
      }
    });
  });
}
