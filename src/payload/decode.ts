/**
 * Bytes → Payload. Fields are accepted in any order; a value field is kept raw (32-bit halves,
 * offsets) until the whole message is read, because `datatype` may come after the value and
 * decides sign extension, array unpacking and which value field is legal.
 */
import { DataType, type DecodedMetric, type DecodedPayload, type Int64, type MetricValue } from './types.js';
import { dataTypeName, dataTypeNumber, i64, int32Value, isMetricType, metricTypeName, u64 } from './values.js';
import { decodeArray } from './arrays.js';
import { decodeError, type Reader } from './reader.js';
import { readDataSet, readMetaData, readPropertySet, readTemplate } from './complex-decode.js';

/** Value field kinds shared by Metric, PropertyValue, Template.Parameter and DataSetValue. */
export const K_NONE = 0;
export const K_INT = 1;
export const K_LONG = 2;
export const K_FLOAT = 3;
export const K_DOUBLE = 4;
export const K_BOOL = 5;
export const K_STRING = 6;
const K_BYTES = 7;
const K_NESTED = 8;

const KIND_NAMES = ['none', 'int_value', 'long_value', 'float_value', 'double_value', 'boolean_value', 'string_value', 'bytes_value', 'a message value'];

export function readPayload(r: Reader, end: number): DecodedPayload {
  let timestamp: Int64 | undefined;
  let seq: Int64 | undefined;
  let uuid: string | undefined;
  let body: Uint8Array | undefined;
  const metrics: DecodedMetric[] = [];
  while (r.pos < end) {
    const tag = r.uint32(end);
    switch (tag) {
      case 0x08:
        timestamp = r.u64(end);
        break;
      case 0x12: {
        const e = r.delimited(end);
        metrics.push(readMetric(r, e, 0));
        break;
      }
      case 0x18:
        seq = r.u64(end);
        break;
      case 0x22:
        uuid = r.string(end);
        break;
      case 0x2a: {
        const e = r.delimited(end);
        body = copyBytes(r.buf, r.pos, e);
        r.pos = e;
        break;
      }
      default:
        r.skip(tag, end, 5);
    }
  }
  const p: DecodedPayload = {};
  if (timestamp !== undefined) p.timestamp = timestamp;
  p.metrics = metrics;
  if (seq !== undefined) p.seq = seq;
  if (uuid !== undefined) p.uuid = uuid;
  if (body !== undefined) p.body = body;
  return p;
}

export function readMetric(r: Reader, end: number, depth: number): DecodedMetric {
  const at = r.pos;
  let name: string | undefined;
  let alias: Int64 | undefined;
  let timestamp: Int64 | undefined;
  let datatype = -1;
  let isHistorical: boolean | undefined;
  let isTransient: boolean | undefined;
  let isNull: boolean | undefined;
  let metadata: DecodedMetric['metadata'];
  let properties: DecodedMetric['properties'];
  let kind = K_NONE;
  let lo = 0;
  let hi = 0;
  let num = 0;
  let str = '';
  let nested: MetricValue<Int64> = null;
  while (r.pos < end) {
    const tag = r.uint32(end);
    if (tag >= 0x50 && kind !== K_NONE && tag <= 0x9a) decodeError('metric has more than one value field', r.pos);
    switch (tag) {
      case 0x0a:
        name = r.string(end);
        break;
      case 0x10:
        alias = r.u64(end);
        break;
      case 0x18:
        timestamp = r.u64(end);
        break;
      case 0x20:
        datatype = r.uint32(end);
        break;
      case 0x28:
        isHistorical = r.bool(end);
        break;
      case 0x30:
        isTransient = r.bool(end);
        break;
      case 0x38:
        isNull = r.bool(end);
        break;
      case 0x42: {
        const e = r.delimited(end);
        metadata = readMetaData(r, e);
        break;
      }
      case 0x4a: {
        const e = r.delimited(end);
        properties = readPropertySet(r, e, depth + 1);
        break;
      }
      case 0x50:
        kind = K_INT;
        lo = r.uint32(end);
        break;
      case 0x58:
        kind = K_LONG;
        r.varint64(end);
        lo = r.lo;
        hi = r.hi;
        break;
      case 0x65:
        kind = K_FLOAT;
        num = r.float(end);
        break;
      case 0x69:
        kind = K_DOUBLE;
        num = r.double(end);
        break;
      case 0x70:
        kind = K_BOOL;
        num = r.bool(end) ? 1 : 0;
        break;
      case 0x7a:
        kind = K_STRING;
        str = r.string(end);
        break;
      case 0x82: // bytes_value (field 16): kept as offsets until the datatype is known
        kind = K_BYTES;
        hi = r.delimited(end);
        lo = r.pos;
        r.pos = hi;
        break;
      case 0x8a: {
        kind = K_NESTED;
        lo = DataType.DataSet;
        const e = r.delimited(end);
        nested = readDataSet(r, e);
        break;
      }
      case 0x92: {
        kind = K_NESTED;
        lo = DataType.Template;
        const e = r.delimited(end);
        nested = readTemplate(r, e, depth + 1);
        break;
      }
      case 0x9a:
        decodeError('metric extension_value is not supported', r.pos);
        break;
      default:
        r.skip(tag, end, 19);
    }
  }
  const m: DecodedMetric = {};
  if (name !== undefined) m.name = name;
  if (alias !== undefined) m.alias = alias;
  if (timestamp !== undefined) m.timestamp = timestamp;
  if (datatype !== -1) {
    m.type = metricTypeName(datatype);
  }
  if (datatype === -1 && depth === 0 && kind !== K_NONE && r.resolveType !== undefined) {
    // The caller knows the type of this metric from its birth (data and commands omit datatypes).
    const t = r.resolveType(m);
    if (t !== undefined) {
      datatype = dataTypeNumber(t) ?? -1;
      if (!isMetricType(datatype)) decodeError(`resolveType returned ${String(t)}, not a metric datatype`, at);
      m.type = t;
    }
  }
  if (isNull === true) {
    if (kind !== K_NONE) decodeError('metric has is_null and a value', at);
    m.value = null;
  } else if (kind !== K_NONE) {
    m.value = datatype === -1 ? wireValue(r, kind, lo, hi, num, str, nested) : metricValue(r, datatype, kind, lo, hi, num, str, nested, at);
  }
  if (isHistorical !== undefined) m.isHistorical = isHistorical;
  if (isTransient !== undefined) m.isTransient = isTransient;
  if (isNull !== undefined) m.isNull = isNull;
  if (metadata !== undefined) m.metadata = metadata;
  if (properties !== undefined) m.properties = properties;
  return m;
}

