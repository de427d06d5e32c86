/**
 * The five codec workloads of issue #17, each built twice: as sparkstate's documented Payload
 * object (64-bit values beyond 2^53 as bigint) and as the object a user of Tahu's
 * sparkplug-payload 1.0.3 hands it. The two differ only where Tahu needs its own shape:
 * - 64-bit values beyond 2^53 are long.js Longs (Tahu/protobufjs take no bigint);
 * - Tahu has no Sparkplug 3.0 array datatypes (its type table stops at 21: an array metric
 *   would go out without a value), so its user packs arrays into a `Bytes` metric with the
 *   same little-endian bytes. That packing is done here, outside the timed calls, which
 *   favours Tahu;
 * - DataSet columns are of the types Tahu decodes (Int64, UInt32, Float, Double, Boolean,
 *   String): its decoder throws "Invalid DataSetValue" on Int8..Int32, UInt8/16, UInt64,
 *   DateTime and Text cells.
 */
import { createRequire } from 'node:module';
import type { BasicTypeName, Metric, MetricTypeName, Payload, PropertySet } from '../src/payload/index.js';

interface LongCtor {
  fromString(s: string, unsigned?: boolean): unknown;
}
const require = createRequire(import.meta.url);
const Long = require('long') as LongCtor;

const TS = 1700000000000;

/** The scalar datatypes of Sparkplug 3.0 that births mix (no Text/UUID: Strings stand for them). */
const SCALARS: MetricTypeName[] = ['Int8', 'Int16', 'Int32', 'Int64', 'UInt8', 'UInt16', 'UInt32', 'UInt64', 'Float', 'Double', 'Boolean', 'String', 'DateTime'];

/** Beyond 2^53: every 13th Int64/UInt64 value is one, so each workload with 64-bit values has some. */
const BIG_I64 = -(2n ** 62n) + 12345n;
const BIG_U64 = 2n ** 64n - 1001n;

type Scalar = number | bigint | boolean | string;

/** A value of `type` for metric `i` (deterministic; Floats are exact binary32 values). */
function scalar(type: MetricTypeName, i: number): Scalar {
  switch (type) {
    case 'Int8':
      return (i % 256) - 128;
    case 'Int16':
      return ((i * 131) % 65536) - 32768;
    case 'Int32':
      return ((i * 7919) % 200000) - 100000;
    case 'Int64':
      return i % 13 === 3 ? BIG_I64 - BigInt(i) : TS * 1000 + i * 17;
    case 'UInt8':
      return i % 256;
    case 'UInt16':
      return (i * 257) % 65536;
    case 'UInt32':
      return (i * 2654435761) % 4294967296;
    case 'UInt64':
      return i % 13 === 7 ? BIG_U64 - BigInt(i) : 1_000_000_000 + i;
    case 'Float':
      return (i % 1000) * 0.25 - 100;
    case 'Double':
      return i * 1.37 + 0.5;
    case 'Boolean':
      return i % 3 === 0;
    case 'String':
      return i % 2 === 0 ? 'RUNNING' : 'IDLE';
    default:
      return TS + i * 1000; // DateTime
  }
}

const UNITS = ['degC', 'bar', 'rpm', 'kW', 'm3/h', 'A', '%'];

/** engUnit, engLow/engHigh in the metric's numeric family, and a description. */
function properties(type: MetricTypeName, i: number): PropertySet {
  const limit: BasicTypeName = type === 'Float' ? 'Float' : type === 'Double' ? 'Double' : type === 'Int64' || type === 'UInt64' || type === 'DateTime' ? 'Int64' : 'Int32';
  const high = type === 'Boolean' ? 1 : 1000 + (i % 500);
  return {
    engUnit: { type: 'String', value: UNITS[i % UNITS.length] ?? '' },
    engLow: { type: limit, value: type === 'Boolean' ? 0 : -100 },
    engHigh: { type: limit, value: high },
    description: { type: 'String', value: `${type} sensor ${i} on line ${i >> 5}, station ${i >> 3}` },
  };
}

function tagName(i: number): string {
  return `Area ${i >> 6}/Machine ${i >> 3}/Tag ${i}`;
}

/** NBIRTH: bdSeq, Rebirth and 500 named, aliased metrics of every scalar type with four properties each. */
export function nbirth500(): Payload {
  const metrics: Metric[] = [
    { name: 'bdSeq', timestamp: TS, type: 'Int64', value: 0 },
    { name: 'Node Control/Rebirth', timestamp: TS, type: 'Boolean', value: false },
  ];
  for (let i = 0; i < 500; i++) {
    const type = SCALARS[i % SCALARS.length] ?? 'Int32';
    metrics.push({ name: tagName(i), alias: i + 10, timestamp: TS, type, value: scalar(type, i), properties: properties(type, i) });
  }
  return { timestamp: TS, seq: 0, metrics };
}

/** DDATA: 50 metrics by alias only, every scalar type, each with its timestamp. */
export function ddataAlias50(): Payload {
  const metrics: Metric[] = [];
  for (let i = 0; i < 50; i++) {
    const type = SCALARS[i % SCALARS.length] ?? 'Int32';
    metrics.push({ alias: i + 10, timestamp: TS + i, type, value: scalar(type, i) });
  }
  return { timestamp: TS, seq: 17, metrics };
}

