/** The pure checks behind `sparkstate sniff` (and its formatting), message by message. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SniffChecker, type SniffRecord } from '../../src/cli/sniff-checks.js';
import { formatJson, formatLine, formatSummary } from '../../src/cli/sniff-format.js';
import { encodePayload, type Metric, type Payload } from '../../src/payload/index.js';

const T0 = Date.UTC(2024, 0, 2, 3, 4, 5, 678);

function feed(checker: SniffChecker, topic: string, p: Payload | Uint8Array, qos: 0 | 1 = 0, retain = false): SniffRecord {
  const payload = p instanceof Uint8Array ? p : encodePayload(p, { omitMetricTypes: !/BIRTH/.test(topic) });
  return checker.check({ topic: `spBv1.0/${topic}`, payload, qos, retain, receivedAt: T0 });
}
const kinds = (r: SniffRecord): string[] => r.flags.map((f) => f.kind);
const messages = (r: SniffRecord): string[] => r.flags.map((f) => f.message);

function born(checker = new SniffChecker(), node: Metric[] = [], device: Metric[] = [{ name: 'Speed', alias: 10, type: 'Int8', value: 0 }]): SniffChecker {
  feed(checker, 'G/NBIRTH/E', { seq: 0, metrics: [{ name: 'bdSeq', type: 'Int64', value: 7 }, ...node] });
  feed(checker, 'G/DBIRTH/E/D', { seq: 1, metrics: device });
  return checker;
}

describe('sniff checks', () => {
  it('seq: one counter over NBIRTH, DBIRTH, NDATA, DDATA and DDEATH that wraps 255 → 0 unflagged [tck-id-payloads-sequence-num-incrementing]', () => {
    const c = born();
    const flags: string[] = [];
    for (let seq = 2; seq <= 255; seq++) flags.push(...kinds(feed(c, seq % 2 === 0 ? 'G/NDATA/E' : 'G/DDATA/E/D', { seq, metrics: [] })));
    flags.push(...kinds(feed(c, 'G/DDEATH/E/D', { seq: 0 })), ...kinds(feed(c, 'G/DBIRTH/E/D', { seq: 1, metrics: [] })));
    assert.deepEqual(flags, []);
    assert.deepEqual(messages(feed(c, 'G/NDATA/E', { seq: 0, metrics: [] })), ['expected seq 2, got 0']);
  });

  it('seq present on every counted message, NBIRTH at 0, none on NDEATH [tck-id-payloads-sequence-num-always-included] [tck-id-topics-nbirth-seq-num] [tck-id-payloads-ndeath-seq]', () => {
    const c = new SniffChecker();
    assert.deepEqual(messages(feed(c, 'G/NBIRTH/E', { seq: 4, metrics: [{ name: 'bdSeq', type: 'Int64', value: 1 }] })), ['NBIRTH seq must be 0, got 4']);
    assert.deepEqual(messages(feed(c, 'G/NDATA/E', { metrics: [] })), ['NDATA without seq']);
    assert.deepEqual(messages(feed(c, 'G/NDATA/E', { seq: 300, metrics: [] })), ['seq 300 is outside 0..255']);
    assert.deepEqual(kinds(feed(c, 'G/NDEATH/E', { seq: 5, metrics: [{ name: 'bdSeq', type: 'Int64', value: 1 }] }, 1)), ['seq-invalid']);
  });

  it('QoS and retain per message type; retain unchecked when the broker spoke MQTT 3.1.1 [tck-id-payloads-nbirth-qos] [tck-id-payloads-ndeath-will-message-qos] [tck-id-host-topic-phid-birth-retain] [tck-id-payloads-ncmd-retain]', () => {
    const c = new SniffChecker();
    const nbirth = { seq: 0, metrics: [{ name: 'bdSeq', type: 'Int64' as const, value: 1 }] };
    const state = new TextEncoder().encode('{"online":true,"timestamp":5}');
    assert.deepEqual(messages(feed(c, 'G/NBIRTH/E', nbirth, 1, true)), ['NBIRTH QoS 1 (must be 0), retained (must not be)']);
    assert.deepEqual(messages(feed(c, 'G/NDEATH/E', { metrics: [{ name: 'bdSeq', type: 'Int64', value: 1 }] }, 0)), ['NDEATH QoS 0 (must be 1)']);
    assert.deepEqual(messages(feed(c, 'STATE/h', state, 1, false)), ['STATE not retained (must be)']);
    assert.deepEqual(messages(feed(c, 'G/NCMD/E', { timestamp: 1, metrics: [] }, 0, true)), ['NCMD retained (must not be)']);
    assert.deepEqual(kinds(feed(c, 'STATE/h', state, 1, true)), []);
    c.retainKnown = false;
    assert.deepEqual(kinds(feed(c, 'STATE/h', state, 1, false)), []);
    assert.equal(c.summary().retainChecked, false);
  });

  it('births first: DBIRTH before NBIRTH, DDATA before its DBIRTH or after DDEATH [tck-id-payloads-dbirth-order] [tck-id-payloads-ddata-order]', () => {
    const c = new SniffChecker();
    assert.deepEqual(messages(feed(c, 'G/DBIRTH/E/D', { seq: 1, metrics: [] })), ['DBIRTH before NBIRTH (no NBIRTH seen)']);
    born(c);
    assert.deepEqual(messages(feed(c, 'G/DDATA/E/Other', { seq: 2, metrics: [] })), ['DDATA before DBIRTH of Other']);
    assert.deepEqual(kinds(feed(c, 'G/DDEATH/E/D', { seq: 3 })), []);
    assert.deepEqual(messages(feed(c, 'G/DDATA/E/D', { seq: 4, metrics: [] })), ['DDATA before DBIRTH of D']);
  });

  it('aliases resolve to birth names with the birth datatype; undeclared names and aliases are flagged, also in commands [tck-id-topics-nbirth-metric-reqs]', () => {
    const c = born(undefined, [{ name: 'Temp', alias: 1, type: 'Double', value: 1 }]);
    const r = feed(c, 'G/DDATA/E/D', { seq: 2, metrics: [{ alias: 10, type: 'Int8', value: -3 }] });
    assert.equal(r.kind === 'sparkplug' ? r.payload.metrics?.[0]?.value : undefined, -3, 'Int8 read signed, as the DBIRTH declares');
    assert.match(formatLine(r), /^03:04:05\.678 DDATA {2}G\/E\/D seq=2 Speed=-3$/);
    assert.deepEqual(messages(feed(c, 'G/NDATA/E', { seq: 3, metrics: [{ name: 'Nope', type: 'Int32', value: 1 }] })), ['metric "Nope" not declared in the NBIRTH']);
    const cmd = feed(c, 'G/NCMD/E', { timestamp: 1, metrics: [{ alias: 1, type: 'Double', value: 2 }, { alias: 5, type: 'Double', value: 2 }] });
    assert.match(formatLine(cmd), /NCMD {3}G\/E Temp=2 #5=2 {2}!! \[unknown-metric\] alias 5 not declared in the NBIRTH$/);
  });

  it('NDEATH: compared with the NBIRTH bdSeq only once one was seen; a matching one ends the session [tck-id-payloads-ndeath-bdseq]', () => {
    const c = new SniffChecker();
    const ndeath = (bdSeq: number) => ({ metrics: [{ name: 'bdSeq', type: 'Int64' as const, value: bdSeq }] });
    assert.deepEqual(kinds(feed(c, 'G/NDEATH/E', ndeath(1), 1)), [], 'no NBIRTH seen: nothing to compare');
    born(c);
    assert.deepEqual(kinds(feed(c, 'G/NDEATH/E', ndeath(6), 1)), ['bdseq-mismatch']);
    assert.deepEqual(messages(feed(c, 'G/NDEATH/E', { metrics: [] }, 1)), ["NDEATH no bdSeq does not match the NBIRTH's bdSeq 7 (hosts ignore it)"]);
    assert.deepEqual(kinds(feed(c, 'G/NDATA/E', { seq: 2, metrics: [] })), [], 'a mismatched NDEATH does not end the session');
    assert.deepEqual(kinds(feed(c, 'G/NDEATH/E', ndeath(7), 1)), []);
    assert.deepEqual(messages(feed(c, 'G/NDATA/E', { seq: 3, metrics: [] })), ['NDATA before NBIRTH (after NDEATH)']);
  });

  it('undecodable: bad topics, bad STATE JSON, bad protobuf; the sniffer losing its connection restarts seq counting', () => {
    const c = born();
    assert.deepEqual(kinds(c.check({ topic: 'spBv1.0/G/NOPE/E', payload: new Uint8Array(), qos: 0, retain: false, receivedAt: T0 })), ['undecodable']);
    assert.deepEqual(kinds(feed(c, 'STATE/h', new TextEncoder().encode('ONLINE'), 1, true)), ['undecodable']);
    assert.match(messages(feed(c, 'G/NDATA/E', new Uint8Array([0x0a])))[0] ?? '', /^SPB_ERR_DECODE: /);
    c.connectionLost();
    assert.deepEqual(kinds(feed(c, 'G/NDATA/E', { seq: 90, metrics: [] })), []);
  });

  it('formats: STATE with its time, JSON with bigints as strings, the summary with counts and examples', () => {
    const c = new SniffChecker();
    const state = feed(c, 'STATE/scada', new TextEncoder().encode(`{"online":false,"timestamp":${T0}}`), 1, true);
    assert.equal(formatLine(state), '03:04:05.678 STATE  scada offline ts=1704164645678 (2024-01-02T03:04:05.678Z)');
    assert.equal(formatSummary(c.summary(), false), '--- sniff summary: 1 message (STATE 1) ---\nno problems seen');
    const big = feed(c, 'G/NBIRTH/E', { seq: 0, metrics: [{ name: 'bdSeq', type: 'Int64', value: 2n ** 62n }] }, 1);
    assert.deepEqual(JSON.parse(formatJson(big)), {
      time: '2024-01-02T03:04:05.678Z', topic: 'spBv1.0/G/NBIRTH/E', qos: 1, retain: false, type: 'NBIRTH', group: 'G', node: 'E', seq: 0,
      metrics: [{ name: 'bdSeq', type: 'Int64', value: '4611686018427387904' }],
      flags: [{ kind: 'qos-retain', message: 'NBIRTH QoS 1 (must be 0)' }],
    });
    assert.match(formatSummary(c.summary(), false), /^qos-retain: 1\n {2}03:04:05\.678 spBv1\.0\/G\/NBIRTH\/E: NBIRTH QoS 1 \(must be 0\)$/m);
    assert.deepEqual(JSON.parse(formatSummary(c.summary(), true)).summary.byKind, { 'qos-retain': 1 });
  });
});
