/**
 * proto/sparkplug_b.proto loaded with protobufjs, and the mapping between our Payload shape
 * and a "wire view": the protobuf message as plain data, snake_case field names of the .proto,
 * only the fields present on the wire, every uint64 as an unsigned bigint, bytes as Uint8Array.
 * The mapping is written from SPARKPLUG-PROTO.md (value field per datatype, two's complement,
 * array packing), independently of src/payload.
 */
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import protobuf from 'protobufjs';
import Long from 'long';
import type {
  BasicTypeName,
  DataSet,
  Int64,
  MetaData,
  Metric,
  MetricTypeName,
  MetricValue,
  Payload,
  PropertySet,
  PropertyValue,
  ScalarValue,
  Template,
  TemplateParameter,
} from '../../src/payload/index.js';
import { BASIC_TYPES } from './arbitrary.js';

// Without an explicit Long, protobufjs would read uint64 fields as lossy numbers.
protobuf.util.Long = Long;
protobuf.configure();

// Tests run from build/test/payload/: the repository root is three levels up.
const PROTO_PATH = fileURLToPath(new URL('../../../proto/sparkplug_b.proto', import.meta.url));
// keepCase: field names exactly as the .proto spells them.
const root = new protobuf.Root().loadSync(PROTO_PATH, { keepCase: true });
export const PayloadType = root.lookupType('org.eclipse.tahu.protobuf.Payload');
/** Datatype names ↔ numbers as the .proto's enum declares them (not our DataType table). */
const DATATYPES = root.lookupEnum('org.eclipse.tahu.protobuf.DataType').values;

export type Wire = bigint | number | boolean | string | Uint8Array | Wire[] | WireMessage;
export interface WireMessage {
  [field: string]: Wire;
}

function fail(what: string, v: unknown): never {
  throw new TypeError(`${what}: unexpected ${typeof v} ${String(v)}`);
}
const num = (v: unknown): number => (typeof v === 'number' ? v : fail('number', v));
const big = (v: unknown): bigint => (typeof v === 'number' || typeof v === 'bigint' ? BigInt(v) : fail('integer', v));
const bool = (v: unknown): boolean => (typeof v === 'boolean' ? v : fail('boolean', v));
const str = (v: unknown): string => (typeof v === 'string' ? v : fail('string', v));
/** Every 64-bit field of the schema is uint64: signed values travel as two's complement. */
const u64 = (v: Int64): bigint => BigInt.asUintN(64, BigInt(v));
const opt64 = (v: Int64 | undefined): bigint | undefined => (v === undefined ? undefined : u64(v));

function typeNumber(name: string): number {
  return DATATYPES[name] ?? fail('datatype name', name);
}

/** A message from its fields, dropping absent ones and empty repeated ones (same wire bytes). */
function msg(fields: Record<string, Wire | undefined>): WireMessage {
  const out: WireMessage = {};
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined || (Array.isArray(v) && v.length === 0)) continue;
    out[k] = v;
  }
  return out;
}

/** The value field of a basic type; the names are shared by Metric, PropertyValue, Parameter and DataSetValue. */
function basicWire(type: string, v: ScalarValue<Int64>): WireMessage {
  switch (type) {
    case 'Int8':
    case 'Int16':
    case 'Int32':
      return { int_value: num(v) >>> 0 };
    case 'UInt8':
    case 'UInt16':
    case 'UInt32': // int_value as the spec's table says
      return { int_value: num(v) };
    case 'Int64':
    case 'UInt64':
    case 'DateTime':
      return { long_value: BigInt.asUintN(64, big(v)) };
    case 'Float':
      return { float_value: num(v) };
    case 'Double':
      return { double_value: num(v) };
    case 'Boolean':
      return { boolean_value: bool(v) };
    case 'String':
    case 'Text':
    case 'UUID':
      return { string_value: str(v) };
    default:
      return fail('basic type', type);
  }
}

