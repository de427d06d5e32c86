import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BinaryStream } from 'node-opcua-binary-stream';
import { DataType, LocalizedText, Variant, VariantArrayType } from 'node-opcua-client';
import type { MetricTypeName, MetricValue } from '../../../src/payload/types.js';
import { converterFor, int64FromPair, pairFromInt64, shapeOf } from '../../../src/sources/opcua/datatypes.js';
import type { VariableShape } from '../../../src/sources/opcua/datatypes.js';
import { toVariant } from '../../../src/sources/opcua/write-value.js';

function shape(builtin: DataType, valueRank = -1): VariableShape {
  const s = shapeOf(builtin, valueRank);
  if ('problem' in s) throw new Error(s.problem);
  return s;
}

function variant(s: VariableShape, value: MetricValue): Variant {
  const v = toVariant(s, value);
  if ('problem' in v) throw new Error(v.problem);
  return v;
}

function problem(s: VariableShape, value: MetricValue): string {
  const v = toVariant(s, value);
  assert.ok('problem' in v, `${String(value)} should not fit ${s.type}`);
  return v.problem;
}

/** Writes `value`, then reads the Variant back through the binary encoding, as a server would. */
function roundTrip(s: VariableShape, value: MetricValue): MetricValue | undefined {
  const v = variant(s, value);
  const copy = new Variant();
  const stream = new BinaryStream(v.binaryStoreSize());
  v.encode(stream);
  stream.rewind();
  copy.decode(stream);
  return converterFor(s)(copy.value);
}

describe('OPC UA DataType → Sparkplug type', () => {
  const scalars: [DataType, MetricTypeName][] = [
    [DataType.Boolean, 'Boolean'],
    [DataType.SByte, 'Int8'],
    [DataType.Byte, 'UInt8'],
    [DataType.Int16, 'Int16'],
    [DataType.UInt16, 'UInt16'],
    [DataType.Int32, 'Int32'],
    [DataType.UInt32, 'UInt32'],
    [DataType.Int64, 'Int64'],
    [DataType.UInt64, 'UInt64'],
    [DataType.Float, 'Float'],
    [DataType.Double, 'Double'],
    [DataType.String, 'String'],
    [DataType.DateTime, 'DateTime'],
    [DataType.ByteString, 'Bytes'],
    [DataType.Guid, 'UUID'],
    [DataType.LocalizedText, 'String'],
  ];
  for (const [builtin, type] of scalars) {
    it(`maps scalar ${DataType[builtin]} to ${type}`, () => assert.equal(shape(builtin).type, type));
  }

  const arrays: [DataType, MetricTypeName][] = [
    [DataType.Boolean, 'BooleanArray'],
    [DataType.SByte, 'Int8Array'],
    [DataType.Byte, 'UInt8Array'],
    [DataType.Int16, 'Int16Array'],
    [DataType.UInt16, 'UInt16Array'],
    [DataType.Int32, 'Int32Array'],
    [DataType.UInt32, 'UInt32Array'],
    [DataType.Int64, 'Int64Array'],
    [DataType.UInt64, 'UInt64Array'],
    [DataType.Float, 'FloatArray'],
    [DataType.Double, 'DoubleArray'],
    [DataType.String, 'StringArray'],
    [DataType.DateTime, 'DateTimeArray'],
  ];
  for (const [builtin, type] of arrays) {
    it(`maps ValueRank 1 ${DataType[builtin]} to ${type}`, () => assert.equal(shape(builtin, 1).type, type));
  }

  it('maps no structure, other built-in, abstract type, matrix or ByteString array', () => {
    assert.deepEqual(shapeOf(DataType.ExtensionObject, -1), { problem: 'Structure has no Sparkplug type' });
    assert.deepEqual(shapeOf(DataType.Variant, -1), { problem: 'BaseDataType has no Sparkplug type' });
    assert.deepEqual(shapeOf(DataType.NodeId, -1), { problem: 'NodeId has no Sparkplug type' });
    assert.deepEqual(shapeOf(DataType.ByteString, 1), { problem: 'ByteString array has no Sparkplug type' });
    assert.match(String(Object.values(shapeOf(DataType.Double, 2))[0]), /ValueRank 2 has no Sparkplug type/);
    assert.match(String(Object.values(shapeOf(DataType.Double, -2))[0]), /ValueRank -2/);
  });
});

