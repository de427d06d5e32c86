/** Round trips of every datatype, with extremes, plus property-based round trips. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { dataTypeName, dataTypeNumber, DataType, decodePayload, encodePayload, type Int64, type Metric, type Payload } from '../../src/payload/index.js';
import { payload } from './arbitrary.js';

const TS = 1700000000000;

function roundTrip(m: Metric<Int64>): void {
  const p: Payload<Int64> = { timestamp: TS, metrics: [m], seq: 0 };
  assert.deepEqual(decodePayload(encodePayload(p)), p);
}

describe('round trip of every datatype', () => {
  const cases: [string, Metric<Int64>][] = [
    ['Int8 -128', { name: 'a', type: 'Int8', value: -128 }],
    ['Int8 127', { name: 'a', type: 'Int8', value: 127 }],
    ['Int16 -32768', { name: 'a', type: 'Int16', value: -32768 }],
    ['Int32 -2147483648', { name: 'a', type: 'Int32', value: -2147483648 }],
    ['Int32 2147483647', { name: 'a', type: 'Int32', value: 2147483647 }],
    ['Int64 min (bigint)', { name: 'a', type: 'Int64', value: -9223372036854775808n }],
    ['Int64 max (bigint)', { name: 'a', type: 'Int64', value: 9223372036854775807n }],
    ['Int64 -1', { name: 'a', type: 'Int64', value: -1 }],
    ['Int64 -(2^53-1) stays a number', { name: 'a', type: 'Int64', value: -Number.MAX_SAFE_INTEGER }],
    ['Int64 -(2^53) becomes a bigint', { name: 'a', type: 'Int64', value: -(2n ** 53n) }],
    ['UInt8 255', { name: 'a', type: 'UInt8', value: 255 }],
    ['UInt16 65535', { name: 'a', type: 'UInt16', value: 65535 }],
    ['UInt32 4294967295', { name: 'a', type: 'UInt32', value: 4294967295 }],
    ['UInt64 max', { name: 'a', type: 'UInt64', value: 18446744073709551615n }],
    ['UInt64 2^53-1 stays a number', { name: 'a', type: 'UInt64', value: Number.MAX_SAFE_INTEGER }],
    ['UInt64 2^53 becomes a bigint', { name: 'a', type: 'UInt64', value: 2n ** 53n }],
    ['Float NaN', { name: 'a', type: 'Float', value: NaN }],
    ['Float +Infinity', { name: 'a', type: 'Float', value: Infinity }],
    ['Float -Infinity', { name: 'a', type: 'Float', value: -Infinity }],
    ['Float -0', { name: 'a', type: 'Float', value: -0 }],
    ['Double NaN', { name: 'a', type: 'Double', value: NaN }],
    ['Double max', { name: 'a', type: 'Double', value: Number.MAX_VALUE }],
    ['Double min subnormal', { name: 'a', type: 'Double', value: Number.MIN_VALUE }],
    ['Boolean false', { name: 'a', type: 'Boolean', value: false }],
    ['String unicode with 4-byte emoji', { name: 'ü/名前/😀', type: 'String', value: 'héllo wörld 😀 名前 \u0000 end' }],
    ['String long (TextEncoder path)', { name: 'a', type: 'String', value: 'x😀'.repeat(500) }],
    ['String empty', { name: '', type: 'String', value: '' }],
    ['Text', { name: 'a', type: 'Text', value: 'multi\nline' }],
    ['UUID', { name: 'a', type: 'UUID', value: '123e4567-e89b-12d3-a456-426614174000' }],
    ['DateTime', { name: 'a', type: 'DateTime', value: TS }],
    ['DateTime before 1970 (signed)', { name: 'a', type: 'DateTime', value: -86400000 }],
    ['Bytes', { name: 'a', type: 'Bytes', value: new Uint8Array([0, 1, 255]) }],
    ['Bytes empty', { name: 'a', type: 'Bytes', value: new Uint8Array(0) }],
    ['Bytes 300 (two-byte length)', { name: 'a', type: 'Bytes', value: new Uint8Array(300).fill(7) }],
    ['File with MetaData', { name: 'a', type: 'File', value: new Uint8Array([1, 2]), metadata: { isMultiPart: false, contentType: 'text/plain', size: 2, seq: 0, fileName: 'a.txt', fileType: 'txt', md5: 'x', description: 'd' } }],
    ['MetaData size UInt64 max', { name: 'a', type: 'Bytes', value: new Uint8Array(1), metadata: { size: 18446744073709551615n } }],
    ['is_null [tck-id-payloads-metric-datatype-value] no value field', { name: 'a', type: 'Double', value: null, isNull: true }],
    ['isHistorical/isTransient false', { name: 'a', type: 'Int32', value: 1, isHistorical: false, isTransient: false }],
    ['isHistorical/isTransient true', { name: 'a', type: 'Int32', value: 1, isHistorical: true, isTransient: true }],
    ['alias/timestamp UInt64 max', { alias: 18446744073709551615n, timestamp: 18446744073709551615n, type: 'Int32', value: 1 }],
    ['Int8Array extremes', { name: 'a', type: 'Int8Array', value: [-128, 0, 127] }],
    ['Int16Array extremes', { name: 'a', type: 'Int16Array', value: [-32768, 32767] }],
    ['Int32Array extremes', { name: 'a', type: 'Int32Array', value: [-2147483648, 2147483647] }],
    ['Int64Array extremes', { name: 'a', type: 'Int64Array', value: [-9223372036854775808n, -1, 0, 9223372036854775807n] }],
    ['UInt8Array', { name: 'a', type: 'UInt8Array', value: [0, 255] }],
    ['UInt16Array', { name: 'a', type: 'UInt16Array', value: [0, 65535] }],
    ['UInt32Array', { name: 'a', type: 'UInt32Array', value: [0, 4294967295] }],
    ['UInt64Array extremes', { name: 'a', type: 'UInt64Array', value: [0, Number.MAX_SAFE_INTEGER, 18446744073709551615n] }],
    ['FloatArray specials', { name: 'a', type: 'FloatArray', value: [NaN, Infinity, -Infinity, -0, Math.fround(0.1)] }],
    ['DoubleArray specials', { name: 'a', type: 'DoubleArray', value: [NaN, Infinity, -Infinity, 0.1] }],
    ['BooleanArray 9 elements', { name: 'a', type: 'BooleanArray', value: [true, false, true, true, true, true, true, true, true] }],
    ['BooleanArray 8 elements', { name: 'a', type: 'BooleanArray', value: [true, false, false, false, false, false, false, true] }],
    ['StringArray unicode', { name: 'a', type: 'StringArray', value: ['', 'ü', '😀', 'abc'] }],
    ['DateTimeArray', { name: 'a', type: 'DateTimeArray', value: [0, TS, -1] }],
    ...(['Int8Array', 'Int64Array', 'UInt64Array', 'FloatArray', 'DoubleArray', 'BooleanArray', 'StringArray', 'DateTimeArray'] as const).map(
      (type): [string, Metric<Int64>] => [`${type} empty`, { name: 'a', type, value: [] }],
    ),
    [
      'DataSet with every basic type and nulls',
      {
        name: 'ds',
        type: 'DataSet',
        value: {
          numOfColumns: 14,
          columns: ['i8', 'i16', 'i32', 'i64', 'u8', 'u16', 'u32', 'u64', 'f', 'd', 'b', 's', 'dt', 't'],
          types: ['Int8', 'Int16', 'Int32', 'Int64', 'UInt8', 'UInt16', 'UInt32', 'UInt64', 'Float', 'Double', 'Boolean', 'String', 'DateTime', 'Text'],
          rows: [
            [-128, -32768, -2147483648, -9223372036854775808n, 255, 65535, 4294967295, 18446744073709551615n, Math.fround(1.1), 2.2, true, 's', TS, 't'],
            [null, null, null, null, null, null, null, null, null, null, null, null, null, null],
            [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, false, '', 0, ''],
          ],
        },
      },
    ],
    ['DataSet empty', { name: 'ds', type: 'DataSet', value: { numOfColumns: 0, columns: [], types: [], rows: [] } }],
    [
      'Template definition with parameters [tck-id-payloads-template-definition-is-definition]',
      {
        name: 'Motor',
        type: 'Template',
        value: {
          version: 'v1',
          isDefinition: true,
          metrics: [
            { name: 'rpm', type: 'Int32', value: 0 },
            { name: 'sub', type: 'Template', value: { templateRef: 'Bearing', isDefinition: false, metrics: [{ name: 't', type: 'Double', value: 1.5 }] } },
          ],
          parameters: [
            { name: 'p1', type: 'Int8', value: -1 },
            { name: 'p2', type: 'UInt64', value: 18446744073709551615n },
            { name: 'p3', type: 'String', value: 'x' },
            { name: 'p4', type: 'Boolean' },
          ],
        },
      },
    ],
    ['Template instance [tck-id-payloads-template-instance-is-definition] is_definition false explicit', { name: 'm1', type: 'Template', value: { templateRef: 'Motor', isDefinition: false, metrics: [] } }],
    [
      'PropertySet and PropertySetList nested',
      {
        name: 'p',
        type: 'Int32',
        value: 1,
        properties: {
          engUnit: { type: 'String', value: 'rpm' },
          min: { type: 'Double', value: -1.5 },
          q: { type: 'Int32', value: 192 },
          big: { type: 'UInt64', value: 18446744073709551615n },
          none: { type: 'Int64', value: null, isNull: true },
          nested: { type: 'PropertySet', value: { inner: { type: 'Boolean', value: false }, deeper: { type: 'PropertySet', value: { x: { type: 'Int8', value: -8 } } } } },
          list: { type: 'PropertySetList', value: [{ a: { type: 'Text', value: 'a' } }, {}, { b: { type: 'DateTime', value: TS } }] },
          ['__proto__']: { type: 'String', value: 'an own key, not the prototype' },
        },
      },
    ],
  ];
  for (const [name, m] of cases) test(name, () => roundTrip(m));

  test('metric without a value and without a type (name only)', () => roundTrip({ name: 'x' }));

  test('seq and timestamp as bigint/Long-like inputs decode to numbers', () => {
    const p = decodePayload(encodePayload({ timestamp: BigInt(TS), seq: { low: 5, high: 0, unsigned: true }, metrics: [] }));
    assert.deepEqual(p, { timestamp: TS, seq: 5, metrics: [] });
  });

  test('Long-like Int64 input: signed -1 and unsigned UInt64 max', () => {
    const p = decodePayload(
      encodePayload({
        metrics: [
          { type: 'Int64', value: { low: -1, high: -1 } },
          { type: 'UInt64', value: { low: -1, high: -1, unsigned: true } },
        ],
      }),
    );
    assert.deepEqual(p.metrics?.map((m) => m.value), [-1, 18446744073709551615n]);
  });

  // Small outputs may share an ArrayBuffer (a pool, like Node's Buffer pool), so the property
  // that matters is not `a.buffer !== b.buffer` but that outputs never share bytes: a caller
  // may keep or modify one without affecting any other. Sizes cover the on-heap (≤ 64 bytes),
  // pooled (≤ 1 KiB, ≤ 64 KiB, ≤ 256 KiB) and own-buffer paths.
  for (const count of [1, 10, 200, 5000, 10000, 40000]) {
    test(`encode outputs never share bytes (callers may keep them), ${count} metrics`, () => {
      const make = (v: number): Payload => ({ metrics: Array.from({ length: count }, (_, i) => ({ name: `m${i}`, type: 'Int32', value: v })) });
      const a = encodePayload(make(1));
      const aCopy = Uint8Array.from(a);
      const b = encodePayload(make(2));
      const bCopy = Uint8Array.from(b);
      assert.deepEqual(a, aCopy, 'a later encode does not write into an earlier output');
      if (a.buffer === b.buffer) {
        const disjoint = a.byteOffset + a.byteLength <= b.byteOffset || b.byteOffset + b.byteLength <= a.byteOffset;
        assert.ok(disjoint, 'outputs in one buffer must not overlap');
      }
      a.fill(0xff);
      assert.deepEqual(b, bCopy, 'writing into one output leaves the other unchanged');
      b.fill(0xee);
      const c = encodePayload(make(3));
      assert.ok(b.every((x) => x === 0xee), 'a later encode does not write into a modified output');
      assert.equal(decodePayload(c).metrics?.[0]?.value, 3);
      assert.equal(decodePayload(bCopy).metrics?.length, count);
    });
  }

  test('dataTypeName / dataTypeNumber cover the enum', () => {
    for (const [name, n] of Object.entries(DataType)) {
      if (n === 0) continue;
      assert.equal(dataTypeName(n), name);
      assert.equal(dataTypeNumber(name), n);
    }
    assert.equal(dataTypeName(0), undefined);
    assert.equal(dataTypeName(35), undefined);
    assert.equal(dataTypeNumber('int32'), undefined);
  });

  test('omitMetricTypes + resolveType: Int64Array without datatype on the wire', () => {
    const bytes = encodePayload({ metrics: [{ alias: 3, type: 'Int64Array', value: [-1, 2n ** 60n] }] }, { omitMetricTypes: true });
    assert.deepEqual(decodePayload(bytes).metrics?.[0]?.value, new Uint8Array(16).fill(255, 0, 8).fill(0x10, 15));
    const typed = decodePayload(bytes, { resolveType: (m) => (m.alias === 3 ? 'Int64Array' : undefined) });
    assert.deepEqual(typed.metrics?.[0], { alias: 3, type: 'Int64Array', value: [-1, 2n ** 60n] });
  });
});

describe('property-based round trip', () => {
  test('arbitrary valid payloads decode to what was encoded', () => {
    fc.assert(
      fc.property(payload, (p) => {
        assert.deepEqual(decodePayload(encodePayload(p)), p);
      }),
      { numRuns: 300 },
    );
  });
});
