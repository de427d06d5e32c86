/**
 * OPC UA variables ↔ Sparkplug metrics. A variable's shape is its built-in base DataType (after
 * following subtypes, see resolve.ts) and its ValueRank; only shapes in the table below map.
 *
 * | OPC UA DataType            | ValueRank -1 (scalar) | ValueRank 1 (one dimension) |
 * |----------------------------|-----------------------|-----------------------------|
 * | Boolean                    | Boolean               | BooleanArray                |
 * | SByte / Byte               | Int8 / UInt8          | Int8Array / UInt8Array      |
 * | Int16 / UInt16             | Int16 / UInt16        | Int16Array / UInt16Array    |
 * | Int32 / UInt32             | Int32 / UInt32        | Int32Array / UInt32Array    |
 * | Int64 / UInt64             | Int64 / UInt64        | Int64Array / UInt64Array    |
 * | Float / Double             | Float / Double        | FloatArray / DoubleArray    |
 * | String                     | String                | StringArray                 |
 * | DateTime                   | DateTime              | DateTimeArray               |
 * | ByteString                 | Bytes                 | –                           |
 * | Guid                       | UUID                  | –                           |
 * | LocalizedText              | String (its text)     | –                           |
 * | Enumeration (any subtype)  | Int32                 | Int32Array                  |
 *
 * Subtypes map as their base (Duration → Double, UtcTime → DateTime, LocaleId → String, …).
 * Structures, other built-ins (NodeId, QualifiedName, …), abstract types (BaseDataType, Number)
 * and other ValueRanks do not map. Values: 64-bit integers are numbers while safe and bigints
 * beyond ±2^53, both ways; DateTime is ms since 1970 (OPC UA's null date and other dates before
 * 1970, which Sparkplug's unsigned DateTime cannot carry, read as null, or 0 inside an array).
 */
import { DataType } from 'node-opcua-client';
import type { Int64, MetricTypeName, MetricValue } from '../../payload/types.js';
// node-opcua prints to the console from the moment it loads; quiet.ts redirects it.
import './quiet.js';

export interface VariableShape {
  /** The built-in type values travel as (a subtype's base; Int32 for enumerations). */
  readonly builtin: DataType;
  readonly array: boolean;
  readonly type: MetricTypeName;
}

const SCALAR_TYPES: ReadonlyMap<DataType, MetricTypeName> = new Map([
  [DataType.Boolean, 'Boolean'],
  [DataType.SByte, 'Int8'],
  [DataType.Byte, 'UInt8'],
  [DataType.Int16, 'Int16'],
  [DataType.UInt16, 'UInt16'],
  [DataType.Int32, 'Int32'],
  [DataType.UInt32, 'UInt32'],
  [DataType.Int64, 'Int64'],
  [DataType.UInt64, 'UInt64'],
  [DataType.Float, 'Float'],
  [DataType.Double, 'Double'],
  [DataType.String, 'String'],
  [DataType.DateTime, 'DateTime'],
  [DataType.ByteString, 'Bytes'],
  [DataType.Guid, 'UUID'],
  [DataType.LocalizedText, 'String'],
]);

const ARRAY_TYPES: ReadonlyMap<DataType, MetricTypeName> = new Map([
  [DataType.Boolean, 'BooleanArray'],
  [DataType.SByte, 'Int8Array'],
  [DataType.Byte, 'UInt8Array'],
  [DataType.Int16, 'Int16Array'],
  [DataType.UInt16, 'UInt16Array'],
  [DataType.Int32, 'Int32Array'],
  [DataType.UInt32, 'UInt32Array'],
  [DataType.Int64, 'Int64Array'],
  [DataType.UInt64, 'UInt64Array'],
  [DataType.Float, 'FloatArray'],
  [DataType.Double, 'DoubleArray'],
  [DataType.String, 'StringArray'],
  [DataType.DateTime, 'DateTimeArray'],
]);

/** Names that say more than DataType's enum for the abstract types of namespace 0. */
const ABSTRACT_NAMES: ReadonlyMap<number, string> = new Map([
  [22, 'Structure'],
  [24, 'BaseDataType'],
  [26, 'Number'],
  [27, 'Integer'],
  [28, 'UInteger'],
]);

function builtinName(builtin: DataType): string {
  return ABSTRACT_NAMES.get(builtin) ?? DataType[builtin] ?? String(builtin);
}

/** The scalar metric type of a built-in (also the element type of its array). */
export function scalarTypeOf(builtin: DataType): MetricTypeName | undefined {
  return SCALAR_TYPES.get(builtin);
}

/** ValueRank -1 is a scalar, 1 a one-dimensional array (Part 3, 5.6.2); nothing else maps. */
export function shapeOf(builtin: DataType, valueRank: number): VariableShape | { problem: string } {
  const array = valueRank === 1;
  if (valueRank !== -1 && !array) return { problem: `ValueRank ${valueRank} has no Sparkplug type (only scalars and one-dimensional arrays do)` };
  const type = (array ? ARRAY_TYPES : SCALAR_TYPES).get(builtin);
  if (type === undefined) {
    return { problem: `${builtinName(builtin)}${array ? ' array' : ''} has no Sparkplug type` };
  }
  return { builtin, array, type };
}

