/**
 * Interoperability with Eclipse Tahu's sparkplug-payload 1.0.3, in both directions.
 *
 * Where Tahu deviates from Sparkplug 3.0 (and what we do about it):
 * - UInt32: Tahu encodes long_value and decodes only long_value. We encode int_value (spec,
 *   TCK 3.0.1) and decode both; so Tahu reads our UInt32 metrics as null (its bug, not ours).
 * - Array types 22..34 do not exist in Tahu 1.0.3 (its type lookup maps them to 0).
 * - DataSet cells and Template parameters: Tahu decodes only Int64, UInt32 (from long_value),
 *   Float, Double, Boolean and String columns/parameters; Int8..UInt16, UInt64, DateTime and
 *   Text throw "Invalid DataSetValue"/"Invalid Parameter value" in its decoder, and it reads
 *   Int64 cells/parameters as unsigned (no sign conversion). Its encoder writes every basic
 *   type correctly, and we decode all of them.
 * - Tahu's decoded templates carry protobufjs defaults (version '', templateRef '',
 *   isDefinition false, parameters []) for fields that were absent on the wire.
 * - Tahu returns 64-bit values as long.js Longs (Int64 signed, UInt64/DateTime unsigned).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decodePayload, encodePayload, type BasicTypeName, type Int64, type Metric, type MetricTypeName } from '../../src/payload/index.js';
import { normalise, tahu } from './tahu.js';

const TS = 1700000000000;

/** [type, value as both sides should see it] for every scalar type Tahu supports. */
const SCALARS: [MetricTypeName, unknown][] = [
  ['Int8', -128],
  ['Int8', 127],
  ['Int16', -32768],
  ['Int32', -2147483648],
  ['Int32', 2147483647],
  ['Int64', -9223372036854775808n],
  ['Int64', 9223372036854775807n],
  ['Int64', -5],
  ['UInt8', 255],
  ['UInt16', 65535],
  ['UInt32', 4294967295],
  ['UInt64', 18446744073709551615n],
  ['UInt64', 0],
  ['Float', Math.fround(3.14)],
  ['Float', Infinity],
  ['Double', -1.2345e300],
  ['Double', NaN],
  ['Boolean', true],
  ['Boolean', false],
  ['String', 'héllo 😀'],
  ['Text', 'text'],
  ['UUID', '123e4567-e89b-12d3-a456-426614174000'],
  ['DateTime', TS],
  ['Bytes', new Uint8Array([1, 2, 3])],
  ['File', new Uint8Array([4, 5])],
];

/** Tahu's encoder takes long.js-compatible numbers; bigints go in as Long-like objects. */
function tahuInput(v: unknown): unknown {
  if (typeof v !== 'bigint') return v;
  const u = BigInt.asUintN(64, v);
  return { low: Number(u & 0xffffffffn) | 0, high: Number(u >> 32n) | 0, unsigned: v >= 0n };
}