type Put = (d: DataView, offset: number, v: unknown) => void;
const FIXED_WIDTH: Partial<Record<MetricTypeName, [number, Put]>> = {
  Int8Array: [1, (d, o, v) => d.setInt8(o, num(v))],
  Int16Array: [2, (d, o, v) => d.setInt16(o, num(v), true)],
  Int32Array: [4, (d, o, v) => d.setInt32(o, num(v), true)],
  Int64Array: [8, (d, o, v) => d.setBigInt64(o, big(v), true)],
  UInt8Array: [1, (d, o, v) => d.setUint8(o, num(v))],
  UInt16Array: [2, (d, o, v) => d.setUint16(o, num(v), true)],
  UInt32Array: [4, (d, o, v) => d.setUint32(o, num(v), true)],
  UInt64Array: [8, (d, o, v) => d.setBigUint64(o, big(v), true)],
  FloatArray: [4, (d, o, v) => d.setFloat32(o, num(v), true)],
  DoubleArray: [8, (d, o, v) => d.setFloat64(o, num(v), true)],
  DateTimeArray: [8, (d, o, v) => d.setBigInt64(o, big(v), true)],
};

/** bytes_value of an array type (SPARKPLUG-PROTO.md §4). */
export function packArray(type: MetricTypeName, values: readonly unknown[]): Uint8Array {
  const fixed = FIXED_WIDTH[type];
  if (fixed !== undefined) {
    const [width, put] = fixed;
    const out = new Uint8Array(values.length * width);
    const view = new DataView(out.buffer);
    values.forEach((v, i) => put(view, i * width, v));
    return out;
  }
  if (type === 'BooleanArray') {
    // uint32 LE count, then the bits, first element in the most significant bit
    const out = new Uint8Array(4 + Math.ceil(values.length / 8));
    new DataView(out.buffer).setUint32(0, values.length, true);
    values.forEach((v, i) => {
      if (bool(v)) out[4 + (i >> 3)] = (out[4 + (i >> 3)] ?? 0) | (0x80 >> (i & 7));
    });
    return out;
  }
  if (type === 'StringArray') {
    const parts = values.map((v) => new TextEncoder().encode(`${str(v)}\0`));
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
  return fail('array type', type);
}

function isDataSet(v: DataSet<Int64> | Template<Int64>): v is DataSet<Int64> {
  return 'rows' in v;
}
function isPropertySet(v: PropertyValue<Int64>['value']): v is PropertySet<Int64> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
function scalar(v: MetricValue<Int64> | PropertyValue<Int64>['value']): ScalarValue<Int64> {
  return typeof v === 'object' || v === undefined ? fail('scalar', v) : v;
}

function metricValueWire(type: MetricTypeName, v: NonNullable<MetricValue<Int64>>): WireMessage {
  if (type === 'Bytes' || type === 'File') return { bytes_value: v instanceof Uint8Array ? v : fail('bytes', v) };
  if (Array.isArray(v)) return { bytes_value: packArray(type, v) };
  if (typeof v !== 'object' || v instanceof Uint8Array) return basicWire(type, scalar(v));
  if (type === 'DataSet' && isDataSet(v)) return { dataset_value: dataSetWire(v) };
  if (type === 'Template' && !isDataSet(v)) return { template_value: templateWire(v) };
  return fail(`${type} value`, v);
}

function dataSetWire(ds: DataSet<Int64>): WireMessage {
  return msg({
    num_of_columns: opt64(ds.numOfColumns) ?? BigInt(ds.columns.length),
    columns: ds.columns,
    types: ds.types.map(typeNumber),
    rows: ds.rows.map((row) =>
      // a null cell is an empty DataSetValue
      msg({ elements: row.map((cell, i) => (cell === null ? {} : basicWire(ds.types[i] ?? fail('column type', i), cell))) }),
    ),
  });
}

function parameterWire(p: TemplateParameter<Int64>): WireMessage {
  const out = msg({ name: p.name, type: typeNumber(p.type) });
  return p.value === undefined || p.value === null ? out : { ...out, ...basicWire(p.type, p.value) };
}

function templateWire(t: Template<Int64>): WireMessage {
  return msg({
    version: t.version,
    metrics: (t.metrics ?? []).map(metricWire),
    parameters: (t.parameters ?? []).map(parameterWire),
    template_ref: t.templateRef,
    is_definition: t.isDefinition,
  });
}

function propertyValueWire(pv: PropertyValue<Int64>): WireMessage {
  const out = msg({ type: typeNumber(pv.type), is_null: pv.isNull ?? (pv.value === null ? true : undefined) });
  const v = pv.value;
  if (v === undefined || v === null) return out;
  if (pv.type === 'PropertySet') return { ...out, propertyset_value: isPropertySet(v) ? propertySetWire(v) : fail('PropertySet', v) };
  if (pv.type === 'PropertySetList') {
    return { ...out, propertysets_value: msg({ propertyset: Array.isArray(v) ? v.map(propertySetWire) : fail('PropertySetList', v) }) };
  }
  return { ...out, ...basicWire(pv.type, scalar(v)) };
}

/** The key → value map becomes the parallel keys/values arrays, in the object's key order. */
function propertySetWire(ps: PropertySet<Int64>): WireMessage {
  const entries = Object.entries(ps);
  return msg({ keys: entries.map(([k]) => k), values: entries.map(([, v]) => propertyValueWire(v)) });
}

function metaDataWire(md: MetaData<Int64>): WireMessage {
  return msg({
    is_multi_part: md.isMultiPart,
    content_type: md.contentType,
    size: opt64(md.size),
    seq: opt64(md.seq),
    file_name: md.fileName,
    file_type: md.fileType,
    md5: md.md5,
    description: md.description,
  });
}

function metricWire(m: Metric<Int64>): WireMessage {
  const out = msg({
    name: m.name,
    alias: opt64(m.alias),
    timestamp: opt64(m.timestamp),
    datatype: m.type === undefined ? undefined : typeNumber(m.type),
    is_historical: m.isHistorical,
    is_transient: m.isTransient,
    is_null: m.isNull ?? (m.value === null ? true : undefined),
    metadata: m.metadata === undefined ? undefined : metaDataWire(m.metadata),
    properties: m.properties === undefined ? undefined : propertySetWire(m.properties),
  });
  if (m.value === undefined || m.value === null) return out;
  return { ...out, ...metricValueWire(m.type ?? fail('metric type', m.type), m.value) };
}

/** The wire view of a payload, as the .proto says it must look. */
export function toWire(p: Payload<Int64>): WireMessage {
  return msg({
    timestamp: opt64(p.timestamp),
    metrics: (p.metrics ?? []).map(metricWire),
    seq: opt64(p.seq),
    uuid: p.uuid,
    body: p.body,
  });
}

function isLong(v: object): v is { low: number; high: number } {
  return 'low' in v && 'high' in v && typeof v.low === 'number' && typeof v.high === 'number';
}

/** The wire view of a message protobufjs decoded: its own (= present) fields. */
export function fromProto(v: unknown): Wire {
  if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v !== 'object' || v === null) return fail('protobufjs field', v);
  // a Buffer becomes a plain Uint8Array, so deep equality compares bytes only
  if (v instanceof Uint8Array) return Uint8Array.from(v);
  // uint64 is unsigned: read the two halves as such
  if (isLong(v)) return (BigInt(v.high >>> 0) << 32n) | BigInt(v.low >>> 0);
  if (Array.isArray(v)) return v.map((x: unknown) => fromProto(x));
  const fields: Record<string, Wire> = {};
  for (const [k, x] of Object.entries(v)) fields[k] = fromProto(x);
  return msg(fields);
}

