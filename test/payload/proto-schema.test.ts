/**
 * Issue #17: the hand-written codec checked against proto/sparkplug_b.proto, loaded with
 * protobufjs at test time. Both directions compare values field by field through the wire view
 * of proto-schema.ts; a field number, wire type or value field that drifts from the .proto fails.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodePayload, encodePayload, type Int64, type Payload } from '../../src/payload/index.js';
import { payload } from './arbitrary.js';
import { edgePayload, fromProto, PayloadType, toProto, toWire } from './proto-schema.js';

function check(p: Payload<Int64>): void {
  const expected = toWire(p);
  const ours = encodePayload(p);
  assert.deepEqual(fromProto(PayloadType.decode(ours)), expected, 'ours → protobufjs decode');

  const message = toProto(expected);
  assert.ok(typeof message === 'object' && message !== null, 'a payload maps to a message');
  assert.equal(PayloadType.verify(message), null, 'the wire view is a valid message of the .proto');
  const theirs = PayloadType.encode(message).finish();
  assert.deepEqual(decodePayload(theirs), p, 'protobufjs encode → ours decode');
  // Both write fields in field-number order, so the bytes agree too.
  assert.deepEqual(Buffer.from(ours).toString('hex'), Buffer.from(theirs).toString('hex'), 'same bytes');
}

describe('codec against proto/sparkplug_b.proto (protobufjs)', () => {
  test('generated payloads: every datatype, properties, DataSets, templates, metadata', () => {
    fc.assert(fc.property(payload, check), { numRuns: 1500 });
  });
  test('extreme values: ±2^63, UInt64 max, NaN/±Infinity/−0, empty and unicode strings', () => {
    fc.assert(fc.property(edgePayload, check), { numRuns: 1000 });
  });
});
