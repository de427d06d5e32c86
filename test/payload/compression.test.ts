/** Compressed envelopes ("SPBV1.0_COMPRESSED") as Eclipse Tahu's sparkplug-client makes them. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { deflateSync } from 'node:zlib';
import { SparkplugDecodeError } from '../../src/errors.js';
import { COMPRESSED_PAYLOAD_UUID, decodePayload, encodePayload, type Payload } from '../../src/payload/index.js';
import { tahu } from './tahu.js';

const require = createRequire(import.meta.url);
const pako = require('pako') as { deflate(b: Uint8Array): Uint8Array; gzip(b: Uint8Array): Uint8Array };

/**
 * sparkplug-client 3.2.4's compressPayload, restated: its class is not exported and its
 * constructor connects to MQTT, so we rebuild the envelope exactly as its code does, with the
 * same library (pako.deflate = zlib-wrapped, pako.gzip) and the same shape (uuid, body, and the
 * `algorithm` metric only when an algorithm was asked for).
 */
function tahuCompress(encoded: Uint8Array, algorithm?: 'DEFLATE' | 'GZIP'): object {
  const body = algorithm === 'GZIP' ? pako.gzip(encoded) : pako.deflate(encoded);
  const metrics = algorithm === undefined ? [] : [{ name: 'algorithm', value: algorithm, type: 'String' }];
  return { uuid: 'SPBV1.0_COMPRESSED', metrics, body };
}

const P: Payload = {
  timestamp: 1700000000000,
  seq: 4,
  metrics: Array.from({ length: 50 }, (_, i) => ({ name: `metric/${i}`, type: 'Double' as const, value: i / 3, timestamp: 1700000000000 })),
};

describe('compression', () => {
  for (const algorithm of ['DEFLATE', 'GZIP'] as const) {
    test(`${algorithm} round trip, smaller than the plain encoding`, () => {
      const bytes = encodePayload(P, { compress: algorithm });
      assert.ok(bytes.length < encodePayload(P).length);
      assert.deepEqual(decodePayload(bytes), P);
    });
  }

  for (const algorithm of ['DEFLATE', 'GZIP'] as const) {
    test(`${algorithm}: transparent decode and Tahu-shaped envelope`, () => {
      const bytes = encodePayload(P, { compress: algorithm });
      assert.deepEqual(decodePayload(bytes), P);
      const envelope = tahu.decodePayload(bytes);
      assert.equal((envelope as { uuid?: string }).uuid, COMPRESSED_PAYLOAD_UUID);
      assert.deepEqual(
        envelope.metrics?.map((m) => [m.name, m.type, m.value]),
        [['algorithm', 'String', algorithm]],
      );
    });

    test(`${algorithm}: decode an envelope made the way sparkplug-client's compressPayload does (pako)`, () => {
      const envelope = tahuCompress(tahu.encodePayload(P), algorithm);
      assert.deepEqual(decodePayload(tahu.encodePayload(envelope)), P);
    });
  }

  test('envelope without an algorithm metric means DEFLATE (Tahu default)', () => {
    const envelope = tahuCompress(tahu.encodePayload(P));
    assert.deepEqual(decodePayload(tahu.encodePayload(envelope)), P);
  });

  test('zip bomb: inflating beyond maxDecompressedBytes is SPB_ERR_DECODE', () => {
    const inner = encodePayload({ metrics: [{ name: 'x', type: 'Bytes', value: new Uint8Array(24 << 20) }] });
    const bomb = encodePayload({ uuid: COMPRESSED_PAYLOAD_UUID, body: deflateSync(inner), metrics: [{ name: 'algorithm', type: 'String', value: 'DEFLATE' }] });
    assert.ok(bomb.length < 200_000);
    for (const options of [undefined, { maxDecompressedBytes: 1000 }]) {
      assert.throws(
        () => decodePayload(bomb, options),
        (e: unknown) => e instanceof SparkplugDecodeError && e.code === 'SPB_ERR_DECODE',
      );
    }
  });
});
