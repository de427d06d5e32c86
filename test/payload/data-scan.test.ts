/**
 * scanDataPayload (the host's column read of plain NDATA/DDATA) against decodePayload: on every
 * payload it accepts, both give the same metrics and values; every plain payload is accepted;
 * everything else is left to decodePayload.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SparkplugDecodeError } from '../../src/errors.js';
import {
  DataColumns,
  dataTypeNumber,
  decodePayload,
  encodePayload,
  scanDataPayload,
  scannedValue,
  SCAN_HISTORICAL,
  valueFits,
  type BasicTypeName,
  type Int64,
  type Metric,
  type MetricTypeName,
  type Payload,
} from '../../src/payload/index.js';
import { basicValue, BASIC_TYPES, payload, u64 } from './arbitrary.js';

const SCALAR_TYPES: (BasicTypeName | 'UUID')[] = [...BASIC_TYPES, 'UUID'];

/** The type a host would know from the birth, by alias or name. */
function typeFor(m: { name?: string; alias?: Int64 }): MetricTypeName {
  const key = m.alias !== undefined ? Number(BigInt(m.alias) % 15n) : (m.name?.length ?? 0) % 15;
  return SCALAR_TYPES[key] ?? 'Double';
}

/**
 * When the scan accepts `bytes`, decodePayload must agree: the same metrics and values where every
 * value fits its type, a decode error where one does not.
 */
function agrees(bytes: Uint8Array): boolean {
  const cols = new DataColumns();
  if (!scanDataPayload(bytes, cols)) return false;
  const types: number[] = [];
  let fits = true;
  for (let i = 0; i < cols.length; i++) {
    const wire = cols.datatype[i] ?? -1;
    const alias = cols.alias[i] ?? -1;
    const name = cols.name[i];
    const t = wire >= 0 ? wire : (dataTypeNumber(typeFor({ ...(alias >= 0 ? { alias } : {}), ...(name !== undefined ? { name } : {}) })) ?? 0);
    types.push(t);
    if (!valueFits(cols, i, t)) fits = false;
  }
  let decoded;
  try {
    decoded = decodePayload(bytes, { resolveType: typeFor });
  } catch (e) {
    assert.ok(e instanceof SparkplugDecodeError, String(e));
    assert.equal(fits, false, `scan accepted and every value fits, but decodePayload threw: ${String(e)}`);
    return true;
  }
  assert.equal(fits, true, 'a value that does not fit decoded without error');
  assert.equal(cols.timestamp, decoded.timestamp ?? -1);
  assert.equal(cols.seq, decoded.seq ?? -1);
  const metrics = decoded.metrics ?? [];
  assert.equal(cols.length, metrics.length);
  metrics.forEach((m, i) => {
    assert.equal(cols.alias[i], m.alias ?? -1, 'alias');
    assert.equal(cols.name[i], m.name, 'name');
    assert.equal(cols.ts[i], m.timestamp ?? -1, 'timestamp');
    assert.equal(((cols.flags[i] ?? 0) & SCAN_HISTORICAL) !== 0, m.isHistorical === true, 'isHistorical');
    assert.deepEqual(scannedValue(cols, i, types[i] ?? 0), m.value ?? null, `value of metric ${i}`);
  });
  return true;
}

/** 64-bit values in the scan's range (0..2^53−1); the others are covered by the mixed properties. */
function plainValue(type: BasicTypeName | 'UUID'): fc.Arbitrary<number | Int64 | boolean | string> {
  return type === 'Int64' || type === 'UInt64' || type === 'DateTime' ? fc.maxSafeNat() : basicValue(type);
}

/** Plain data metrics: scalar value or null, alias and/or name, timestamp, isHistorical. */
const plainMetric: fc.Arbitrary<Metric<Int64>> = fc.constantFrom(...SCALAR_TYPES).chain((type) =>
  fc
    .record(
      {
        name: fc.string({ maxLength: 8 }),
        alias: fc.oneof(fc.nat({ max: 5000 }), fc.nat()),
        timestamp: fc.oneof(fc.constant(1764000000000), fc.nat()),
        isHistorical: fc.boolean(),
        isTransient: fc.boolean(),
        value: fc.option(plainValue(type), { freq: 6 }),
      },
      { requiredKeys: ['value'], noNullPrototype: true },
    )
    .map(({ value, ...rest }): Metric<Int64> => (value === null ? { ...rest, type, value: null, isNull: true } : { ...rest, type, value })),
);