/** A plain object protobufjs can encode: bigints as unsigned Longs. */
export function toProto(w: Wire): unknown {
  if (typeof w === 'bigint') return Long.fromString(w.toString(), true);
  if (typeof w !== 'object' || w instanceof Uint8Array) return w;
  if (Array.isArray(w)) return w.map(toProto);
  return Object.fromEntries(Object.entries(w).map(([k, v]) => [k, toProto(v)]));
}

// Extreme values in canonical decoded form: a number when safe, else a bigint.
const I64_EDGES: Int64[] = [-(2n ** 63n), 2n ** 63n - 1n, -1, 0, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, -(2n ** 53n), 2n ** 53n];
const STRINGS = ['', '😀 名前 ü', 'a\u0000b', '\u{10FFFF}'];
const EDGES: Record<BasicTypeName | 'UUID', ScalarValue<Int64>[]> = {
  Int8: [-128, 127, -1, 0],
  Int16: [-32768, 32767, -1],
  Int32: [-2147483648, 2147483647, -1],
  Int64: I64_EDGES,
  UInt8: [0, 255],
  UInt16: [0, 65535],
  UInt32: [0, 2147483648, 4294967295],
  UInt64: [0, Number.MAX_SAFE_INTEGER, 2n ** 53n, 2n ** 63n, 2n ** 64n - 1n],
  Float: [NaN, Infinity, -Infinity, -0, 0, Math.fround(3.4028234663852886e38), Math.fround(1.401298464324817e-45)],
  Double: [NaN, Infinity, -Infinity, -0, Number.MAX_VALUE, Number.MIN_VALUE, -Number.MAX_VALUE],
  Boolean: [false, true],
  String: STRINGS,
  DateTime: I64_EDGES,
  Text: STRINGS,
  UUID: STRINGS,
};
const edge = (t: BasicTypeName | 'UUID'): fc.Arbitrary<ScalarValue<Int64>> => fc.constantFrom(...EDGES[t]);