describe('Tahu → ours', () => {
  for (const [type, value] of SCALARS) {
    test(`${type} ${String(value)}`, () => {
      const bytes = tahu.encodePayload({ timestamp: TS, seq: 1, metrics: [{ name: 'm', type, value: tahuInput(value), timestamp: TS }] });
      const p = decodePayload(bytes);
      assert.deepEqual(p, { timestamp: TS, seq: 1, metrics: [{ name: 'm', type, value, timestamp: TS }] });
    });
  }

  test('null values, flags, metadata and properties of every kind', () => {
    const bytes = tahu.encodePayload({
      timestamp: TS,
      metrics: [
        {
          name: 'm',
          alias: 9,
          type: 'Int32',
          value: null,
          isHistorical: true,
          isTransient: false,
          metadata: { contentType: 'text/plain', size: 3, seq: 1, fileName: 'f', fileType: 'txt', md5: 'abc', description: 'd', isMultiPart: false },
          properties: {
            engUnit: { type: 'String', value: 'm/s' },
            min: { type: 'Double', value: -1.5 },
            q: { type: 'Int32', value: -7 },
            big: { type: 'Int64', value: tahuInput(-9223372036854775808n) },
            n: { type: 'Boolean', value: null },
            ps: { type: 'PropertySet', value: { a: { type: 'UInt16', value: 7 } } },
            psl: { type: 'PropertySetList', value: [{ b: { type: 'Float', value: 0.5 } }, {}] },
          },
        },
      ],
    });
    const m = decodePayload(bytes).metrics?.[0];
    assert.deepEqual(m, {
      name: 'm',
      alias: 9,
      type: 'Int32',
      value: null,
      isNull: true,
      isHistorical: true,
      isTransient: false,
      metadata: { contentType: 'text/plain', size: 3, seq: 1, fileName: 'f', fileType: 'txt', md5: 'abc', description: 'd', isMultiPart: false },
      properties: {
        engUnit: { type: 'String', value: 'm/s' },
        min: { type: 'Double', value: -1.5 },
        q: { type: 'Int32', value: -7 },
        big: { type: 'Int64', value: -9223372036854775808n },
        n: { type: 'Boolean', value: null, isNull: true },
        ps: { type: 'PropertySet', value: { a: { type: 'UInt16', value: 7 } } },
        psl: { type: 'PropertySetList', value: [{ b: { type: 'Float', value: 0.5 } }, {}] },
      },
    });
  });

  test('DataSet with every basic type (Tahu writes UInt32 cells in long_value)', () => {
    const types: BasicTypeName[] = ['Int8', 'Int16', 'Int32', 'Int64', 'UInt8', 'UInt16', 'UInt32', 'UInt64', 'Float', 'Double', 'Boolean', 'String', 'DateTime', 'Text'];
    const row = [-1, -2, -3, -9223372036854775808n, 255, 65535, 4294967295, 18446744073709551615n, 0.5, 0.25, true, 's', TS, 't'];
    const bytes = tahu.encodePayload({
      metrics: [{ name: 'ds', type: 'DataSet', value: { numOfColumns: 14, columns: types, types, rows: [row.map(tahuInput)] } }],
    });
    assert.deepEqual(decodePayload(bytes).metrics?.[0]?.value, { numOfColumns: 14, columns: types, types, rows: [row] });
  });

  test('Template definition and instance with parameters', () => {
    const bytes = tahu.encodePayload({
      metrics: [
        {
          name: 'T',
          type: 'Template',
          value: {
            isDefinition: true,
            version: 'v1',
            metrics: [{ name: 'a', type: 'Int16', value: -3 }],
            parameters: [
              { name: 'p', type: 'Int32', value: -3 },
              { name: 'q', type: 'UInt32', value: 4000000000 },
              { name: 'r', type: 'String', value: 'x' },
            ],
          },
        },
        { name: 'i', type: 'Template', value: { isDefinition: false, templateRef: 'T', metrics: [{ name: 'a', type: 'Int16', value: 4 }] } },
      ],
    });
    assert.deepEqual(decodePayload(bytes).metrics, [
      {
        name: 'T',
        type: 'Template',
        value: {
          isDefinition: true,
          version: 'v1',
          metrics: [{ name: 'a', type: 'Int16', value: -3 }],
          parameters: [
            { name: 'p', type: 'Int32', value: -3 },
            { name: 'q', type: 'UInt32', value: 4000000000 },
            { name: 'r', type: 'String', value: 'x' },
          ],
        },
      },
      { name: 'i', type: 'Template', value: { isDefinition: false, templateRef: 'T', metrics: [{ name: 'a', type: 'Int16', value: 4 }] } },
    ]);
  });
});