/** A value as it arrives from node-opcua → the MetricValue; undefined when it does not fit. */
export type Converter = (raw: unknown) => MetricValue | undefined;

const TWO_32 = 0x1_0000_0000;

/** node-opcua's [high, low] (both unsigned 32-bit) → exact Int64 (number while safe). */
export function int64FromPair(raw: unknown, signed: boolean): Int64 | undefined {
  if (!Array.isArray(raw) || raw.length !== 2) return undefined;
  const [hi, lo]: unknown[] = raw;
  if (typeof hi !== 'number' || typeof lo !== 'number') return undefined;
  // Exact whenever the result is a safe integer; beyond that the bigint path is exact.
  const n = (signed && hi >= 0x8000_0000 ? hi - TWO_32 : hi) * TWO_32 + lo;
  if (Number.isSafeInteger(n)) return n;
  const big = (BigInt(hi) << 32n) | BigInt(lo);
  return signed ? BigInt.asIntN(64, big) : big;
}

/** The inverse, for writes: any 64-bit integer → node-opcua's [high, low]. */
export function pairFromInt64(value: bigint): [number, number] {
  const u = BigInt.asUintN(64, value);
  return [Number(u >> 32n), Number(u & 0xffff_ffffn)];
}

function dateMs(raw: unknown): number | null | undefined {
  if (!(raw instanceof Date)) return undefined;
  const ms = raw.getTime();
  return ms >= 0 ? ms : null;
}

const asNumber: Converter = (raw) => (typeof raw === 'number' ? raw : undefined);
const asBoolean: Converter = (raw) => (typeof raw === 'boolean' ? raw : undefined);
const asString: Converter = (raw) => (typeof raw === 'string' ? raw : undefined);
const asInt64: Converter = (raw) => int64FromPair(raw, true);
const asUInt64: Converter = (raw) => int64FromPair(raw, false);
// A copy: node-opcua's Buffer views the whole received message, which must not stay alive.
const asBytes: Converter = (raw) => (raw instanceof Uint8Array ? new Uint8Array(raw) : undefined);
const asText: Converter = (raw) => {
  if (typeof raw !== 'object' || raw === null || !('text' in raw)) return undefined;
  return typeof raw.text === 'string' ? raw.text : null;
};

type NumericTypedArray = Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | Float32Array | Float64Array;

function isNumericTypedArray(raw: unknown): raw is NumericTypedArray {
  return ArrayBuffer.isView(raw) && !(raw instanceof DataView) && !(raw instanceof BigInt64Array) && !(raw instanceof BigUint64Array);
}

function isArrayOf<T>(raw: unknown, guard: (e: unknown) => e is T): raw is T[] {
  return Array.isArray(raw) && raw.every(guard);
}

const isNumber = (e: unknown): e is number => typeof e === 'number';
const isBoolean = (e: unknown): e is boolean => typeof e === 'boolean';

/** Numbers arrive as typed arrays (views into the message: copied) or plain arrays (passed on). */
const asNumberArray: Converter = (raw) => {
  if (isNumericTypedArray(raw)) return Array.from(raw);
  return isArrayOf(raw, isNumber) ? raw : undefined;
};
const asBooleanArray: Converter = (raw) => (isArrayOf(raw, isBoolean) ? raw : undefined);
// Sparkplug's StringArray has no null element; a null OPC UA string reads as ''.
const asStringArray: Converter = (raw) => (Array.isArray(raw) ? raw.map((e: unknown) => (typeof e === 'string' ? e : '')) : undefined);
const asDateTimeArray: Converter = (raw) => {
  if (!Array.isArray(raw)) return undefined;
  const out: number[] = [];
  for (const e of raw) {
    if (!(e instanceof Date)) return undefined;
    out.push(Math.max(0, e.getTime()));
  }
  return out;
};
function int64Array(signed: boolean): Converter {
  return (raw) => {
    if (!Array.isArray(raw)) return undefined;
    const out: Int64[] = [];
    for (const e of raw) {
      const v = int64FromPair(e, signed);
      if (v === undefined) return undefined;
      out.push(v);
    }
    return out;
  };
}

/** Chosen once per metric, so a notification costs one call and no lookup. */
export function converterFor(shape: VariableShape): Converter {
  const { builtin, array } = shape;
  switch (builtin) {
    case DataType.Boolean:
      return array ? asBooleanArray : asBoolean;
    case DataType.Int64:
      return array ? int64Array(true) : asInt64;
    case DataType.UInt64:
      return array ? int64Array(false) : asUInt64;
    case DataType.String:
      return array ? asStringArray : asString;
    case DataType.DateTime:
      return array ? asDateTimeArray : dateMs;
    case DataType.ByteString:
      return asBytes;
    case DataType.Guid:
      return asString;
    case DataType.LocalizedText:
      return asText;
    default:
      // SByte … UInt32, Float, Double (shapeOf admits nothing else).
      return array ? asNumberArray : asNumber;
  }
}
