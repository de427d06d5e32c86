/**
 * DataWriter (the edge node's streaming NDATA/DDATA encoder) against encodePayload: the same
 * bytes for every metric datatype, with and without names and datatypes, for null values and
 * 64-bit extremes; the same validation errors; and Tahu's decoder reads its output.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SparkplugEncodeError } from '../../src/errors.js';
import { DataWriter } from '../../src/payload/data-writer.js';
import { dataTypeNumber, decodePayload, type MetricTypeName, type MetricValue } from '../../src/payload/index.js';
import { metricValue } from './arbitrary.js';
import { BAD, GOOD, type Input, TS, viaEncode } from './writer-inputs.js';
import { toHex as hex } from './hex.js';
import { normalise, tahu } from './tahu.js';

function viaWriter(dw: DataWriter, timestamp: number, seq: number, metrics: readonly Input[]): Uint8Array {
  dw.begin(timestamp);
  for (const m of metrics) dw.metric(m.alias, m.name, m.timestamp, dataTypeNumber(m.type) ?? 0, m.value, undefined, m.properties);
  return dw.finish(seq);
}

/** Metrics with the Quality properties of the edge's invalidated values and of the good values after them. */
const QUALITY: Input[] = [
  { alias: 3, timestamp: TS, type: 'Double', value: null, properties: BAD },
  { alias: 4, timestamp: TS, type: 'Double', value: 2.5, properties: GOOD },
  { alias: 5, timestamp: TS, type: 'Double', value: 3.5 },
  { alias: 200, name: 'Folder/S', timestamp: TS + 1, type: 'String', value: 'ok', properties: GOOD },
  { alias: 6, timestamp: TS, type: 'Int64', value: null, properties: { Quality: { type: 'Int32', value: 500 }, Status: { type: 'String', value: 'UncertainLastUsableValue' } } },
  { alias: 7, timestamp: TS, type: 'Int64', value: -9223372036854775808n, properties: GOOD },
];

const ALL_TYPES: MetricTypeName[] = [
  'Int8', 'Int16', 'Int32', 'Int64', 'UInt8', 'UInt16', 'UInt32', 'UInt64', 'Float', 'Double', 'Boolean', 'String', 'DateTime', 'Text', 'UUID',
  'DataSet', 'Bytes', 'File', 'Template', 'Int8Array', 'Int16Array', 'Int32Array', 'Int64Array', 'UInt8Array', 'UInt16Array', 'UInt32Array',
  'UInt64Array', 'FloatArray', 'DoubleArray', 'BooleanArray', 'StringArray', 'DateTimeArray',
];

/** Edge values of every scalar type, as a source would sample them. */
const SCALARS: [MetricTypeName, MetricValue][] = [
  ['Int8', -128], ['Int8', 127], ['Int16', -32768], ['Int32', -2147483648], ['Int32', 2147483647], ['Int32', 0],
  ['Int64', -9223372036854775808n], ['Int64', 9223372036854775807n], ['Int64', -5], ['Int64', { low: -1, high: 0x7fffffff }],
  ['UInt8', 255], ['UInt16', 65535], ['UInt32', 4294967295], ['UInt64', 18446744073709551615n], ['UInt64', 0],
  ['Float', 3.14], ['Float', -Infinity], ['Double', -1.2345e300], ['Double', NaN], ['Double', -0], ['Boolean', true], ['Boolean', false],
  ['String', 'héllo 😀'], ['String', ''], ['Text', 'x'.repeat(300)], ['UUID', '123e4567-e89b-12d3-a456-426614174000'], ['DateTime', TS],
  ['Bytes', new Uint8Array([1, 2, 3])], ['File', new Uint8Array(0)],
];

