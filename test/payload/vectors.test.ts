/** Exact byte vectors of SPARKPLUG-PROTO.md §4 (arrays) and §9 (payloads). */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decodePayload, encodePayload, type MetricTypeName, type MetricValue, type Payload } from '../../src/payload/index.js';
import { fromHex, toHex } from './hex.js';

const TS = 1486144502122;

/** Encodes one array metric and returns its bytes_value (after the 82 01 <len> header). */
function bytesValue(type: MetricTypeName, value: MetricValue): string {
  const bytes = encodePayload({ metrics: [{ type, value }] });
  // 12 <metric len> 20 <type> 82 01 <len> …
  const at = bytes.indexOf(0x82);
  assert.equal(bytes[at + 1], 0x01);
  return toHex(bytes.subarray(at + 3));
}

describe('§4 array packing in bytes_value', () => {
  const cases: [MetricTypeName, MetricValue, string][] = [
    ['Int8Array', [-23, 123], 'E9 7B'],
    ['Int16Array', [-30000, 30000], 'D0 8A 30 75'],
    ['Int32Array', [-1, 315338746], 'FF FF FF FF FA AF CB 12'],
    ['Int32Array', [123456789, 987654321], '15 CD 5B 07 B1 68 DE 3A'],
    ['Int64Array', [-4270929666821191986n, -3601064768563266876n], 'CE 06 72 AC 18 9C BA C4 C4 BA 9C 18 AC 72 06 CE'],
    ['UInt8Array', [23, 250], '17 FA'],
    ['UInt16Array', [30, 52360], '1E 00 88 CC'],
    ['UInt32Array', [52, 3293969225], '34 00 00 00 49 FB 55 C4'],
    ['UInt64Array', [52, 16444743074749521625n], '34 00 00 00 00 00 00 00 D9 9E 02 D1 B2 76 37 E4'],
    ['FloatArray', [Math.fround(1.23), Math.fround(89.341)], 'A4 70 9D 3F 98 AE B2 42'],
    ['DoubleArray', [12.354213, 1022.9123213], 'D7 A2 05 68 5B B5 28 40 8E 17 1C 6F 4C F7 8F 40'],
    ['BooleanArray', [false, false, true, true, false, true, false, false, true, true, false, true], '0C 00 00 00 34 D0'],
    ['StringArray', ['ABC', 'hello'], '41 42 43 00 68 65 6C 6C 6F 00'],
    ['DateTimeArray', [1256102875335, 1656107875000], 'C7 D0 90 75 24 01 00 00 B8 BA B8 97 81 01 00 00'],
  ];
  for (const [type, value, hex] of cases) {
    test(`${type} ${hex}`, () => {
      assert.equal(bytesValue(type, value), hex);
      const decoded = decodePayload(encodePayload({ metrics: [{ type, value }] }));
      assert.deepEqual(decoded.metrics?.[0]?.value, value);
    });
  }
});