describe('OPC UA 64-bit integers', () => {
  it('are exact numbers while safe and bigints beyond ±2^53', () => {
    assert.equal(int64FromPair([0, 5], true), 5);
    assert.equal(int64FromPair([0xffffffff, 0xffffffff], true), -1);
    assert.equal(int64FromPair([0xffffffff, 0xffffffff], false), 18446744073709551615n);
    assert.equal(int64FromPair([0x001fffff, 0xffffffff], true), Number.MAX_SAFE_INTEGER);
    assert.equal(int64FromPair([0x00200000, 0x00000000], true), 9007199254740992n);
    assert.equal(int64FromPair([0x00200000, 0x00000001], true), 9007199254740993n);
    assert.equal(int64FromPair([0xffe00000, 0x00000001], true), -Number.MAX_SAFE_INTEGER);
    assert.equal(int64FromPair([0xffe00000, 0x00000000], true), -9007199254740992n);
    assert.equal(int64FromPair([0x80000000, 0], true), -(2n ** 63n));
    assert.equal(int64FromPair([0x7fffffff, 0xffffffff], true), 2n ** 63n - 1n);
    assert.equal(int64FromPair(5, true), undefined);
    assert.equal(int64FromPair(['0', 1], true), undefined);
  });

  it('go back to [high, low] for writes', () => {
    assert.deepEqual(pairFromInt64(-1n), [0xffffffff, 0xffffffff]);
    assert.deepEqual(pairFromInt64(9007199254740993n), [0x00200000, 1]);
    assert.deepEqual(pairFromInt64(2n ** 64n - 1n), [0xffffffff, 0xffffffff]);
  });

  it('round-trip through the wire, both ways, beyond 2^53', () => {
    for (const v of [0, -1, 9007199254740993n, -9007199254740993n, 2n ** 63n - 1n, -(2n ** 63n)]) {
      assert.equal(roundTrip(shape(DataType.Int64), v), v);
    }
    for (const v of [0, Number.MAX_SAFE_INTEGER, 9007199254740993n, 2n ** 64n - 1n]) {
      assert.equal(roundTrip(shape(DataType.UInt64), v), v);
    }
    assert.deepEqual(roundTrip(shape(DataType.Int64, 1), [-(2n ** 63n), 0, 9007199254740993n]), [-(2n ** 63n), 0, 9007199254740993n]);
    assert.match(problem(shape(DataType.UInt64), -1), /out of range for UInt64/);
    assert.match(problem(shape(DataType.Int64), 2n ** 63n), /out of range for Int64/);
  });
});

describe('OPC UA values → metric values', () => {
  it('convert every scalar type', () => {
    assert.equal(converterFor(shape(DataType.Boolean))(true), true);
    assert.equal(converterFor(shape(DataType.Float))(1.5), 1.5);
    assert.equal(converterFor(shape(DataType.String))('Grüße'), 'Grüße');
    assert.equal(converterFor(shape(DataType.DateTime))(new Date(1714979289123)), 1714979289123);
    assert.equal(converterFor(shape(DataType.Guid))('72962B91-FA75-4AE6-8D28-B404DC7DAF63'), '72962B91-FA75-4AE6-8D28-B404DC7DAF63');
    assert.equal(converterFor(shape(DataType.LocalizedText))(new LocalizedText({ text: 'Presse', locale: 'de' })), 'Presse');
    const bytes = converterFor(shape(DataType.ByteString))(Buffer.from([0, 1, 0xff]));
    assert.deepEqual(bytes, new Uint8Array([0, 1, 0xff]));
    assert.ok(!Buffer.isBuffer(bytes), 'a copy, not a view of the received message');
  });

  it('read dates before 1970 (OPC UA null date) as null, in arrays as 0', () => {
    assert.equal(converterFor(shape(DataType.DateTime))(new Date(Date.UTC(1601, 0, 1))), null);
    assert.deepEqual(converterFor(shape(DataType.DateTime, 1))([new Date(Date.UTC(1601, 0, 1)), new Date(5)]), [0, 5]);
  });

  it('turn typed arrays into plain arrays', () => {
    assert.deepEqual(converterFor(shape(DataType.Int16, 1))(new Int16Array([-32768, 0, 32767])), [-32768, 0, 32767]);
    assert.deepEqual(converterFor(shape(DataType.Float, 1))(new Float32Array([0.5, -1.25])), [0.5, -1.25]);
    assert.deepEqual(converterFor(shape(DataType.Byte, 1))(new Uint8Array([1, 255])), [1, 255]);
    assert.deepEqual(converterFor(shape(DataType.Boolean, 1))([true, false]), [true, false]);
    assert.deepEqual(converterFor(shape(DataType.String, 1))(['a', null, 'ü']), ['a', '', 'ü']);
  });

  it('return undefined for a value of another type', () => {
    assert.equal(converterFor(shape(DataType.Double))('12'), undefined);
    assert.equal(converterFor(shape(DataType.Boolean))(1), undefined);
    assert.equal(converterFor(shape(DataType.Int32, 1))(['1']), undefined);
    assert.equal(converterFor(shape(DataType.DateTime))(5), undefined);
  });
});