describe('ours → Tahu', () => {
  for (const [type, value] of SCALARS) {
    // Tahu reads UInt32 only from long_value; we follow the spec (int_value): see the header.
    const tahuSees = type === 'UInt32' ? null : value;
    test(`${type} ${String(value)}${type === 'UInt32' ? ' (Tahu deviation: reads null)' : ''}`, () => {
      const bytes = encodePayload({ timestamp: TS, seq: 1, metrics: [{ name: 'm', type, value, timestamp: TS } as Metric] });
      const p = normalise(tahu.decodePayload(bytes));
      assert.deepEqual(p, { timestamp: TS, seq: 1, metrics: [{ name: 'm', type, value: tahuSees, timestamp: TS }] });
    });
  }

  test('properties, metadata, null and flags', () => {
    const m: Metric = {
      name: 'm',
      alias: 3,
      type: 'Double',
      value: null,
      isHistorical: false,
      isTransient: true,
      metadata: { contentType: 'c', size: 10, seq: 2, fileName: 'f', fileType: 't', md5: 'm', description: 'd', isMultiPart: true },
      properties: {
        engUnit: { type: 'String', value: 'rpm' },
        max: { type: 'Double', value: 100 },
        big: { type: 'UInt64', value: 18446744073709551615n },
        nested: { type: 'PropertySet', value: { x: { type: 'Int8', value: -1 } } },
        list: { type: 'PropertySetList', value: [{ y: { type: 'Boolean', value: false } }] },
      },
    };
    const t = normalise(tahu.decodePayload(encodePayload({ metrics: [m] }))) as { metrics: unknown[] };
    assert.deepEqual(t.metrics[0], {
      name: 'm',
      alias: 3,
      type: 'Double',
      value: null,
      isHistorical: false,
      isTransient: true,
      metadata: { contentType: 'c', size: 10, seq: 2, fileName: 'f', fileType: 't', md5: 'm', description: 'd', isMultiPart: true },
      properties: {
        engUnit: { type: 'String', value: 'rpm' },
        max: { type: 'Double', value: 100 },
        big: { type: 'UInt64', value: 18446744073709551615n },
        nested: { type: 'PropertySet', value: { x: { type: 'Int8', value: -1 } } },
        list: { type: 'PropertySetList', value: [{ y: { type: 'Boolean', value: false } }] },
      },
    });
  });

  test('DataSet with the column types Tahu can decode', () => {
    const ds = { numOfColumns: 5, columns: ['a', 'b', 'c', 'd', 'e'], types: ['Int64', 'Float', 'Double', 'Boolean', 'String'] as BasicTypeName[], rows: [[9223372036854775807n, 0.5, 1e300, false, 'x']] };
    // Int64 positive only: Tahu reads DataSet Int64 cells as unsigned (see the header).
    const t = normalise(tahu.decodePayload(encodePayload({ metrics: [{ name: 'ds', type: 'DataSet', value: ds }] }))) as { metrics: { value: unknown }[] };
    assert.deepEqual(t.metrics[0]?.value, ds);
  });

  test('Template instance with nested members and Tahu-readable parameters', () => {
    const tpl = {
      version: 'v2',
      templateRef: 'Motor',
      isDefinition: false,
      metrics: [
        { name: 'rpm', type: 'Int32', value: -100 },
        { name: 'sub', type: 'Template', value: { templateRef: 'Bearing', isDefinition: false, version: '', metrics: [{ name: 'temp', type: 'Float', value: 0.25 }], parameters: [] } },
      ],
      parameters: [
        { name: 'p1', type: 'Double', value: 1.5 },
        { name: 'p2', type: 'Int64', value: 9223372036854775807n }, // positive: Tahu reads it unsigned
        { name: 'p3', type: 'Boolean', value: true },
      ],
    } satisfies Metric<Int64>['value'];
    const t = normalise(tahu.decodePayload(encodePayload({ metrics: [{ name: 'm1', type: 'Template', value: tpl }] }))) as { metrics: { value: unknown }[] };
    assert.deepEqual(t.metrics[0]?.value, tpl);
  });
});
