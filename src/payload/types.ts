/**
 * Public shapes of a Sparkplug B payload. They follow the object shape of Eclipse Tahu's
 * `sparkplug-payload` (metric `type` as a datatype name, properties as a key → value map,
 * DataSet rows as arrays) so that switching from Tahu is an import change.
 *
 * 64-bit integers: encode accepts number, bigint or a long.js-style `{ low, high, unsigned }`
 * object (`L = Int64Input`); decode produces a number when the value is a safe integer and a
 * bigint only beyond ±2^53 (`L = Int64`), so decoded payloads are `Payload<Int64>`.
 */

/** DataType numbers of Sparkplug 3.0 (SPARKPLUG-PROTO.md §3). */
export const DataType = {
  Unknown: 0,
  Int8: 1,
  Int16: 2,
  Int32: 3,
  Int64: 4,
  UInt8: 5,
  UInt16: 6,
  UInt32: 7,
  UInt64: 8,
  Float: 9,
  Double: 10,
  Boolean: 11,
  String: 12,
  DateTime: 13,
  Text: 14,
  UUID: 15,
  DataSet: 16,
  Bytes: 17,
  File: 18,
  Template: 19,
  PropertySet: 20,
  PropertySetList: 21,
  Int8Array: 22,
  Int16Array: 23,
  Int32Array: 24,
  Int64Array: 25,
  UInt8Array: 26,
  UInt16Array: 27,
  UInt32Array: 28,
  UInt64Array: 29,
  FloatArray: 30,
  DoubleArray: 31,
  BooleanArray: 32,
  StringArray: 33,
  DateTimeArray: 34,
} as const;

/** Every named datatype except the `Unknown` placeholder. */
export type DataTypeName = Exclude<keyof typeof DataType, 'Unknown'>;

/** Types a Metric may carry (PropertySet and PropertySetList are property-value-only). */
export type MetricTypeName = Exclude<DataTypeName, 'PropertySet' | 'PropertySetList'>;

/** Basic types 1–14: the only ones allowed in DataSet columns and Template parameters. */
export type BasicTypeName =
  | 'Int8'
  | 'Int16'
  | 'Int32'
  | 'Int64'
  | 'UInt8'
  | 'UInt16'
  | 'UInt32'
  | 'UInt64'
  | 'Float'
  | 'Double'
  | 'Boolean'
  | 'String'
  | 'DateTime'
  | 'Text';

/** Types a PropertyValue may carry. */
export type PropertyTypeName = BasicTypeName | 'PropertySet' | 'PropertySetList';

/** A 64-bit integer as long.js / protobufjs represent it (accepted on input). */
export interface LongLike {
  low: number;
  high: number;
  unsigned?: boolean;
}

/** 64-bit integer as decode returns it: a number when safe, else a bigint. */
export type Int64 = number | bigint;

/** 64-bit integer as encode accepts it. */
export type Int64Input = Int64 | LongLike;

/** A scalar value: integers (any width), floats, booleans and strings. */
export type ScalarValue<L = Int64Input> = number | L | boolean | string;

/** The JavaScript form of an array datatype (Int8Array … DateTimeArray). */
export type ArrayValue<L = Int64Input> = number[] | L[] | boolean[] | string[];

export interface DataSet<L = Int64Input> {
  /** Defaults to `columns.length` on encode. */
  numOfColumns?: L;
  columns: string[];
  types: BasicTypeName[];
  /** One array per row, one cell per column; `null` is an empty cell. */
  rows: (ScalarValue<L> | null)[][];
}

export interface TemplateParameter<L = Int64Input> {
  name: string;
  type: BasicTypeName;
  value?: ScalarValue<L> | null;
}

export interface Template<L = Int64Input> {
  version?: string;
  metrics?: Metric<L>[];
  parameters?: TemplateParameter<L>[];
  /** Name of the definition an instance refers to; absent on definitions. */
  templateRef?: string;
  isDefinition?: boolean;
}

export interface PropertyValue<L = Int64Input> {
  type: PropertyTypeName;
  value?: ScalarValue<L> | PropertySet<L> | PropertySet<L>[] | null;
  isNull?: boolean;
}

/** Keys map to values; encoded as the parallel `keys`/`values` arrays of the wire format. */
export type PropertySet<L = Int64Input> = { [key: string]: PropertyValue<L> };

export interface MetaData<L = Int64Input> {
  isMultiPart?: boolean;
  contentType?: string;
  size?: L;
  seq?: L;
  fileName?: string;
  fileType?: string;
  md5?: string;
  description?: string;
}

export type MetricValue<L = Int64Input> =
  | ScalarValue<L>
  | ArrayValue<L>
  | Uint8Array
  | DataSet<L>
  | Template<L>
  | null;

export interface Metric<L = Int64Input> {
  name?: string;
  alias?: L;
  timestamp?: L;
  /** Required on encode unless the metric is a bare alias/name with no value; present after decode when on the wire. */
  type?: MetricTypeName;
  value?: MetricValue<L>;
  isHistorical?: boolean;
  isTransient?: boolean;
  isNull?: boolean;
  metadata?: MetaData<L>;
  properties?: PropertySet<L>;
}

export interface Payload<L = Int64Input> {
  timestamp?: L;
  metrics?: Metric<L>[];
  seq?: L;
  uuid?: string;
  body?: Uint8Array;
}

/** What `decodePayload` returns: 64-bit values as number (safe) or bigint. */
export type DecodedPayload = Payload<Int64>;
export type DecodedMetric = Metric<Int64>;