describe('DataWriter bytes equal encodePayload', () => {
  for (const withTypes of [false, true]) {
    const dw = new DataWriter(withTypes);
    for (const [type, value] of SCALARS) {
      test(`${type} ${typeof value === 'string' ? value.slice(0, 20) : String(value)}, datatypes ${withTypes ? 'on' : 'off'}`, () => {
        for (const named of [false, true]) {
          const metrics: Input[] = [
            { alias: 7, timestamp: TS, type, value, ...(named ? { name: 'Folder/Metric' } : {}) },
            { alias: 70000, timestamp: TS, type, value: null, ...(named ? { name: 'Null' } : {}) },
            { name: 'only a name', timestamp: TS + 1, type, value },
          ];
          assert.equal(hex(viaWriter(dw, TS, 5, metrics)), hex(viaEncode(TS, 5, metrics, withTypes)));
        }
      });
    }
  }

  test('random metrics of every datatype, names and aliases on and off, any timestamps and seq', () => {
    const input = fc.constantFrom(...ALL_TYPES).chain((type) =>
      fc.record(
        {
          alias: fc.oneof(fc.nat({ max: 300 }), fc.maxSafeNat()),
          name: fc.string({ maxLength: 60 }),
          timestamp: fc.oneof(fc.constant(TS), fc.nat({ max: 1000 }), fc.maxSafeNat()),
          type: fc.constant(type),
          value: fc.oneof({ arbitrary: metricValue(type, 2) as fc.Arbitrary<MetricValue>, weight: 6 }, fc.constant(null)),
        },
        { requiredKeys: ['timestamp', 'type', 'value'], noNullPrototype: true },
      ),
    );
    const dw = new DataWriter();
    const typed = new DataWriter(true);
    fc.assert(
      fc.property(fc.maxSafeNat(), fc.nat({ max: 255 }), fc.array(input, { maxLength: 12 }), (timestamp, seq, metrics) => {
        assert.equal(hex(viaWriter(dw, timestamp, seq, metrics)), hex(viaEncode(timestamp, seq, metrics, false)));
        assert.equal(hex(viaWriter(typed, timestamp, seq, metrics)), hex(viaEncode(timestamp, seq, metrics, true)));
      }),
      { numRuns: 500 },
    );
  });

  test('large messages: 2,000 metrics, metrics over 127 bytes, then small ones again', () => {
    const dw = new DataWriter();
    const many: Input[] = Array.from({ length: 2000 }, (_, i) => ({ alias: i + 1, timestamp: TS + (i % 3), type: 'Double', value: i / 7 }));
    assert.equal(hex(viaWriter(dw, TS, 9, many)), hex(viaEncode(TS, 9, many, false)));
    const long: Input[] = [{ name: 'n'.repeat(200), timestamp: TS, type: 'String', value: 'v'.repeat(500) }];
    assert.equal(hex(viaWriter(dw, TS, 10, long)), hex(viaEncode(TS, 10, long, false)));
    const small: Input[] = [{ alias: 1, timestamp: TS, type: 'Int16', value: -2 }];
    assert.equal(hex(viaWriter(dw, TS, 11, small)), hex(viaEncode(TS, 11, small, false)));
  });

  test('Doubles sharing one timestamp, aliases across the 1- and 2-byte varint bounds and beyond, datatypes on and off', () => {
    const aliases = [0, 1, 127, 128, 16383, 16384, 2 ** 31, Number.MAX_SAFE_INTEGER];
    const metrics: Input[] = aliases.flatMap((alias) => [
      { alias, timestamp: TS, type: 'Double', value: alias / 3 },
      { alias, timestamp: TS, type: 'Double', value: null },
      { alias, timestamp: TS, type: 'Float', value: 0.5 },
      { alias, name: 'x', timestamp: TS, type: 'Double', value: -0 },
    ]);
    for (const withTypes of [false, true]) {
      const dw = new DataWriter(withTypes);
      for (let round = 0; round < 2; round++) {
        assert.equal(hex(viaWriter(dw, TS, round, metrics)), hex(viaEncode(TS, round, metrics, withTypes)));
      }
    }
  });

  test('metric() with properties (a null with Quality and Status, values with a Quality), datatypes on and off', () => {
    for (const withTypes of [false, true]) {
      const dw = new DataWriter(withTypes);
      for (let round = 0; round < 2; round++) {
        assert.equal(hex(viaWriter(dw, TS, round, QUALITY)), hex(viaEncode(TS, round, QUALITY, withTypes)));
      }
    }
  });

  test('outputs are independent copies: a later message does not change an earlier one', () => {
    const dw = new DataWriter();
    const a = viaWriter(dw, TS, 1, [{ alias: 1, timestamp: TS, type: 'Double', value: 1 }]);
    const before = hex(a);
    viaWriter(dw, TS, 2, [{ alias: 2, timestamp: TS + 5, type: 'Double', value: 2 }]);
    assert.equal(hex(a), before);
  });
});

