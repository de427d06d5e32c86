/**
 * The decoder's fast paths for births (reused property-key runs, one-field property values,
 * multi-byte aliases, the birth-metric literal, the string cache's entry store) give the same
 * results and errors as the general paths. Payloads are built byte by byte so that the cases
 * next to each fast path (non-canonical lengths, extra fields, duplicate keys) are exact.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SparkplugDecodeError } from '../../src/errors.js';
import { decodePayload, encodePayload, type Metric } from '../../src/payload/index.js';

const utf8 = (s: string): number[] => [...new TextEncoder().encode(s)];
/** A length-delimited field with a one-byte length. */
const field = (tag: number, body: number[]): number[] => {
  assert.ok(body.length < 0x80);
  return [tag, body.length, ...body];
};
const key = (k: string): number[] => field(0x0a, utf8(k));
const doubleBytes = (v: number): number[] => {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setFloat64(0, v, true);
  return [...b];
};
/** PropertyValue fields 08 <type> …: Double = 10, String = 12. */
const dbl = (v: number): number[] => field(0x12, [0x08, 10, 0x31, ...doubleBytes(v)]);
const str = (s: string): number[] => field(0x12, [0x08, 12, ...field(0x42, utf8(s))]);
/** An Int32 metric with value 1 and the given PropertySet body. */
const metric = (name: string, props: number[]): number[] => field(0x12, [...field(0x0a, utf8(name)), 0x20, 3, 0x50, 1, ...field(0x4a, props)]);
const payload = (...metrics: number[][]): Uint8Array => new Uint8Array(metrics.flat());

function propsOf(bytes: Uint8Array): unknown[] {
  return (decodePayload(bytes).metrics ?? []).map((m) => m.properties);
}

function assertDecodeError(bytes: Uint8Array, message: RegExp): void {
  assert.throws(() => decodePayload(bytes), (e: unknown) => e instanceof SparkplugDecodeError && e.code === 'SPB_ERR_DECODE' && message.test(e.message));
}

describe('decoder fast paths', () => {
  test('sets that repeat the previous key bytes, as a prefix or in another order, decode like the first', () => {
    const decoded = propsOf(
      payload(
        metric('a', [...key('min'), ...key('max'), ...dbl(1), ...dbl(2)]),
        metric('b', [...key('min'), ...key('max'), ...dbl(3), ...dbl(4)]),
        metric('c', [...key('min'), ...key('max'), ...key('engUnit'), ...dbl(5), ...dbl(6), ...str('degC')]),
        metric('d', [...dbl(7), ...key('min'), ...dbl(8), ...key('max')]),
        metric('e', [...key('min'), ...key('maxi'), ...dbl(9), ...dbl(10)]),
        metric('f', [...key('min'), ...key('max'), ...dbl(11), ...dbl(12)]),
      ),
    );
    const d = (value: number): unknown => ({ type: 'Double', value });
    assert.deepEqual(decoded, [
      { min: d(1), max: d(2) },
      { min: d(3), max: d(4) },
      { min: d(5), max: d(6), engUnit: { type: 'String', value: 'degC' } },
      { min: d(7), max: d(8) },
      { min: d(9), maxi: d(10) },
      { min: d(11), max: d(12) },
    ]);
    assert.deepEqual(decoded.map((p) => Object.keys(p as object)), [['min', 'max'], ['min', 'max'], ['min', 'max', 'engUnit'], ['min', 'max'], ['min', 'maxi'], ['min', 'max']]);
  });

  test('a duplicate key after repeated key bytes is still an error', () => {
    const first = metric('a', [...key('min'), ...key('max'), ...dbl(1), ...dbl(2)]);
    assertDecodeError(payload(first, metric('b', [...key('min'), ...key('max'), ...key('min'), ...dbl(1), ...dbl(2), ...dbl(3)])), /duplicate key "min"/);
    assertDecodeError(payload(first, metric('b', [...key('min'), ...key('max'), ...dbl(1)])), /2 keys but 1 values/);
  });

  test('sets of 1 to 5 keys (literal and loop construction), with "__proto__" as an own key', () => {
    for (let n = 1; n <= 5; n++) {
      const names = ['__proto__', 'k1', 'k2', 'k3', 'k4'].slice(0, n);
      const [ps] = propsOf(payload(metric('m', [...names.flatMap(key), ...names.map((_, i) => dbl(i)).flat()])));
      assert.deepEqual(Object.keys(ps as object), names);
      assert.equal(Object.getPrototypeOf(ps), Object.prototype);
      assert.deepEqual(Object.getOwnPropertyDescriptor(ps, '__proto__')?.value, { type: 'Double', value: 0 });
    }
  });

  test('property values next to the one-field fast path take the general path', () => {
    // String "degC" with a two-byte (non-canonical) length 84 00.
    const longLength = field(0x12, [0x08, 12, 0x42, 0x84, 0x00, ...utf8('degC')]);
    // Double followed by is_null = false.
    const extraField = field(0x12, [0x08, 10, 0x31, ...doubleBytes(1.5), 0x10, 0x00]);
    // Text (14) in string_value.
    const text = field(0x12, [0x08, 14, ...field(0x42, utf8('t'))]);
    assert.deepEqual(propsOf(payload(metric('m', [...key('a'), ...key('b'), ...key('c'), ...longLength, ...extraField, ...text]))), [
      { a: { type: 'String', value: 'degC' }, b: { type: 'Double', value: 1.5, isNull: false }, c: { type: 'Text', value: 't' } },
    ]);
    // A double in a String-typed value, a string in a Double-typed one.
    assertDecodeError(payload(metric('m', [...key('a'), ...field(0x12, [0x08, 12, 0x31, ...doubleBytes(1)])])), /String value in double/);
    assertDecodeError(payload(metric('m', [...key('a'), ...field(0x12, [0x08, 10, ...field(0x42, utf8('x'))])])), /Double value in string/);
  });

  test('birth metrics: multi-byte aliases, and the key order of the general path', () => {
    const aliases = [0, 127, 128, 300, 16383, 16384, 2 ** 40, 2 ** 53 - 1, 2n ** 60n];
    const metrics: Metric[] = aliases.map((alias, i) => ({
      name: `m${i}`,
      alias,
      timestamp: 1700000000000,
      type: 'Int32',
      value: i,
      properties: { engUnit: { type: 'String', value: 'bar' } },
    }));
    const decoded = decodePayload(encodePayload({ metrics })).metrics ?? [];
    assert.deepEqual(
      decoded.map((m) => m.alias),
      aliases,
    );
    for (const m of decoded) assert.deepEqual(Object.keys(m), ['name', 'alias', 'timestamp', 'type', 'value', 'properties']);
    // A two-byte alias written as 80 80 80 80 80 80 80 00 (eight bytes): the Reader's path.
    const long = payload(field(0x12, [...field(0x0a, utf8('x')), 0x10, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00, 0x20, 3, 0x50, 1]));
    assert.equal(decodePayload(long).metrics?.[0]?.alias, 0);
  });

  test('more distinct names than the string cache holds decode right, twice over', () => {
    const metrics: Metric[] = [];
    for (let i = 0; i < 20000; i++) metrics.push({ name: `Area ${i >> 6}/Machine ${i >> 3}/Tag ${i}`, type: 'Int32', value: i });
    const bytes = encodePayload({ metrics });
    for (let round = 0; round < 2; round++) {
      const decoded = decodePayload(bytes).metrics ?? [];
      assert.equal(decoded.length, metrics.length);
      decoded.forEach((m, i) => assert.equal(m.name, metrics[i]?.name));
    }
  });
});
