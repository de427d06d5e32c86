/**
 * The fast paths added for the codec workloads of issue #17 give the results of the general
 * paths: one-field property values of every scalar type (decode), property keys and string
 * values from the name cache (encode), the payload timestamp read into a number, strings of
 * small payloads looked up through the scratch copy, array loops, and the shared Reader.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decodePayload, encodePayload, type BasicTypeName, type Metric, type Payload, type PropertySet, type ScalarValue } from '../../src/payload/index.js';

/** Edge values of every scalar property type. */
const EDGES: [BasicTypeName, ScalarValue<bigint | number>[]][] = [
  ['Int8', [-128, -1, 0, 127]],
  ['Int16', [-32768, -129, 128, 32767]],
  ['Int32', [-2147483648, -1, 0, 127, 128, 2147483647]],
  ['UInt8', [0, 255]],
  ['UInt16', [0, 65535]],
  ['UInt32', [0, 127, 128, 4294967295]],
  ['Int64', [-(2n ** 63n), -(2n ** 53n), -9007199254740991, -1, 0, 9007199254740991, 2n ** 53n, 2n ** 63n - 1n]],
  ['UInt64', [0, 9007199254740991, 2n ** 53n, 2n ** 64n - 1n]],
  ['DateTime', [0, 1700000000000, -1]],
  ['Float', [0, -0, 1.5, -3.25, Infinity, -Infinity, NaN]],
  ['Double', [0, -0, Math.PI, -1e308, Number.MIN_VALUE, Infinity, NaN]],
  ['Boolean', [false, true]],
  ['String', ['', 'degC', 'é ✓ 😀', 'x'.repeat(127), 'y'.repeat(128), 'z'.repeat(300)]],
  ['Text', ['', 'a description']],
];

/** The bytes with an unknown varint field (number 15) appended inside every PropertyValue of metric 0's set. */
function withUnknownField(bytes: Uint8Array, keys: number): Uint8Array {
  // Re-encode by hand: parse the one metric's properties field and rebuild each value with 0x78 0x01 appended.
  const out: number[] = [];
  const metricStart = 2; // 0x12 <len> (the payloads below have one metric < 128 bytes)
  assert.equal(bytes[0], 0x12);
  let i = metricStart;
  const end = metricStart + (bytes[1] ?? 0);
  const body: number[] = [];
  while (i < end) {
    const tag = bytes[i] ?? 0;
    if (tag !== 0x4a) {
      body.push(tag);
      i++;
      continue;
    }
    const len = bytes[i + 1] ?? 0;
    const set: number[] = [];
    let j = i + 2;
    const setEnd = j + len;
    let values = 0;
    while (j < setEnd) {
      const t = bytes[j] ?? 0;
      const l = bytes[j + 1] ?? 0;
      const content = [...bytes.subarray(j + 2, j + 2 + l)];
      if (t === 0x12) {
        content.push(0x78, 0x01);
        values++;
      }
      set.push(t, content.length, ...content);
      j += 2 + l;
    }
    assert.equal(values, keys);
    body.push(0x4a, set.length, ...set);
    i = setEnd;
  }
  out.push(0x12, body.length, ...body);
  return new Uint8Array(out);
}