describe('§9 payload vectors', () => {
  const cases: { name: string; payload: Payload; hex: string; omitTypes?: boolean; resolve?: MetricTypeName }[] = [
    {
      name: 'NDEATH / Will [tck-id-topics-ndeath-seq] no seq field, bdSeq long_value 0 explicit',
      payload: { timestamp: TS, metrics: [{ name: 'bdSeq', type: 'Int64', value: 0 }] },
      hex: '08 EA F2 F5 A8 A0 2B 12 0B 0A 05 62 64 53 65 71 20 04 58 00',
    },
    {
      name: 'Rebirth NCMD (boolean true)',
      payload: { timestamp: TS, metrics: [{ name: 'Node Control/Rebirth', type: 'Boolean', value: true }] },
      hex: '08 EA F2 F5 A8 A0 2B 12 1A 0A 14 4E 6F 64 65 20 43 6F 6E 74 72 6F 6C 2F 52 65 62 69 72 74 68 20 0B 70 01',
    },
    {
      name: 'minimal NBIRTH [tck-id-payloads-nbirth-seq] seq 0 and boolean false written explicitly',
      payload: {
        timestamp: TS,
        metrics: [
          { name: 'bdSeq', timestamp: TS, type: 'Int64', value: 0 },
          { name: 'Node Control/Rebirth', timestamp: TS, type: 'Boolean', value: false },
        ],
        seq: 0,
      },
      hex:
        '08 EA F2 F5 A8 A0 2B 12 12 0A 05 62 64 53 65 71 18 EA F2 F5 A8 A0 2B 20 04 58 00 12 21 0A 14 4E 6F 64 65 20 43 6F 6E 74 72 6F 6C 2F 52 65 62 69 72 74 68 18 EA F2 F5 A8 A0 2B 20 0B 70 00 18 00',
    },
    {
      name: 'NDATA with alias, Int32 -5 as FB FF FF FF 0F [tck-id-payloads-metric-datatype-not-req] datatype omitted',
      payload: { timestamp: TS, metrics: [{ alias: 7, timestamp: TS, type: 'Int32', value: -5 }], seq: 3 },
      hex: '08 EA F2 F5 A8 A0 2B 12 0F 10 07 18 EA F2 F5 A8 A0 2B 50 FB FF FF FF 0F 18 03',
      omitTypes: true,
      resolve: 'Int32',
    },
    {
      name: 'DBIRTH Int32Array',
      payload: { timestamp: TS, metrics: [{ name: 'arr', timestamp: TS, type: 'Int32Array', value: [-1, 315338746] }], seq: 1 },
      hex: '08 EA F2 F5 A8 A0 2B 12 19 0A 03 61 72 72 18 EA F2 F5 A8 A0 2B 20 18 82 01 08 FF FF FF FF FA AF CB 12 18 01',
    },
    {
      name: 'mixed [tck-id-payloads-metric-datatype-value] UInt32 in int_value, Float, is_null',
      payload: {
        timestamp: TS,
        metrics: [
          { name: 'u32', timestamp: TS, type: 'UInt32', value: 3293969225 },
          { name: 'f', timestamp: TS, type: 'Float', value: 1.5 },
          { name: 'n', timestamp: TS, type: 'Int32', value: null, isNull: true },
        ],
        seq: 2,
      },
      hex:
        '08 EA F2 F5 A8 A0 2B 12 14 0A 03 75 33 32 18 EA F2 F5 A8 A0 2B 20 07 50 C9 F6 D7 A2 0C 12 11 0A 01 66 18 EA F2 F5 A8 A0 2B 20 09 65 00 00 C0 3F 12 0E 0A 01 6E 18 EA F2 F5 A8 A0 2B 20 03 38 01 18 02',
    },
  ];
  for (const c of cases) {
    test(`encode: ${c.name}`, () => {
      assert.equal(toHex(encodePayload(c.payload, c.omitTypes === true ? { omitMetricTypes: true } : {})), c.hex);
    });
    test(`decode: ${c.name}`, () => {
      const resolve = c.resolve;
      const decoded = decodePayload(fromHex(c.hex), resolve === undefined ? {} : { resolveType: () => resolve });
      assert.deepEqual(decoded, c.payload);
    });
  }

  test('NDATA without resolveType: value read from the wire field alone (unsigned), type undefined', () => {
    const m = decodePayload(fromHex(cases[3]?.hex ?? '')).metrics?.[0];
    assert.deepEqual(m, { alias: 7, timestamp: TS, value: 0xfffffffb });
  });

  test('[tck-id-payloads-ncmd-seq] a payload without seq has no field 3', () => {
    const bytes = encodePayload({ timestamp: TS, metrics: [{ name: 'x', type: 'Boolean', value: true }] });
    assert.equal(decodePayload(bytes).seq, undefined);
    assert.ok(!toHex(bytes).endsWith('18 00'));
  });

  test('decoder accepts seq before metrics (any field order)', () => {
    const inOrder = decodePayload(fromHex('08 01 18 05 12 05 0A 01 61 20 0B'));
    assert.deepEqual(inOrder, { timestamp: 1, metrics: [{ name: 'a', type: 'Boolean' }], seq: 5 });
  });
});
