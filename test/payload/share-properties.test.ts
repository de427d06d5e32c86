/**
 * DecodeOptions.shareProperties: top-level metrics' property sets of equal bytes decode to one
 * frozen object; any byte of difference gives another; the default stays fresh mutable objects;
 * the cache behind it is bounded. Every decode equals the default decode.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SparkplugDecodeError } from '../../src/errors.js';
import { decodePayload, encodePayload, type Int64, type Metric, type PropertySet } from '../../src/payload/index.js';
import { payload } from './arbitrary.js';

const SHARE = { shareProperties: true } as const;

function props(unit: string, low: number, description: string): PropertySet<Int64> {
  return {
    engUnit: { type: 'String', value: unit },
    engLow: { type: 'Double', value: low },
    Description: { type: 'String', value: description },
  };
}

function birth(...sets: PropertySet<Int64>[]): Uint8Array {
  return encodePayload({ timestamp: 1, seq: 0, metrics: sets.map((properties, i): Metric<Int64> => ({ name: `m${i}`, type: 'Int32', value: i, properties })) });
}

/** Each metric's properties, decoded with the option; checked equal to the default decode. */
function shared(bytes: Uint8Array): PropertySet<Int64>[] {
  const p = decodePayload(bytes, SHARE);
  assert.deepEqual(p, decodePayload(bytes));
  return (p.metrics ?? []).map((m) => m.properties ?? {});
}

function assertDeepFrozen(v: unknown): void {
  if (typeof v !== 'object' || v === null) return;
  assert.ok(Object.isFrozen(v));
  for (const k of Object.keys(v)) assertDeepFrozen((v as Record<string, unknown>)[k]);
}

describe('shareProperties', () => {
  test('without the option every set is a fresh mutable object', () => {
    const bytes = birth(props('bar', 0, 'x'), props('bar', 0, 'x'));
    const [a, b] = (decodePayload(bytes).metrics ?? []).map((m) => m.properties);
    const [c] = (decodePayload(bytes, {}).metrics ?? []).map((m) => m.properties);
    assert.ok(a !== undefined && b !== undefined && c !== undefined);
    assert.notEqual(a, b);
    assert.notEqual(a, c);
    assert.ok(!Object.isFrozen(a) && !Object.isFrozen(a['engUnit']));
    a['engUnit'] = { type: 'String', value: 'kPa' };
    assert.equal(b['engUnit']?.value, 'bar');
  });

  test('equal sets, in one payload and in later ones, are one deeply frozen object', () => {
    const set = props('bar', -1.5, 'Line 3 pump 12 discharge pressure');
    const [a, b] = shared(birth(set, set));
    const [, c] = shared(birth(props('rpm', 0, 'other'), set));
    assert.ok(a !== undefined);
    assert.equal(a, b);
    assert.equal(a, c);
    assertDeepFrozen(a);
    assert.throws(() => {
      (a as Record<string, unknown>)['engUnit'] = 1;
    }, TypeError);
  });

  test('sets that differ in any byte are different objects', () => {
    const nested = (low: number): PropertySet<Int64> => ({ limits: { type: 'PropertySet', value: { low: { type: 'Int32', value: low } } } });
    const list = (low: number): PropertySet<Int64> => ({
      ranges: { type: 'PropertySetList', value: [{ low: { type: 'Int32', value: 0 } }, { low: { type: 'Int32', value: low } }] },
    });
    const variants: PropertySet<Int64>[] = [
      props('bar', 0, 'x'),
      props('bar', 0, 'y'), // a string value
      props('bar', 1, 'x'), // a number value
      props('bar', -0, 'x'), // −0 (another double)
      { ...props('bar', 0, 'x'), engLow: { type: 'Float', value: 0 } }, // a type
      { engUnit: { type: 'String', value: 'bar' }, engLox: { type: 'Double', value: 0 }, Description: { type: 'String', value: 'x' } }, // a key
      { ...props('bar', 0, 'x'), engLow: { type: 'Double', value: null, isNull: true } }, // null
      nested(1),
      nested(2),
      list(1),
      list(2),
      { ranges: { type: 'PropertySetList', value: [{ low: { type: 'Int32', value: 0 } }] } },
      { limits: { type: 'PropertySetList', value: [{ low: { type: 'Int32', value: 1 } }] } }, // a set vs a list of it
      {},
    ];
    const first = shared(birth(...variants));
    const again = shared(birth(...variants));
    assert.equal(new Set(first).size, variants.length);
    for (let i = 0; i < variants.length; i++) {
      assert.equal(again[i], first[i], `variant ${i} is shared with itself`);
      assertDeepFrozen(first[i]);
    }
  });

  test('template members keep fresh sets; top-level sets are shared beside them', () => {
    const set = props('bar', 0, 'x');
    const bytes = encodePayload({
      metrics: [
        { name: 'a', type: 'Int32', value: 1, properties: set },
        {
          name: 't',
          type: 'Template',
          value: { templateRef: 'T', metrics: [{ name: 'm', type: 'Int32', value: 1, properties: set }] },
          properties: set,
        },
      ],
    });
    const p = decodePayload(bytes, SHARE);
    assert.deepEqual(p, decodePayload(bytes));
    const [a, t] = p.metrics ?? [];
    assert.equal(a?.properties, t?.properties);
    const member = (t?.value as { metrics: { properties?: PropertySet<Int64> }[] }).metrics[0]?.properties;
    assert.ok(member !== undefined && !Object.isFrozen(member));
  });

  test('a malformed set is not kept: the same bytes fail again', () => {
    // Metric "m", Int32 1, properties with a key and no value.
    const bad = new Uint8Array([0x12, 0x0e, 0x0a, 0x01, 0x6d, 0x20, 0x03, 0x50, 0x01, 0x4a, 0x05, 0x0a, 0x03, 0x6b, 0x65, 0x79]);
    for (let i = 0; i < 2; i++) assert.throws(() => decodePayload(bad, SHARE), SparkplugDecodeError);
  });

  test('the cache is bounded: it is dropped when full of sets, or of bytes, and refills', () => {
    const a = props('bar', 0, 'first');
    const [first] = shared(birth(a));
    const [kept] = shared(birth(...Array.from({ length: 100 }, (_, i) => props('bar', i, 'y')), a)).slice(-1);
    assert.equal(kept, first);
    // 4,096 sets fill it: `a` is decoded again, and shared from then on.
    const many = Array.from({ length: 4096 }, (_, i) => props('kPa', i, 'z'));
    shared(birth(...many));
    const [after] = shared(birth(a));
    assert.notEqual(after, first);
    assert.deepEqual(after, first);
    assert.equal(shared(birth(a))[0], after);
    // 600 sets of ~950 bytes fill its 512 KiB of bytes before its entries.
    const big = Array.from({ length: 600 }, (_, i) => props('bar', i, 'd'.repeat(900)));
    shared(birth(...big));
    assert.notEqual(shared(birth(a))[0], after);
    // Sets over 1,024 bytes are frozen but never kept.
    const huge = props('bar', 0, 'h'.repeat(1100));
    const [h1, h2] = shared(birth(huge, huge));
    assert.notEqual(h1, h2);
    assertDeepFrozen(h1);
  });

  test('generated payloads decode as without the option', () => {
    fc.assert(
      fc.property(payload, (p) => {
        const bytes = encodePayload(p);
        assert.deepEqual(decodePayload(bytes, SHARE), decodePayload(bytes));
        // Twice: the second decode reads every top-level set from the cache.
        assert.deepEqual(decodePayload(bytes, SHARE), decodePayload(bytes));
      }),
      { numRuns: 500 },
    );
  });
});