/** DDATA: 1,000 metrics by name, every scalar type, each with its timestamp. */
export function ddataNamed1000(): Payload {
  const metrics: Metric[] = [];
  for (let i = 0; i < 1000; i++) {
    const type = SCALARS[i % SCALARS.length] ?? 'Int32';
    metrics.push({ name: tagName(i), timestamp: TS + i, type, value: scalar(type, i) });
  }
  return { timestamp: TS, seq: 18, metrics };
}

const ARRAY_TYPES: MetricTypeName[] = ['Int8Array', 'Int16Array', 'Int32Array', 'Int64Array', 'UInt32Array', 'UInt64Array', 'FloatArray', 'DoubleArray', 'BooleanArray', 'StringArray', 'DateTimeArray'];
const ARRAY_LENGTH = 32;

function arrayValue(type: MetricTypeName): Scalar[] {
  const element = type.slice(0, -'Array'.length) as MetricTypeName;
  return Array.from({ length: ARRAY_LENGTH }, (_, k) => scalar(element, k * 5 + 7));
}

const DATASET_TYPES: BasicTypeName[] = ['Int64', 'UInt32', 'Float', 'Double', 'Boolean', 'String'];

/** DBIRTH: 20 scalar metrics, one metric of each array type (32 elements), a 6 × 20 DataSet. */
export function dbirthArrays(): Payload {
  const metrics: Metric[] = [];
  let alias = 1000;
  for (let i = 0; i < 20; i++) {
    const type = SCALARS[i % SCALARS.length] ?? 'Int32';
    metrics.push({ name: `Device/Scalar ${i}`, alias: alias++, timestamp: TS, type, value: scalar(type, i) });
  }
  for (const type of ARRAY_TYPES) {
    metrics.push({ name: `Device/Arrays/${type}`, alias: alias++, timestamp: TS, type, value: arrayValue(type) as number[] });
  }
  const rows = Array.from({ length: 20 }, (_, r) => DATASET_TYPES.map((t) => scalar(t, r * 6 + 7)));
  metrics.push({
    name: 'Device/Recipe',
    alias: alias++,
    timestamp: TS,
    type: 'DataSet',
    value: { numOfColumns: DATASET_TYPES.length, columns: DATASET_TYPES.map((t) => `${t} column`), types: DATASET_TYPES, rows },
  });
  return { timestamp: TS, seq: 1, metrics };
}

/** NCMD: one metric (the rebirth request). */
export function ncmd(): Payload {
  return { timestamp: TS, metrics: [{ name: 'Node Control/Rebirth', type: 'Boolean', value: true }] };
}

/** Long.js form of a bigint for a field of `type` (UInt64 unsigned, the rest signed). */
function long(v: bigint, type: string | undefined): unknown {
  return type === 'UInt64' ? Long.fromString(BigInt.asUintN(64, v).toString(), true) : Long.fromString(v.toString(), false);
}

/** The same payload as a Tahu user builds it (see the header). */
export function tahuShape(p: Payload): unknown {
  return { ...p, metrics: (p.metrics ?? []).map(tahuMetric) };
}

function tahuMetric(m: Metric): unknown {
  const type = m.type;
  const v = m.value;
  if (type !== undefined && type.endsWith('Array') && Array.isArray(v)) return { ...m, type: 'Bytes', value: packArray(type, v as Scalar[]) };
  const out: Record<string, unknown> = { ...m };
  if (typeof v === 'bigint') out['value'] = long(v, type);
  if (m.properties !== undefined) {
    const ps: Record<string, unknown> = {};
    for (const [k, pv] of Object.entries(m.properties)) ps[k] = typeof pv.value === 'bigint' ? { ...pv, value: long(pv.value, pv.type) } : pv;
    out['properties'] = ps;
  }
  if (type === 'DataSet' && typeof v === 'object' && v !== null && 'rows' in v) {
    out['value'] = { ...v, rows: v.rows.map((row) => row.map((c, k) => (typeof c === 'bigint' ? long(c, v.types[k]) : c))) };
  }
  return out;
}

/** Sparkplug 3.0 array packing (little-endian elements; BooleanArray: count + MSB-first bits; StringArray: NUL-terminated). */
function packArray(type: string, v: Scalar[]): Uint8Array {
  const n = v.length;
  const nums = v.map((x) => Number(x));
  switch (type) {
    case 'Int8Array':
      return new Uint8Array(Int8Array.from(nums).buffer);
    case 'Int16Array':
      return new Uint8Array(Int16Array.from(nums).buffer);
    case 'Int32Array':
      return new Uint8Array(Int32Array.from(nums).buffer);
    case 'UInt32Array':
      return new Uint8Array(Uint32Array.from(nums).buffer);
    case 'FloatArray':
      return new Uint8Array(Float32Array.from(nums).buffer);
    case 'DoubleArray':
      return new Uint8Array(Float64Array.from(nums).buffer);
    case 'BooleanArray': {
      const out = new Uint8Array(4 + Math.ceil(n / 8));
      new DataView(out.buffer).setUint32(0, n, true);
      v.forEach((b, i) => {
        if (b === true) out[4 + (i >> 3)] = (out[4 + (i >> 3)] ?? 0) | (0x80 >> (i & 7));
      });
      return out;
    }
    case 'StringArray':
      return new TextEncoder().encode(v.map((s) => `${String(s)}\0`).join(''));
    default:
      // Int64Array, UInt64Array, DateTimeArray: 64-bit two's complement
      return new Uint8Array(BigInt64Array.from(v.map((x) => BigInt.asIntN(64, BigInt(x as number | bigint)))).buffer);
  }
}