const plainPayload: fc.Arbitrary<Payload<Int64>> = fc.record(
  { timestamp: fc.nat(), seq: fc.nat({ max: 255 }), metrics: fc.array(plainMetric, { maxLength: 300 }) },
  { requiredKeys: ['metrics'], noNullPrototype: true },
);

describe('scanDataPayload', () => {
  test('reads every plain data payload, with or without datatypes, as decodePayload does', () => {
    fc.assert(
      fc.property(plainPayload, fc.boolean(), (p, omitTypes) => {
        const bytes = encodePayload(p, { omitMetricTypes: omitTypes });
        assert.equal(agrees(bytes), true, 'plain payload not accepted');
      }),
      { numRuns: 400 },
    );
  });

  test('agrees with decodePayload on any payload it accepts, and leaves the others to it', () => {
    fc.assert(
      fc.property(payload, fc.boolean(), (p, omitTypes) => {
        agrees(encodePayload(p, { omitMetricTypes: omitTypes }));
      }),
      { numRuns: 400 },
    );
  });

  test('agrees with decodePayload on mutated bytes it accepts (never throws)', () => {
    const mutated = fc.tuple(plainPayload.map((p) => encodePayload(p, { omitMetricTypes: true })), fc.nat(), fc.nat({ max: 255 })).map(([b, at, byte]) => {
      const copy = new Uint8Array(b);
      if (copy.length > 0) copy[at % copy.length] = byte;
      return copy;
    });
    fc.assert(fc.property(mutated, (bytes) => void agrees(bytes)), { numRuns: 1000 });
  });

  test('leaves non-plain shapes to decodePayload: properties, arrays, DataSet, compressed, uuid', () => {
    const cols = new DataColumns();
    const shapes: Payload<Int64>[] = [
      { seq: 1, metrics: [{ alias: 1, type: 'Double', value: 1, properties: { unit: { type: 'String', value: 'm' } } }] },
      { seq: 1, metrics: [{ alias: 1, type: 'Int32Array', value: [1, 2] }] },
      { seq: 1, metrics: [{ alias: 1, type: 'Bytes', value: new Uint8Array([1]) }] },
      { seq: 1, metrics: [{ alias: 1, type: 'DataSet', value: { numOfColumns: 1, columns: ['a'], types: ['Int32'], rows: [[1]] } }] },
      { seq: 1, uuid: 'x', metrics: [] },
    ];
    for (const p of shapes) assert.equal(scanDataPayload(encodePayload(p), cols), false, JSON.stringify(p, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v)));
    const compressed = encodePayload({ seq: 1, metrics: [{ alias: 1, type: 'Double', value: 1 }] }, { compress: 'DEFLATE' });
    assert.equal(scanDataPayload(compressed, cols), false);
  });

  test('64-bit values beyond 2^53 or negative go to decodePayload; 2^53 − 1 is read', () => {
    const cols = new DataColumns();
    assert.equal(scanDataPayload(encodePayload({ seq: 1, metrics: [{ alias: 1, type: 'UInt64', value: 2n ** 60n }] }), cols), false);
    assert.equal(scanDataPayload(encodePayload({ seq: 1, metrics: [{ alias: 1, timestamp: 2n ** 53n, type: 'Double', value: 1 }] }), cols), false);
    assert.equal(scanDataPayload(encodePayload({ seq: 1, metrics: [{ alias: 1, type: 'Int64', value: -5 }] }), cols), false);
    const max = Number.MAX_SAFE_INTEGER;
    assert.equal(scanDataPayload(encodePayload({ seq: 1, metrics: [{ alias: 1, timestamp: max, type: 'Int64', value: max }] }), cols), true);
    assert.equal(cols.ts[0], max);
    assert.equal(scannedValue(cols, 0, dataTypeNumber('Int64') ?? 0), max);
  });

  test('columns grow past their first capacity', () => {
    fc.assert(
      fc.property(fc.array(u64, { minLength: 600, maxLength: 1200 }), (values) => {
        const p: Payload<Int64> = { seq: 3, metrics: values.map((v, i) => ({ alias: i, type: 'UInt64', value: v })) };
        agrees(encodePayload(p, { omitMetricTypes: true }));
      }),
      { numRuns: 5 },
    );
  });
});