function metricValue(
  r: Reader,
  type: number,
  kind: number,
  lo: number,
  hi: number,
  num: number,
  str: string,
  nested: MetricValue<Int64>,
  at: number,
): MetricValue<Int64> {
  if (type <= DataType.UUID) return basicValue(type, kind, lo, hi, num, str, at);
  if (type === DataType.DataSet || type === DataType.Template) {
    // [tck-id-payloads-metric-datatype-value] DataSet ↔ dataset_value, Template ↔ template_value
    if (kind !== K_NESTED || lo !== type) mismatch(type, kind, at);
    return nested;
  }
  if (kind !== K_BYTES) mismatch(type, kind, at);
  if (type === DataType.Bytes || type === DataType.File) return copyBytes(r.buf, lo, hi);
  return decodeArray(r.buf, lo, hi, type);
}

/** A value without a datatype: interpreted by its wire field alone (unsigned integers). */
function wireValue(r: Reader, kind: number, lo: number, hi: number, num: number, str: string, nested: MetricValue<Int64>): MetricValue<Int64> {
  switch (kind) {
    case K_INT:
      return lo;
    case K_LONG:
      return u64(lo, hi);
    case K_FLOAT:
    case K_DOUBLE:
      return num;
    case K_BOOL:
      return num !== 0;
    case K_STRING:
      return str;
    case K_BYTES:
      return copyBytes(r.buf, lo, hi);
    default:
      return nested;
  }
}

/**
 * A plain Uint8Array copy. Not `buf.slice()`: on a Node Buffer input (what MQTT.js delivers)
 * that returns a view into the caller's buffer, not a copy.
 */
function copyBytes(buf: Uint8Array, start: number, end: number): Uint8Array {
  return new Uint8Array(buf.subarray(start, end));
}

function mismatch(type: number, kind: number, at: number): never {
  return decodeError(`${dataTypeName(type) ?? type} value in ${KIND_NAMES[kind] ?? kind}`, at);
}

/**
 * A basic-type (1..15) value from its raw wire form, checking that the wire field is the one
 * the type uses ([tck-id-payloads-metric-datatype-value]). Signed types are sign-extended from
 * their low 8/16/32/64 bits. UInt32 is accepted in int_value (spec) and long_value (Tahu, TCK
 * simulator) — in long_value it must fit 32 bits.
 */
export function basicValue(type: number, kind: number, lo: number, hi: number, num: number, str: string, at: number): number | Int64 | boolean | string {
  if (type === DataType.UInt32 && kind === K_LONG) {
    if (hi !== 0) decodeError('UInt32 value in long_value exceeds 32 bits', at);
    return lo;
  }
  switch (type) {
    case DataType.UInt32:
    case DataType.Int8:
    case DataType.Int16:
    case DataType.Int32:
    case DataType.UInt8:
    case DataType.UInt16:
      if (kind !== K_INT) mismatch(type, kind, at);
      return int32Value(type, lo);
    case DataType.Int64:
    case DataType.DateTime:
      if (kind !== K_LONG) mismatch(type, kind, at);
      return i64(lo, hi);
    case DataType.UInt64:
      if (kind !== K_LONG) mismatch(type, kind, at);
      return u64(lo, hi);
    case DataType.Float:
      if (kind !== K_FLOAT) mismatch(type, kind, at);
      return num;
    case DataType.Double:
      if (kind !== K_DOUBLE) mismatch(type, kind, at);
      return num;
    case DataType.Boolean:
      if (kind !== K_BOOL) mismatch(type, kind, at);
      return num !== 0;
    default:
      // String, Text, UUID
      if (kind !== K_STRING) mismatch(type, kind, at);
      return str;
  }
}