describe('DataWriter validation', () => {
  const bad: [string, Input][] = [
    ['Int8 out of range', { alias: 1, timestamp: TS, type: 'Int8', value: 128 }],
    ['UInt64 negative', { alias: 1, timestamp: TS, type: 'UInt64', value: -1n }],
    ['Double given a string', { alias: 1, timestamp: TS, type: 'Double', value: '1.5' }],
    ['Boolean given a number', { alias: 1, timestamp: TS, type: 'Boolean', value: 1 }],
    ['String given a number', { alias: 1, timestamp: TS, type: 'String', value: 1 }],
    ['Bytes given an array', { alias: 1, timestamp: TS, type: 'Bytes', value: [1] }],
    ['fractional timestamp', { alias: 1, timestamp: 1.5, type: 'Double', value: 1 }],
    ['negative timestamp', { alias: 1, timestamp: -1, type: 'Double', value: 1 }],
    ['negative alias', { alias: -1, timestamp: TS, type: 'Double', value: 1 }],
  ];
  for (const [what, m] of bad) {
    test(`${what}: SparkplugEncodeError, as encodePayload`, () => {
      assert.throws(() => viaEncode(TS, 1, [m], false), SparkplugEncodeError);
      assert.throws(() => viaWriter(new DataWriter(), TS, 1, [m]), SparkplugEncodeError);
    });
  }

  test('a datatype that is no metric datatype is refused, with or without a value', () => {
    for (const value of [1, null]) {
      const dw = new DataWriter();
      dw.begin(TS);
      assert.throws(() => dw.metric(1, undefined, TS, dataTypeNumber('PropertySet') ?? 0, value), SparkplugEncodeError);
      assert.throws(() => dw.metric(1, undefined, TS, 0, value), SparkplugEncodeError);
    }
  });

  test('after a failed metric, the next begin() starts a clean payload', () => {
    const dw = new DataWriter();
    dw.begin(TS);
    dw.metric(1, undefined, TS, dataTypeNumber('Double') ?? 0, 1);
    assert.throws(() => dw.metric(2, undefined, TS, dataTypeNumber('Int8') ?? 0, 1000), SparkplugEncodeError);
    const ok: Input[] = [{ alias: 3, timestamp: TS, type: 'Int8', value: 1 }];
    assert.equal(hex(viaWriter(dw, TS, 4, ok)), hex(viaEncode(TS, 4, ok, false)));
  });
});

describe('DataWriter output read back', () => {
  test('our decoder, with datatypes resolved from the birth, gets the values back', () => {
    const metrics: Input[] = [
      { alias: 1, timestamp: TS, type: 'Int64', value: -9223372036854775808n },
      { alias: 2, timestamp: TS, type: 'Int16', value: -300 },
      { alias: 3, timestamp: TS, type: 'Double', value: null },
      { alias: 4, name: 'named', timestamp: TS + 1, type: 'String', value: 'ok' },
    ];
    const types = new Map(metrics.map((m) => [m.alias, m.type]));
    const p = decodePayload(viaWriter(new DataWriter(), TS, 3, metrics), { resolveType: (m) => types.get(Number(m.alias)) });
    assert.deepEqual(p, {
      timestamp: TS,
      seq: 3,
      metrics: [
        { alias: 1, timestamp: TS, type: 'Int64', value: -9223372036854775808n },
        { alias: 2, timestamp: TS, type: 'Int16', value: -300 },
        { alias: 3, timestamp: TS, value: null, isNull: true },
        { name: 'named', alias: 4, timestamp: TS + 1, type: 'String', value: 'ok' },
      ],
    });
  });

  test("Tahu's sparkplug-payload and our decoder read Quality and Status properties, on a null and on values", () => {
    const ours = viaWriter(new DataWriter(true), TS, 9, QUALITY);
    assert.deepEqual(normalise(tahu.decodePayload(ours)), { timestamp: TS, seq: 9, metrics: QUALITY });
    // Ours also says is_null.
    assert.deepEqual(decodePayload(ours), { timestamp: TS, seq: 9, metrics: QUALITY.map((m) => (m.value === null ? { ...m, isNull: true } : m)) });
  });

  // Tahu picks the value field by datatype, so it reads values only where the datatype is on the
  // wire; UInt32 is left out (Tahu reads it from long_value, see tahu-interop.test.ts).
  const TAHU: [MetricTypeName, MetricValue, unknown][] = [
    ['Int8', -128, -128], ['Int16', -32768, -32768], ['Int32', -2147483648, -2147483648], ['Int64', -9223372036854775808n, -9223372036854775808n],
    ['Int64', 42, 42], ['UInt8', 255, 255], ['UInt16', 65535, 65535], ['UInt64', 18446744073709551615n, 18446744073709551615n],
    ['Float', 0.5, 0.5], ['Double', -1.25e300, -1.25e300], ['Boolean', false, false], ['String', 'héllo 😀', 'héllo 😀'],
    ['Text', 't', 't'], ['UUID', 'u', 'u'], ['DateTime', TS, TS], ['Bytes', new Uint8Array([9, 8]), new Uint8Array([9, 8])],
  ];
  for (const [type, value, seen] of TAHU) {
    test(`Tahu's sparkplug-payload decodes ${type} ${String(value)}`, () => {
      const metrics: Input[] = [
        { alias: 5, timestamp: TS, type, value },
        { alias: 6, name: 'n', timestamp: TS, type, value: null },
      ];
      const ours = viaWriter(new DataWriter(true), TS, 8, metrics);
      assert.deepEqual(normalise(tahu.decodePayload(ours)), normalise(tahu.decodePayload(viaEncode(TS, 8, metrics, true))));
      assert.deepEqual(normalise(tahu.decodePayload(ours)), {
        timestamp: TS,
        seq: 8,
        metrics: [
          { alias: 5, timestamp: TS, type, value: seen },
          { name: 'n', alias: 6, timestamp: TS, type, value: null },
        ],
      });
    });
  }
});
