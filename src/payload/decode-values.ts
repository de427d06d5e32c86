/**
 * Metric values from their raw wire form (kind of value field, 32-bit halves, number, string,
 * offsets), once the datatype is known: shared by Metric, PropertyValue, Template.Parameter
 * and DataSetValue decoding.
 */
import { DataType, type Int64, type MetricValue } from './types.js';
import { dataTypeName, i64, int32Value, u64 } from './values.js';
import { decodeArray } from './arrays.js';
import { decodeError, type Reader } from './reader.js';

/** Value field kinds shared by Metric, PropertyValue, Template.Parameter and DataSetValue. */
export const K_NONE = 0;
export const K_INT = 1;
export const K_LONG = 2;
export const K_FLOAT = 3;
export const K_DOUBLE = 4;
export const K_BOOL = 5;
export const K_STRING = 6;
export const K_BYTES = 7;
export const K_NESTED = 8;

const KIND_NAMES = ['none', 'int_value', 'long_value', 'float_value', 'double_value', 'boolean_value', 'string_value', 'bytes_value', 'a message value'];

/** Int32/Double/Boolean/Int64 in their own wire field (most metrics); undefined for the rest. */
export function commonValue(type: number, kind: number, lo: number, hi: number, num: number): number | boolean | undefined {
  switch (type) {
    case DataType.Int32:
      return kind === K_INT ? lo | 0 : undefined;
    case DataType.Double:
      return kind === K_DOUBLE ? num : undefined;
    case DataType.Boolean:
      return kind === K_BOOL ? num !== 0 : undefined;
    case DataType.Int64:
      return kind === K_LONG && hi < 0x200000 ? hi * 4294967296 + lo : undefined;
    default:
      return undefined;
  }
}

export function metricValue(
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
  return decodeArray(r, lo, hi, type);
}

/** A value without a datatype: interpreted by its wire field alone (unsigned integers). */
export function wireValue(r: Reader, kind: number, lo: number, hi: number, num: number, str: string, nested: MetricValue<Int64>): MetricValue<Int64> {
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
export function copyBytes(buf: Uint8Array, start: number, end: number): Uint8Array {
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