describe('metric values → OPC UA Variants (writes)', () => {
  it('use the variable own DataType', () => {
    const v = variant(shape(DataType.Float), 2.5);
    assert.equal(v.dataType, DataType.Float);
    assert.equal(v.arrayType, VariantArrayType.Scalar);
    assert.equal(variant(shape(DataType.LocalizedText), 'Presse').value.text, 'Presse');
    assert.deepEqual(variant(shape(DataType.DateTime), 1714979289123).value, new Date(1714979289123));
    assert.deepEqual(variant(shape(DataType.ByteString), new Uint8Array([1, 2])).value, Buffer.from([1, 2]));
    assert.equal(variant(shape(DataType.Int32, 1), [1, 2]).arrayType, VariantArrayType.Array);
  });

  it('round-trip every mapped type', () => {
    const cases: [VariableShape, MetricValue][] = [
      [shape(DataType.Boolean), false],
      [shape(DataType.SByte), -128],
      [shape(DataType.Byte), 255],
      [shape(DataType.Int16), -32768],
      [shape(DataType.UInt16), 65535],
      [shape(DataType.Int32), -2147483648],
      [shape(DataType.UInt32), 4294967295],
      [shape(DataType.Float), 1.5],
      [shape(DataType.Double), 3.141592653589793],
      [shape(DataType.String), 'Grüße ✓'],
      [shape(DataType.DateTime), 1714979289123],
      [shape(DataType.Guid), '72962B91-FA75-4AE6-8D28-B404DC7DAF63'],
      [shape(DataType.LocalizedText), 'Presse'],
      [shape(DataType.Boolean, 1), [true, false]],
      [shape(DataType.UInt32, 1), [0, 4294967295]],
      [shape(DataType.Double, 1), [0.1, 1e300]],
      [shape(DataType.String, 1), ['a', '']],
      [shape(DataType.DateTime, 1), [0, 1714979289123]],
    ];
    for (const [s, value] of cases) assert.deepEqual(roundTrip(s, value), value, s.type);
    assert.deepEqual(roundTrip(shape(DataType.ByteString), new Uint8Array([0, 0xfe])), new Uint8Array([0, 0xfe]));
  });

  it('refuse values that do not fit, naming the problem', () => {
    assert.match(problem(shape(DataType.Byte), 256), /out of range for UInt8/);
    assert.match(problem(shape(DataType.SByte), 1.5), /expected an integer for Int8/);
    assert.match(problem(shape(DataType.Float), 1e39), /out of range for Float/);
    assert.match(problem(shape(DataType.Double), 'x'), /expected a number/);
    assert.match(problem(shape(DataType.Guid), 'not-a-guid'), /not a GUID/);
    assert.match(problem(shape(DataType.ByteString), 'x'), /expected bytes/);
    assert.match(problem(shape(DataType.Int16, 1), 5), /expected an array/);
    assert.match(problem(shape(DataType.Int16, 1), [1, 40000]), /element 1: 40000 is out of range for Int16/);
    assert.match(problem(shape(DataType.DateTime), 2n ** 60n), /beyond the last date/);
  });
});
