/**
 * fast-check generators of canonical payloads: objects that decodePayload(encodePayload(p))
 * returns deep-equal (64-bit values already number-or-bigint, Float values already binary32,
 * nulls as `value: null, isNull: true`, templates with a `metrics` array).
 */
import fc from 'fast-check';
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
  Template,
} from '../../src/payload/index.js';

type A<T> = fc.Arbitrary<T>;

const canon = (b: bigint): Int64 => (b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b);
export const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }).map(canon);
export const i64 = fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }).map(canon);
const smallU64 = fc.oneof(fc.nat({ max: 300 }), u64);
const str = fc.string({ unit: 'binary', maxLength: 12 });

export const BASIC_TYPES: BasicTypeName[] = ['Int8', 'Int16', 'Int32', 'Int64', 'UInt8', 'UInt16', 'UInt32', 'UInt64', 'Float', 'Double', 'Boolean', 'String', 'DateTime', 'Text'];

export function basicValue(type: BasicTypeName | 'UUID'): A<number | Int64 | boolean | string> {
  switch (type) {
    case 'Int8':
      return fc.integer({ min: -128, max: 127 });
    case 'Int16':
      return fc.integer({ min: -32768, max: 32767 });
    case 'Int32':
      return fc.integer({ min: -2147483648, max: 2147483647 });
    case 'UInt8':
      return fc.integer({ min: 0, max: 255 });
    case 'UInt16':
      return fc.integer({ min: 0, max: 65535 });
    case 'UInt32':
      return fc.integer({ min: 0, max: 4294967295 });
    case 'Int64':
    case 'DateTime':
      return i64;
    case 'UInt64':
      return u64;
    case 'Float':
      return fc.float();
    case 'Double':
      return fc.double();
    case 'Boolean':
      return fc.boolean();
    default:
      return str;
  }
}

const ARRAY_ELEMENT: Partial<Record<MetricTypeName, A<unknown>>> = {
  Int8Array: basicValue('Int8'),
  Int16Array: basicValue('Int16'),
  Int32Array: basicValue('Int32'),
  Int64Array: i64,
  UInt8Array: basicValue('UInt8'),
  UInt16Array: basicValue('UInt16'),
  UInt32Array: basicValue('UInt32'),
  UInt64Array: u64,
  FloatArray: fc.float(),
  DoubleArray: fc.double(),
  BooleanArray: fc.boolean(),
  StringArray: str.filter((s) => !s.includes('\0')),
  DateTimeArray: i64,
};

const dataSet: A<DataSet<Int64>> = fc
  .array(fc.tuple(str, fc.constantFrom(...BASIC_TYPES)), { maxLength: 4 })
  .chain((cols) =>
    fc.array(fc.tuple(...cols.map(([, t]) => fc.option(basicValue(t), { nil: null, freq: 5 }))), { maxLength: 3 }).map((rows) => ({
      numOfColumns: cols.length,
      columns: cols.map(([c]) => c),
      types: cols.map(([, t]) => t),
      rows: rows.map((r) => [...r]),
    })),
  );

const metaData: A<MetaData<Int64>> = fc.record(
  { isMultiPart: fc.boolean(), contentType: str, size: smallU64, seq: smallU64, fileName: str, fileType: str, md5: str, description: str },
  { requiredKeys: [], noNullPrototype: true },
);

function propertyValue(depth: number): A<PropertyValue<Int64>> {
  const basic = fc.constantFrom(...BASIC_TYPES).chain((type) =>
    fc.oneof(
      { weight: 5, arbitrary: basicValue(type).map((value): PropertyValue<Int64> => ({ type, value })) },
      { weight: 1, arbitrary: fc.constant<PropertyValue<Int64>>({ type, value: null, isNull: true }) },
    ),
  );
  if (depth <= 0) return basic;
  return fc.oneof(
    { weight: 6, arbitrary: basic },
    { weight: 1, arbitrary: propertySet(depth - 1).map((value): PropertyValue<Int64> => ({ type: 'PropertySet', value })) },
    { weight: 1, arbitrary: fc.array(propertySet(depth - 1), { maxLength: 2 }).map((value): PropertyValue<Int64> => ({ type: 'PropertySetList', value })) },
  );
}

export function propertySet(depth: number): A<PropertySet<Int64>> {
  return fc.dictionary(str, propertyValue(depth), { maxKeys: 3, noNullPrototype: true });
}

function template(depth: number): A<Template<Int64>> {
  return fc.record(
    {
      version: str,
      metrics: fc.array(metric(depth - 1), { maxLength: 3 }),
      parameters: fc.array(
        fc.constantFrom(...BASIC_TYPES).chain((type) =>
          fc.record({ name: str, type: fc.constant(type), value: basicValue(type) }, { requiredKeys: ['name', 'type'], noNullPrototype: true }),
        ),
        { minLength: 1, maxLength: 3 },
      ),
      templateRef: str,
      isDefinition: fc.boolean(),
    },
    { requiredKeys: ['metrics'], noNullPrototype: true },
  ).map((t) => {
    // [tck-id-payloads-template-definition-ref] the encoder refuses a definition with a templateRef
    if (t.isDefinition === true) delete t.templateRef;
    return t;
  });
}

const SIMPLE_TYPES: MetricTypeName[] = [...BASIC_TYPES, 'UUID', 'Bytes', 'File', ...(Object.keys(ARRAY_ELEMENT) as MetricTypeName[])];

export function metricValue(type: MetricTypeName, depth: number): A<MetricValue<Int64>> {
  if (type === 'Bytes' || type === 'File') return fc.uint8Array({ maxLength: 16 });
  if (type === 'DataSet') return dataSet;
  if (type === 'Template') return template(depth);
  const el = ARRAY_ELEMENT[type];
  if (el !== undefined) return fc.array(el, { maxLength: 10 }) as A<MetricValue<Int64>>;
  return basicValue(type as BasicTypeName);
}

export function metric(depth = 2): A<Metric<Int64>> {
  const types = depth > 0 ? [...SIMPLE_TYPES, 'DataSet', 'Template'] as MetricTypeName[] : [...SIMPLE_TYPES, 'DataSet'] as MetricTypeName[];
  return fc.constantFrom(...types).chain((type) =>
    fc
      .record(
        {
          name: str,
          alias: smallU64,
          timestamp: smallU64,
          value: metricValue(type, depth),
          isHistorical: fc.boolean(),
          isTransient: fc.boolean(),
          metadata: metaData,
          properties: propertySet(1),
          isNullCase: fc.nat({ max: 7 }).map((n) => n === 0),
        },
        { requiredKeys: ['value', 'isNullCase'], noNullPrototype: true },
      )
      .map(({ isNullCase, value, ...rest }): Metric<Int64> => {
        const m: Metric<Int64> = { ...rest, type };
        if (isNullCase) Object.assign(m, { value: null, isNull: true });
        else m.value = value;
        return m;
      }),
  );
}

export const payload: A<Payload<Int64>> = fc.record(
  { timestamp: u64, metrics: fc.array(metric(), { maxLength: 4 }), seq: smallU64, uuid: str, body: fc.uint8Array({ maxLength: 8 }) },
  { requiredKeys: ['metrics'], noNullPrototype: true },
);
