/**
 * Any byte string decodes or throws SparkplugDecodeError — never another exception, never a
 * hang, never unbounded memory. Property tests plus the committed corpus in
 * test/fixtures/malformed/*.hex (first line: `# why`).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { SparkplugDecodeError } from '../../src/errors.js';
import { decodePayload, encodePayload } from '../../src/payload/index.js';
import { payload } from './arbitrary.js';
import { fromHex } from './hex.js';

const CORPUS = new URL('../../../test/fixtures/malformed/', import.meta.url);

/** Decodes; returns normally or with SparkplugDecodeError, anything else fails the property. */
function decodesOrRejects(bytes: Uint8Array): void {
  try {
    decodePayload(bytes);
  } catch (e: unknown) {
    if (!(e instanceof SparkplugDecodeError) || e.code !== 'SPB_ERR_DECODE') throw e;
  }
}

/** A valid encoding with one mutation: flip, truncate, insert, or inflate a byte (length prefixes). */
const mutated = fc
  .tuple(
    payload.map((p) => encodePayload(p)),
    fc.constantFrom('flip', 'truncate', 'insert', 'inflate', 'delete'),
    fc.nat(),
    fc.integer({ min: 0, max: 255 }),
  )
  .map(([bytes, op, at, b]) => {
    if (bytes.length === 0) return new Uint8Array([b]);
    const i = at % bytes.length;
    const out = Array.from(bytes);
    if (op === 'flip') out[i] = (out[i] ?? 0) ^ (1 << (b & 7));
    else if (op === 'truncate') out.length = i;
    else if (op === 'insert') out.splice(i, 0, b);
    else if (op === 'delete') out.splice(i, 1);
    else out[i] = ((out[i] ?? 0) + 1 + (b & 15)) & 0xff; // a larger byte: inflates length prefixes/varints
    return new Uint8Array(out);
  });

describe('decode robustness', () => {
  test('random bytes decode or throw SPB_ERR_DECODE', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), decodesOrRejects), { numRuns: 3000 });
  });

  test('random bytes behind a valid-looking metric header decode or throw SPB_ERR_DECODE', () => {
    const prefixed = fc.tuple(fc.integer({ min: 1, max: 34 }), fc.uint8Array({ maxLength: 60 })).map(([type, rest]) => {
      const body = [0x20, type, ...rest];
      return new Uint8Array([0x12, body.length, ...body]);
    });
    fc.assert(fc.property(prefixed, decodesOrRejects), { numRuns: 3000 });
  });

  test('mutated valid payloads decode or throw SPB_ERR_DECODE', () => {
    fc.assert(fc.property(mutated, decodesOrRejects), { numRuns: 1500 });
  });

  test('a 1 MB random input is handled quickly', () => {
    const big = new Uint8Array(1 << 20);
    let x = 12345;
    for (let i = 0; i < big.length; i++) {
      x = (x * 1103515245 + 12345) >>> 0;
      big[i] = x >>> 24;
    }
    const t0 = performance.now();
    decodesOrRejects(big);
    assert.ok(performance.now() - t0 < 1000, 'decode of 1 MB took over a second');
  });

  test('1 MB of empty metrics decodes in linear time', () => {
    const big = new Uint8Array(1 << 20);
    for (let i = 0; i < big.length; i += 2) big[i] = 0x12;
    const t0 = performance.now();
    assert.equal(decodePayload(big).metrics?.length, 1 << 19);
    assert.ok(performance.now() - t0 < 2000);
  });
});

describe('malformed corpus (test/fixtures/malformed)', () => {
  const files = readdirSync(CORPUS).filter((f) => f.endsWith('.hex')).sort();
  test('corpus is present', () => assert.ok(files.length >= 40));
  for (const file of files) {
    const text = readFileSync(new URL(file, CORPUS), 'utf8');
    const [first = '', ...rest] = text.split('\n');
    const why = first.replace(/^#\s*/, '');
    test(`${file}: ${why}`, () => {
      assert.ok(first.startsWith('#'), 'first line must be a # comment');
      assert.throws(
        () => decodePayload(fromHex(rest.join(' '))),
        (e: unknown) => e instanceof SparkplugDecodeError && e.code === 'SPB_ERR_DECODE',
      );
    });
  }
});
