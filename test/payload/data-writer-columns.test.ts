/**
 * DataWriter.columns (the edge's hot loop) against encodePayload: plain numbers of every numeric
 * datatype and plain booleans, at their edge values, give the same bytes as encodePayload; values
 * that do not fit their datatype are left to metric(), which refuses them as encodePayload does;
 * and both decoders read the output.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SparkplugEncodeError } from '../../src/errors.js';
import { DataWriter, PLAIN_BOOLEAN, PLAIN_NUMBER, type ValueRows } from '../../src/payload/data-writer.js';
import { type BasicTypeName, dataTypeNumber, decodePayload, type MetricTypeName, type MetricValue } from '../../src/payload/index.js';
import { basicValue } from './arbitrary.js';
import { toHex as hex } from './hex.js';
import { normalise, tahu } from './tahu.js';
import { BAD, GOOD, type Input, TS, viaEncode } from './writer-inputs.js';

/** A `ValueRows.kinds` of neither plain kind (the edge's rows of other values and of invalidated ones). */
const OTHER_KIND = 2;

/** The rows the edge's scan would give for `inputs` (metric k is `inputs[k]`), in reverse column order. */
function rowsOf(inputs: readonly Input[]): { columns: { aliases: Float64Array; types: Uint8Array }; rows: ValueRows; ordered: Input[] } {
  const columns = {
    aliases: Float64Array.from(inputs, (m) => m.alias ?? -1),
    types: Uint8Array.from(inputs, (m) => dataTypeNumber(m.type) ?? 0),
  };
  const indices = Int32Array.from(inputs, (_, i) => inputs.length - 1 - i);
  const ordered = Array.from(indices, (k) => inputs[k] as Input);
  // A value with a Quality is no plain value: columns() must leave it to metric().
  const plain = (m: Input): boolean => m.properties === undefined;
  const rows: ValueRows = {
    indices,
    timestamps: Float64Array.from(ordered, (m) => m.timestamp),
    kinds: Uint8Array.from(ordered, (m) => (!plain(m) ? OTHER_KIND : typeof m.value === 'number' ? PLAIN_NUMBER : typeof m.value === 'boolean' ? PLAIN_BOOLEAN : OTHER_KIND)),
    numbers: Float64Array.from(ordered, (m) => (typeof m.value === 'number' ? m.value : m.value === true ? 1 : 0)),
  };
  return { columns, rows, ordered };
}

/** The edge's loop (encodeChanges): columns() for the common shape, metric() where it stops. Also counts the metric() calls. */
function viaColumns(dw: DataWriter, inputs: readonly Input[], seq: number): { bytes: Uint8Array; ordered: Input[]; slow: number } {
  const { columns, rows, ordered } = rowsOf(inputs);
  let slow = 0;
  dw.begin(TS);
  let i = dw.columns(columns, rows, 0, ordered.length);
  while (i < ordered.length) {
    const m = ordered[i] as Input;
    slow++;
    dw.metric(m.alias, m.name, m.timestamp, dataTypeNumber(m.type) ?? 0, m.value, undefined, m.properties);
    i = dw.columns(columns, rows, i + 1, ordered.length);
  }
  return { bytes: dw.finish(seq), ordered, slow };
}

/** Edge values of each datatype columns() writes, as plain numbers and booleans. */
const EDGES: [MetricTypeName, MetricValue[]][] = [
  ['Int8', [-128, 127, -1, 0, -0]],
  ['Int16', [-32768, 32767, -300, 128]],
  ['Int32', [-2147483648, 2147483647, -1, 127, 128]],
  ['UInt8', [0, 127, 128, 255]],
  ['UInt16', [65535, 300]],
  ['UInt32', [4294967295, 2147483648, 2147483647, 0, -0]],
  ['Int64', [Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, -1, 0, -0, 2 ** 32, -(2 ** 32), 2 ** 31, -(2 ** 31), 2 ** 49 + 1]],
  ['UInt64', [Number.MAX_SAFE_INTEGER, 0, 300, 2 ** 32]],
  ['DateTime', [TS, 0, -1, Number.MAX_SAFE_INTEGER]],
  ['Float', [3.14, -0, NaN, Infinity, -Infinity, 1e40, -1e-50, 16777217, Math.fround(0.1), 2 ** -149]],
  ['Double', [-0, NaN, Infinity, -Infinity, 5e-324, Number.MAX_VALUE, -1.2345e300]],
  ['Boolean', [true, false]],
];

