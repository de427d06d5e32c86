/** Values that do not fit their declared type are refused, never truncated (SPB_ERR_ENCODE). */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SparkplugEncodeError } from '../../src/errors.js';
import { encodePayload, type Metric, type Payload } from '../../src/payload/index.js';

function assertEncodeError(p: unknown): void {
  assert.throws(
    () => encodePayload(p as Payload),
    (e: unknown) => e instanceof SparkplugEncodeError && e.code === 'SPB_ERR_ENCODE',
  );
}

const metric = (m: unknown): unknown => ({ metrics: [m] });

describe('encode errors', () => {
  const bad: [string, unknown][] = [
    ['300 as UInt8', { type: 'UInt8', value: 300 }],
    ['-1 as UInt16', { type: 'UInt16', value: -1 }],
    ['-1 as UInt32', { type: 'UInt32', value: -1 }],
    ['4294967296 as UInt32', { type: 'UInt32', value: 4294967296 }],
    ['128 as Int8', { type: 'Int8', value: 128 }],
    ['-32769 as Int16', { type: 'Int16', value: -32769 }],
    ['2147483648 as Int32', { type: 'Int32', value: 2147483648 }],
    ['"abc" as Int32', { type: 'Int32', value: 'abc' }],
    ['NaN as Int32', { type: 'Int32', value: NaN }],
    ['Infinity as Int32', { type: 'Int32', value: Infinity }],
    ['1.5 as Int32', { type: 'Int32', value: 1.5 }],
    ['1.5 as Int64', { type: 'Int64', value: 1.5 }],
    ['2^53 as a number Int64 (unsafe)', { type: 'Int64', value: 2 ** 53 }],
    ['2^63 as Int64', { type: 'Int64', value: 2n ** 63n }],
    ['2^64 as UInt64', { type: 'UInt64', value: 2n ** 64n }],
    ['-1n as UInt64', { type: 'UInt64', value: -1n }],
    ['Long-like unsigned 2^63 as Int64', { type: 'Int64', value: { low: 0, high: 0x80000000, unsigned: true } }],
    ['Long-like signed negative as UInt64', { type: 'UInt64', value: { low: -1, high: -1 } }],
    ['Long-like with a fractional half', { type: 'UInt64', value: { low: 0.5, high: 0 } }],
    ['true as Int32', { type: 'Int32', value: true }],
    ['1 as Boolean', { type: 'Boolean', value: 1 }],
    ['"true" as Boolean', { type: 'Boolean', value: 'true' }],
    ['number as String', { type: 'String', value: 5 }],
    ['string as Double', { type: 'Double', value: '1.0' }],
    ['bigint as Float', { type: 'Float', value: 1n }],
    ['array as Bytes', { type: 'Bytes', value: [1, 2] }],
    ['unknown type name', { type: 'Int33', value: 1 }],
    ['lower-case type name', { type: 'int32', value: 1 }],
    ['PropertySet as a metric type', { type: 'PropertySet', value: {} }],
    ['missing type with a value', { name: 'x', value: 1 }],
    ['isNull true with a value', { type: 'Int32', value: 1, isNull: true }],
    ['isNull false with value null', { type: 'Int32', value: null, isNull: false }],
    ['Int8Array element 200', { type: 'Int8Array', value: [1, 200] }],
    ['UInt64Array element -1', { type: 'UInt64Array', value: [-1] }],
    ['BooleanArray element 0', { type: 'BooleanArray', value: [true, 0] }],
    ['StringArray element with NUL', { type: 'StringArray', value: ['a\0b'] }],
    ['FloatArray not an array', { type: 'FloatArray', value: 1.5 }],
    ['metric timestamp negative', { type: 'Int32', value: 1, timestamp: -1 }],
    ['metric alias fractional', { type: 'Int32', value: 1, alias: 1.5 }],
    ['name not a string', { name: 5, type: 'Int32', value: 1 }],
    ['isHistorical not a boolean', { type: 'Int32', value: 1, isHistorical: 1 }],
    [
      '[tck-id-payloads-dataset-types-num] DataSet with fewer types than columns',
      { type: 'DataSet', value: { columns: ['a', 'b'], types: ['Int32'], rows: [] } },
    ],
    [
      '[tck-id-payloads-dataset-column-size] DataSet numOfColumns != columns',
      { type: 'DataSet', value: { numOfColumns: 3, columns: ['a'], types: ['Int32'], rows: [] } },
    ],
    ['DataSet row width != columns', { type: 'DataSet', value: { columns: ['a', 'b'], types: ['Int32', 'Int32'], rows: [[1]] } }],
    ['[tck-id-payloads-dataset-types-def] DataSet column of type Bytes', { type: 'DataSet', value: { columns: ['a'], types: ['Bytes'], rows: [] } }],
    ['DataSet cell out of range', { type: 'DataSet', value: { columns: ['a'], types: ['UInt8'], rows: [[256]] } }],
    ['[tck-id-payloads-template-definition-ref] Template definition with templateRef', { type: 'Template', value: { isDefinition: true, templateRef: 'X', metrics: [] } }],
    ['[tck-id-payloads-template-parameter-name-required] parameter without name', { type: 'Template', value: { parameters: [{ type: 'Int32', value: 1 }] } }],
    ['[tck-id-payloads-template-parameter-value-type] parameter of type DataSet', { type: 'Template', value: { parameters: [{ name: 'p', type: 'DataSet' }] } }],
    ['parameter value out of range', { type: 'Template', value: { parameters: [{ name: 'p', type: 'Int8', value: 1000 }] } }],
    ['template member with a bad value', { type: 'Template', value: { metrics: [{ name: 'm', type: 'UInt8', value: -1 }] } }],
    ['[tck-id-payloads-metric-propertyvalue-type-type] property of type Bytes', { type: 'Int32', value: 1, properties: { a: { type: 'Bytes', value: new Uint8Array(1) } } }],
    ['[tck-id-payloads-metric-propertyvalue-type-value] property value not matching its type', { type: 'Int32', value: 1, properties: { a: { type: 'Int32', value: 'x' } } }],
    ['property PropertySetList value not an array', { type: 'Int32', value: 1, properties: { a: { type: 'PropertySetList', value: {} } } }],
    ['property value not an object', { type: 'Int32', value: 1, properties: { a: 5 } }],
  ];
  for (const [name, m] of bad) test(name, () => assertEncodeError(metric(m)));

  test('payload seq negative', () => assertEncodeError({ seq: -1, metrics: [] }));
  test('payload timestamp as a string', () => assertEncodeError({ timestamp: '2024', metrics: [] }));
  test('payload metrics not an array', () => assertEncodeError({ metrics: {} }));
  test('payload body not bytes', () => assertEncodeError({ body: 'x' }));
  test('payload not an object', () => assertEncodeError(null));
  test('unknown compression algorithm', () => {
    assert.throws(
      () => encodePayload({ metrics: [] }, { compress: 'LZ4' as 'GZIP' }),
      (e: unknown) => e instanceof SparkplugEncodeError && e.code === 'SPB_ERR_ENCODE',
    );
  });
  test('templates nested deeper than 32 are refused (no stack overflow)', () => {
    let m: Metric = { name: 'leaf', type: 'Int32', value: 1 };
    for (let i = 0; i < 40; i++) m = { name: `t${i}`, type: 'Template', value: { metrics: [m] } };
    assertEncodeError(metric(m));
  });
  test('a cyclic property set is refused', () => {
    const ps: Record<string, unknown> = {};
    ps['self'] = { type: 'PropertySet', value: ps };
    assertEncodeError(metric({ type: 'Int32', value: 1, properties: ps }));
  });
  test('the shared buffer is usable after an error', () => {
    assertEncodeError(metric({ type: 'UInt8', value: 300 }));
    assert.equal(encodePayload({ seq: 1 }).length, 2);
  });
});