describe('codec fast paths (issue #17)', () => {
  test('one-field property values of every scalar type decode like the general path, edge values included', () => {
    for (const [type, values] of EDGES) {
      for (const value of values) {
        const properties: PropertySet = { p: { type, value } };
        const bytes = encodePayload({ metrics: [{ name: 'm', type: 'Int32', value: 1, properties }] });
        const fast = decodePayload(bytes).metrics?.[0]?.properties;
        const expected = bytes.length < 120 ? withUnknownField(bytes, 1) : undefined;
        if (type === 'Float' && typeof value === 'number') assert.deepEqual(fast, { p: { type, value: Math.fround(value) } });
        else assert.deepEqual(fast, { p: { type, value } }, `${type} ${String(value)}`);
        if (expected !== undefined) assert.deepEqual(decodePayload(expected).metrics?.[0]?.properties, fast, `${type} ${String(value)} general path`);
      }
    }
  });

  test('an int_value wider than 32 bits is truncated to its low 32 bits, as the general path does', () => {
    // PropertyValue { type: Int32 (3), int_value: varint 2^32 + 5 } inside metric "m".
    const value = [0x08, 3, 0x18, 0x85, 0x80, 0x80, 0x80, 0x10];
    const props = [0x0a, 1, 0x70, 0x12, value.length, ...value];
    const metric = [0x0a, 1, 0x6d, 0x20, 3, 0x50, 1, 0x4a, props.length, ...props];
    const bytes = new Uint8Array([0x12, metric.length, ...metric]);
    assert.deepEqual(decodePayload(bytes).metrics?.[0]?.properties, { p: { type: 'Int32', value: 5 } });
    assert.deepEqual(decodePayload(withUnknownField(bytes, 1)).metrics?.[0]?.properties, { p: { type: 'Int32', value: 5 } });
  });

  test('property sets encode the same whatever the key order and values of the set before', () => {
    const sets: PropertySet[] = [
      { engUnit: { type: 'String', value: 'degC' }, engLow: { type: 'Double', value: -1 } },
      { engUnit: { type: 'String', value: 'bar' }, engLow: { type: 'Double', value: 2 } },
      { engLow: { type: 'Double', value: 3 }, engUnit: { type: 'String', value: 'bar' } },
      { engLow: { type: 'Double', value: 3 } },
      { engLow: { type: 'Double', value: 3 }, engUnit: { type: 'String', value: 'bar' }, x: { type: 'Int8', value: -1 } },
      {},
      { ['k'.repeat(200)]: { type: 'Boolean', value: true }, é: { type: 'Text', value: '✓'.repeat(50) } },
    ];
    const payload: Payload = { metrics: sets.map((properties, i): Metric => ({ name: `m${i}`, type: 'Int32', value: i, properties })) };
    const once = encodePayload(payload);
    for (const [i, properties] of sets.entries()) {
      // Encoded alone (no set before it) and after the others: the same bytes, and it round-trips.
      const alone = encodePayload({ metrics: [{ name: `m${i}`, type: 'Int32', value: i, properties }] });
      assert.deepEqual(decodePayload(alone).metrics?.[0]?.properties, properties);
    }
    assert.deepEqual(encodePayload(payload), once);
    assert.deepEqual(decodePayload(once), payload);
  });

  test('payload timestamps of every varint length, and the payload shapes', () => {
    for (const timestamp of [0, 1, 127, 128, 16383, 16384, 2 ** 32, 1700000000000, 2 ** 53 - 1, 2n ** 53n, 2n ** 64n - 1n]) {
      for (const extra of [{}, { seq: 0 }, { seq: 255, uuid: 'u' }, { body: new Uint8Array([1, 2]) }]) {
        const p: Payload = { timestamp, metrics: [], ...extra };
        const d = decodePayload(encodePayload(p));
        assert.deepEqual(d, p);
        assert.deepEqual(Object.keys(d), Object.keys(p).sort((a, b) => ['timestamp', 'metrics', 'seq', 'uuid', 'body'].indexOf(a) - ['timestamp', 'metrics', 'seq', 'uuid', 'body'].indexOf(b)));
      }
    }
    assert.deepEqual(decodePayload(encodePayload({ metrics: [] })), { metrics: [] });
  });

  test('names of small payloads (scratch copy) and large ones decode alike, also from a view with an offset', () => {
    const names = ['', 'a', 'abc', 'abcd', 'Node Control/Rebirth', 'é', 'x'.repeat(63), 'x'.repeat(64), 'x'.repeat(65), 'Ünïcödé name'];
    for (const name of names) {
      const small = encodePayload({ metrics: [{ name, type: 'String', value: name }] });
      const big = encodePayload({ metrics: [{ name, type: 'String', value: name }, { name: 'pad', type: 'String', value: 'p'.repeat(300) }] });
      for (const bytes of [small, big]) {
        const shifted = new Uint8Array(bytes.length + 3);
        shifted.set(bytes, 3);
        for (const input of [bytes, shifted.subarray(3), Buffer.from(bytes)]) {
          const m = decodePayload(input).metrics?.[0];
          assert.equal(m?.name, name);
          assert.equal(m?.value, name);
        }
      }
    }
  });

  test('arrays: 64-bit elements of every sign and size, strings of every kind', () => {
    const longs = [0, 1, 2 ** 32, 2 ** 53 - 1, -1, -(2 ** 53 - 1), 2n ** 53n, -(2n ** 63n), 2n ** 63n - 1n];
    const metrics: Metric[] = [
      { name: 'i64', type: 'Int64Array', value: longs },
      { name: 'dt', type: 'DateTimeArray', value: [0, 1700000000000, -5] },
      { name: 'u64', type: 'UInt64Array', value: [0, 2 ** 53 - 1, 2n ** 53n, 2n ** 64n - 1n] },
      { name: 's', type: 'StringArray', value: ['', 'a', 'é', 'x'.repeat(70), 'ab\uFEFFc', ''] },
      { name: 'i8', type: 'Int8Array', value: [-128, 127, 0] },
      { name: 'f', type: 'FloatArray', value: [1.5, -0, Infinity] },
    ];
    assert.deepEqual(decodePayload(encodePayload({ metrics })).metrics, metrics);
  });

  test('a decode started from resolveType during another decode gets its own reader', () => {
    const inner = encodePayload({ timestamp: 5, metrics: [{ name: 'inner', type: 'String', value: 'i' }] });
    const outer = encodePayload({ timestamp: 7, metrics: [{ name: 'a', type: 'Int32', value: -1 }, { name: 'b', type: 'Int32', value: 2 }] }, { omitMetricTypes: true });
    const seen: unknown[] = [];
    const d = decodePayload(outer, {
      resolveType: () => {
        seen.push(decodePayload(inner).metrics?.[0]?.value);
        return 'Int32';
      },
    });
    assert.deepEqual(d, { timestamp: 7, metrics: [{ name: 'a', type: 'Int32', value: -1 }, { name: 'b', type: 'Int32', value: 2 }] });
    assert.deepEqual(seen, ['i', 'i']);
  });
});
