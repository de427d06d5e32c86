/**
 * JSON request values → metric values, by the metric's birth datatype. The inverse of the snapshot's
 * encoding (snapshot.ts): 64-bit integers may come as decimal strings (JSON numbers lose precision
 * beyond 2^53) and Bytes/File as base64, so a value read from GET /api/state can be written back.
 * Anything else is passed through: the encoder checks it against the datatype (SPB_ERR_ENCODE → 400).
 */
import type { MetricTypeName, MetricValue } from '../payload/types.js';

const INT64_SCALARS: ReadonlySet<MetricTypeName> = new Set(['Int64', 'UInt64', 'DateTime']);
const INT64_ARRAYS: ReadonlySet<MetricTypeName> = new Set(['Int64Array', 'UInt64Array', 'DateTimeArray']);
const DECIMAL = /^-?\d+$/;

function int64(v: unknown): unknown {
  return typeof v === 'string' && DECIMAL.test(v) ? BigInt(v) : v;
}

export function toMetricValue(json: unknown, type: MetricTypeName | undefined): MetricValue {
  let v = json;
  if (type !== undefined && INT64_SCALARS.has(type)) v = int64(v);
  else if (type !== undefined && INT64_ARRAYS.has(type) && Array.isArray(v)) v = v.map(int64);
  else if ((type === 'Bytes' || type === 'File') && typeof v === 'string') v = new Uint8Array(Buffer.from(v, 'base64'));
  // A JSON value is a structural subset of MetricValue's shapes; whether it fits the datatype is the
  // encoder's check, made with the birth datatype in writeMetric.
  return v as MetricValue;
}