describe('DataWriter.columns writes what encodePayload writes', () => {
  for (const [type, values] of EDGES) {
    test(`${type}: ${values.map((v) => (Object.is(v, -0) ? '-0' : String(v))).join(', ')}, aliases on both sides of 2^7`, () => {
      // The first metric sets the shared timestamp (metric() writes it); columns() takes all the others.
      const inputs: Input[] = [...values, ...values].map((value, k) => ({ alias: k < values.length ? k : 16383 - k, timestamp: TS, type, value }));
      const dw = new DataWriter();
      const { bytes, ordered, slow } = viaColumns(dw, inputs, 7);
      assert.equal(hex(bytes), hex(viaEncode(TS, 7, ordered, false)));
      assert.equal(slow, 1, 'only the first metric goes through metric()');
    });
  }

  test('every scalar datatype mixed with strings, 64-bit values beyond 2^53, nulls, Quality properties, names and other timestamps', () => {
    const types: BasicTypeName[] = ['Int8', 'Int16', 'Int32', 'Int64', 'UInt8', 'UInt16', 'UInt32', 'UInt64', 'Float', 'Double', 'Boolean', 'String', 'DateTime'];
    const column = fc.constantFrom(...types).chain((type) =>
      fc.record({
        alias: fc.oneof(fc.constant(-1), fc.nat({ max: 300 }), fc.constantFrom(127, 128, 16383, 16384, 2 ** 31, Number.MAX_SAFE_INTEGER)),
        type: fc.constant(type),
        // Float values as a source has them: any double, narrowed by the encoder.
        value: fc.oneof(type === 'Float' ? fc.double() : basicValue(type), basicValue(type), fc.constant(null)),
        timestamp: fc.oneof(fc.constant(TS), fc.constant(TS), fc.constant(TS + 1), fc.constant(2 ** 49 + 3)),
        quality: fc.constantFrom('none', 'none', 'none', 'good', 'bad'),
      }),
    );
    const dw = new DataWriter();
    fc.assert(
      fc.property(fc.array(column, { minLength: 1, maxLength: 40 }), fc.nat({ max: 255 }), (rows, seq) => {
        const inputs: Input[] = rows.map((r) => {
          const value = r.quality === 'bad' ? null : r.value;
          const properties = r.quality === 'bad' ? { properties: BAD } : r.quality === 'good' ? { properties: GOOD } : {};
          return { ...(r.alias < 0 ? { name: 'by name' } : { alias: r.alias }), timestamp: r.timestamp, type: r.type, value, ...properties };
        });
        const { bytes, ordered } = viaColumns(dw, inputs, seq);
        assert.equal(hex(bytes), hex(viaEncode(TS, seq, ordered, false)));
      }),
      { numRuns: 1000 },
    );
  });

  test('columns() writes nothing when datatypes go on the wire: metric() writes them all', () => {
    const dw = new DataWriter(true);
    const columns = { aliases: Float64Array.of(1), types: Uint8Array.of(10) };
    const values: ValueRows = { indices: Int32Array.of(0), timestamps: Float64Array.of(TS), kinds: Uint8Array.of(PLAIN_NUMBER), numbers: Float64Array.of(2.5) };
    dw.begin(TS);
    dw.metric(1, undefined, TS, 10, 2.5);
    assert.equal(dw.columns(columns, values, 0, 1), 0);
    const m: Input[] = [{ alias: 1, timestamp: TS, type: 'Double', value: 2.5 }];
    assert.equal(hex(dw.finish(1)), hex(viaEncode(TS, 1, m, true)));
  });
});

describe('DataWriter.columns leaves values that do not fit to metric()', () => {
  // Each as the second metric, after one columns() may follow; a boolean row of a number type and
  // a number row of a Boolean are kind mismatches.
  const unfit: [MetricTypeName, MetricValue][] = [
    ['UInt8', 300], ['UInt8', -1], ['Int8', 128], ['Int16', -32769], ['Int32', 1.5], ['Int32', 2 ** 31], ['Int32', NaN],
    ['UInt32', 2 ** 32], ['UInt32', -1], ['Int64', 2 ** 53], ['Int64', -(2 ** 53)], ['Int64', Infinity], ['Int64', 0.5],
    ['UInt64', -1], ['UInt64', 1.5], ['DateTime', NaN], ['Boolean', 1], ['Double', true], ['Float', false], ['Int32', true],
  ];
  for (const [type, value] of unfit) {
    test(`${type} ${String(value)}: SparkplugEncodeError from metric(), as from encodePayload`, () => {
      const inputs: Input[] = [
        { alias: 2, timestamp: TS, type, value },
        { alias: 1, timestamp: TS, type: 'Double', value: 1 },
      ];
      const { columns, rows } = rowsOf(inputs);
      const dw = new DataWriter();
      dw.begin(TS);
      dw.metric(1, undefined, TS, dataTypeNumber('Double') ?? 0, 1);
      assert.equal(dw.columns(columns, rows, 1, 2), 1, 'columns() stops at it');
      assert.throws(() => viaColumns(dw, inputs, 1), SparkplugEncodeError);
      assert.throws(() => viaEncode(TS, 1, inputs, false), SparkplugEncodeError);
    });
  }
});

describe('DataWriter.columns output read back', () => {
  const inputs: Input[] = EDGES.flatMap(([type, values]) => values.map((value) => ({ type, value }))).map(({ type, value }, k) => ({ alias: k * 3, timestamp: TS, type, value }));

  test('our decoder, with datatypes resolved from the birth, gets every value back (Float narrowed)', () => {
    const types = new Map(inputs.map((m) => [m.alias, m.type]));
    const { bytes, ordered, slow } = viaColumns(new DataWriter(), inputs, 4);
    assert.equal(slow, 1);
    const p = decodePayload(bytes, { resolveType: (m) => types.get(Number(m.alias)) });
    const expected = ordered.map((m) => {
      const v = m.value;
      // -0 as an integer is 0 on the wire.
      const value = m.type === 'Float' && typeof v === 'number' ? Math.fround(v) : typeof v === 'number' && m.type !== 'Double' && Object.is(v, -0) ? 0 : v;
      return { alias: m.alias, timestamp: TS, type: m.type, value };
    });
    assert.deepEqual(p, { timestamp: TS, seq: 4, metrics: expected });
  });

  test("Tahu's sparkplug-payload reads the same metrics, aliases and timestamps from it as from encodePayload's", () => {
    const { bytes, ordered } = viaColumns(new DataWriter(), inputs, 4);
    const theirs = normalise(tahu.decodePayload(bytes)) as { timestamp: unknown; seq: unknown; metrics: { alias: unknown; timestamp: unknown }[] };
    assert.deepEqual(theirs, normalise(tahu.decodePayload(viaEncode(TS, 4, ordered, false))));
    assert.deepEqual(
      theirs.metrics.map((m) => [m.alias, m.timestamp]),
      ordered.map((m) => [m.alias, TS]),
    );
    assert.equal(theirs.seq, 4);
  });
});