const ARRAY_OF: [MetricTypeName, BasicTypeName][] = [
  ['Int8Array', 'Int8'],
  ['Int16Array', 'Int16'],
  ['Int32Array', 'Int32'],
  ['Int64Array', 'Int64'],
  ['UInt8Array', 'UInt8'],
  ['UInt16Array', 'UInt16'],
  ['UInt32Array', 'UInt32'],
  ['UInt64Array', 'UInt64'],
  ['FloatArray', 'Float'],
  ['DoubleArray', 'Double'],
  ['BooleanArray', 'Boolean'],
  ['DateTimeArray', 'DateTime'],
];

const edgeScalarMetric = fc
  .constantFrom<BasicTypeName | 'UUID'>(...BASIC_TYPES, 'UUID')
  .chain((type) =>
    fc.tuple(edge(type), edge(type)).map(([value, prop]): Metric<Int64> => ({
      name: 'm',
      type,
      value,
      properties: type === 'UUID' ? {} : { [String(prop)]: { type, value: prop } },
    })),
  );
const edgeArrayMetric = fc.oneof(
  ...ARRAY_OF.map(([type, el]) => fc.array(edge(el), { maxLength: 9 }).map((value): Metric<Int64> => ({ type, value: value as MetricValue<Int64> }))),
  fc.array(fc.constantFrom(...STRINGS.filter((s) => !s.includes('\0'))), { maxLength: 5 }).map((value): Metric<Int64> => ({ type: 'StringArray', value })),
);
/** One DataSet row and one Template parameter of every basic type. */
const edgeComplexMetric = fc
  .tuple(...BASIC_TYPES.map((type) => edge(type).map((value): [BasicTypeName, ScalarValue<Int64>] => [type, value])))
  .chain((cells) =>
    fc.constantFrom<Metric<Int64>>(
      {
        name: 'ds',
        type: 'DataSet',
        value: { numOfColumns: cells.length, columns: cells.map(([t]) => t), types: cells.map(([t]) => t), rows: [cells.map(([, v]) => v)] },
      },
      { name: 'T', type: 'Template', value: { version: '', isDefinition: true, metrics: [], parameters: cells.map(([type, value]) => ({ name: type, type, value })) } },
    ),
  );

export const edgePayload: fc.Arbitrary<Payload<Int64>> = fc.record(
  {
    timestamp: fc.constantFrom<Int64>(0, Number.MAX_SAFE_INTEGER, 2n ** 64n - 1n),
    seq: fc.constantFrom<Int64>(0, 255),
    uuid: fc.constantFrom(...STRINGS),
    metrics: fc.array(fc.oneof(edgeScalarMetric, edgeArrayMetric, edgeComplexMetric), { minLength: 1, maxLength: 4 }),
  },
  { noNullPrototype: true },
);
