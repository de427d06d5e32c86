/**
 * A value from an NCMD/DCMD → a Variant of the variable's own built-in DataType, with the same
 * range checks as every other source's writes (config/datatypes.ts `checkValue`).
 */
import { DataType, LocalizedText, Variant, VariantArrayType } from 'node-opcua-client';
import { checkValue } from '../../config/datatypes.js';
import type { ScalarOut } from '../../config/datatypes.js';
import type { MetricTypeName, MetricValue } from '../../payload/types.js';
import { pairFromInt64, scalarTypeOf } from './datatypes.js';
import type { VariableShape } from './datatypes.js';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** JavaScript Dates end here (±8.64e15 ms). */
const MAX_DATE_MS = 8.64e15;

type Element = { value: unknown } | { problem: string };

/** One checked element in node-opcua's representation for `builtin`. */
function element(builtin: DataType, type: MetricTypeName, value: MetricValue | undefined): Element {
  const checked = checkValue(type, value);
  if ('problem' in checked) return checked;
  return encodeChecked(builtin, checked.value);
}

function encodeChecked(builtin: DataType, v: ScalarOut): Element {
  switch (builtin) {
    case DataType.Int64:
    case DataType.UInt64:
      return { value: pairFromInt64(BigInt(v)) };
    case DataType.DateTime: {
      const ms = Number(v);
      return ms <= MAX_DATE_MS ? { value: new Date(ms) } : { problem: `${v} ms is beyond the last date OPC UA can carry` };
    }
    case DataType.Guid:
      return typeof v === 'string' && GUID.test(v) ? { value: v } : { problem: `"${String(v)}" is not a GUID` };
    case DataType.LocalizedText:
      return { value: new LocalizedText({ text: String(v) }) };
    default:
      return { value: v };
  }
}

/** The Variant to write, or why `value` does not fit the variable (→ SPB_ERR_ENCODE). */
export function toVariant(shape: VariableShape, value: MetricValue): Variant | { problem: string } {
  const { builtin } = shape;
  if (builtin === DataType.ByteString) {
    if (!(value instanceof Uint8Array)) return { problem: 'expected bytes for Bytes' };
    return new Variant({ dataType: builtin, arrayType: VariantArrayType.Scalar, value: Buffer.from(value) });
  }
  if (!shape.array) {
    const one = element(builtin, shape.type, value);
    return 'problem' in one ? one : new Variant({ dataType: builtin, arrayType: VariantArrayType.Scalar, value: one.value });
  }
  if (!Array.isArray(value)) return { problem: `expected an array for ${shape.type}` };
  const type = scalarTypeOf(builtin);
  if (type === undefined) return { problem: `cannot write ${shape.type}` };
  const out: unknown[] = [];
  for (const [i, e] of value.entries()) {
    const one = element(builtin, type, e);
    if ('problem' in one) return { problem: `element ${i}: ${one.problem}` };
    out.push(one.value);
  }
  return new Variant({ dataType: builtin, arrayType: VariantArrayType.Array, value: out });
}
