/**
 * `sparkstate sniff` (the built CLI) against Mosquitto while a raw MQTT publisher sends crafted
 * Sparkplug messages: every flag on its line, the summary at Ctrl-C, and the --json form.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connect } from 'mqtt';
import { encodePayload, type Metric, type Payload } from '../../src/payload/index.js';
import { startMosquitto } from '../helpers/mosquitto.js';
import { lifo } from '../host/broker-helpers.js';
import { MAIN, spawnGroup } from './cli-process.js';

const state = (online: boolean, timestamp: number): Buffer => Buffer.from(JSON.stringify({ online, timestamp }));
const data = (seq: number, metrics: Metric[]): Buffer => Buffer.from(encodePayload({ timestamp: Date.now(), seq, metrics }, { omitMetricTypes: true }));
const birth = (p: Payload): Buffer => Buffer.from(encodePayload({ timestamp: Date.now(), ...p }));

interface JsonLine {
  type?: string;
  seq?: number;
  topic?: string;
  metrics?: { name?: string; alias?: number; value: unknown }[];
  flags: { kind: string; message: string }[];
  summary?: { messages: number; byKind: Record<string, number>; retainChecked: boolean };
}

test(
  'sniff: metrics by name from the births; flags seq gap and repeat, data before birth, unknown alias, wrong QoS/retain, NDEATH bdSeq mismatch, undecodable bytes; summary at Ctrl-C; --json and --group ' +
    '[tck-id-payloads-sequence-num-incrementing] [tck-id-payloads-ndata-order] [tck-id-payloads-ddata-order] [tck-id-topics-dbirth-metric-reqs] ' +
    '[tck-id-payloads-ndata-qos] [tck-id-payloads-ndata-retain] [tck-id-payloads-ndeath-bdseq]',
  { timeout: 30_000 },
  async (t) => {
    const s = lifo(t);
    const broker = await startMosquitto();
    s.after(() => broker.dispose());
    const pub = connect(broker.url, { clientId: 'sniff-test-publisher', reconnectPeriod: 0 });
    await new Promise<void>((resolve, reject) => pub.once('connect', () => resolve()).once('error', reject));
    s.after(() => pub.endAsync(true));
    const send = async (topic: string, payload: Buffer, qos: 0 | 1 = 0, retain = false): Promise<void> => {
      await pub.publishAsync(`spBv1.0/${topic}`, payload, { qos, retain });
    };
    // Retained before the sniffers start: its line shows that they are subscribed.
    await send('STATE/scada', state(true, 1_700_000_000_000), 1, true);

    const text = spawnGroup(s, process.execPath, [MAIN, 'sniff', broker.url]);
    const json = spawnGroup(s, process.execPath, [MAIN, 'sniff', '--broker', broker.url, '--json', '--group', 'G']);
    await text.waitForStdout(/STATE {2}scada online ts=1700000000000 \(2023-11-14T22:13:20\.000Z\)/, 8000);
    await json.waitForStdout(/"type":"STATE"/, 8000);

    await send('G/NDATA/E1', data(5, [{ alias: 1, type: 'Double', value: 1 }])); // before any NBIRTH
    await send('G2/NDATA/E9', data(0, [{ name: 'X', type: 'Int32', value: 1 }])); // another group
    await send('G/NBIRTH/E1', birth({ seq: 0, metrics: [
      { name: 'bdSeq', type: 'Int64', value: 3 },
      { name: 'Node Control/Rebirth', type: 'Boolean', value: false },
      { name: 'Temp', alias: 1, type: 'Double', value: 20 },
      { name: 'Count', alias: 2, type: 'Int64', value: 1 },
    ] }));
    await send('G/DBIRTH/E1/D1', birth({ seq: 1, metrics: [{ name: 'Speed', alias: 10, type: 'Int32', value: 0 }] }));
    await send('G/NDATA/E1', data(2, [{ alias: 1, type: 'Double', value: 21.5 }, { alias: 2, type: 'Int64', value: 2n ** 60n }]));
    await send('G/DDATA/E1/D1', data(3, [{ alias: 10, type: 'Int32', value: -5 }]));
    await send('G/DDATA/E1/D1', data(5, [{ alias: 10, type: 'Int32', value: 6 }])); // 4 is missing
    await send('G/DDATA/E1/D1', data(5, [{ alias: 10, type: 'Int32', value: 7 }])); // 5 again
    await send('G/DDATA/E1/D1', data(6, [{ alias: 99, type: 'Int32', value: 1 }])); // no such alias
    await send('G/NDATA/E1', data(7, [{ alias: 1, type: 'Double', value: 22 }]), 1); // QoS 1
    await send('G/NDATA/E1', data(8, [{ alias: 1, type: 'Double', value: 23 }]), 0, true); // retained
    await send('G/DDATA/E1/D1', Buffer.from([0xff, 0xff, 0xff]));
    await send('G/NDEATH/E1', birth({ metrics: [{ name: 'bdSeq', type: 'Int64', value: 2 }] }), 1); // a late Will
    await send('G/NDEATH/E1', birth({ metrics: [{ name: 'bdSeq', type: 'Int64', value: 3 }] }), 1);
    await send('STATE/scada', state(false, 1_700_000_000_500), 1, true);
    await send('G/DDATA/E1/D1', data(9, [{ alias: 10, type: 'Int32', value: 8 }]));
    await text.waitForStdout(/DDATA {2}G\/E1\/D1 seq=9/, 5000);
    await json.waitForStdout(/"seq":9/, 5000);

    // One Ctrl-C each: a repeat could land while the process is already exiting, and repeats are
    // the subject of test/cli/signals.test.ts and the CLI edge's SIGTERM ×3 test.
    text.signalGroup('SIGINT');
    json.signalGroup('SIGINT');
    assert.deepEqual(await text.exited, { code: 0, signal: null }, text.stderr());
    assert.deepEqual(await json.exited, { code: 0, signal: null }, json.stderr());

    const out = text.stdout();
    const line = (pattern: RegExp): string => {
      const found = out.split('\n').find((l) => pattern.test(l));
      assert.ok(found !== undefined, `no line matches ${String(pattern)} in:\n${out}`);
      return found;
    };
    const clean = (pattern: RegExp): void => assert.doesNotMatch(line(pattern), /!!/, `no flag on ${String(pattern)}`);
    assert.match(line(/NDATA {2}G\/E1 seq=5/), /#1=1 {2}!! \[before-birth\] NDATA before NBIRTH \(no NBIRTH seen\)$/);
    assert.match(line(/NDATA {2}G2\/E9 seq=0/), /X=1 {2}!! \[before-birth\]/);
    clean(/NBIRTH G\/E1 seq=0 bdSeq=3 Node Control\/Rebirth=false Temp=20 Count=1$/);
    clean(/DBIRTH G\/E1\/D1 seq=1 Speed=0$/);
    clean(/NDATA {2}G\/E1 seq=2 Temp=21\.5 Count=1152921504606846976$/);
    clean(/DDATA {2}G\/E1\/D1 seq=3 Speed=-5$/);
    assert.match(line(/DDATA {2}G\/E1\/D1 seq=5 Speed=6/), /!! \[seq-gap\] expected seq 4, got 5$/);
    assert.match(line(/DDATA {2}G\/E1\/D1 seq=5 Speed=7/), /!! \[seq-repeat\] seq 5 repeated$/);
    assert.match(line(/DDATA {2}G\/E1\/D1 seq=6/), /#99=1 {2}!! \[unknown-metric\] alias 99 not declared in the DBIRTH$/);
    assert.match(line(/NDATA {2}G\/E1 seq=7/), /Temp=22 {2}!! \[qos-retain\] NDATA QoS 1 \(must be 0\)$/);
    assert.match(line(/NDATA {2}G\/E1 seq=8/), /Temp=23 {2}!! \[qos-retain\] NDATA retained \(must not be\)$/);
    assert.match(line(/DDATA {2}spBv1\.0\/G\/DDATA\/E1\/D1 \(3 bytes\)/), /!! \[undecodable\] SPB_ERR_DECODE: /);
    assert.match(line(/NDEATH G\/E1 bdSeq=2/), /!! \[bdseq-mismatch\] NDEATH bdSeq 2 does not match the NBIRTH's bdSeq 3 \(hosts ignore it\)$/);
    clean(/NDEATH G\/E1 bdSeq=3$/);
    clean(/STATE {2}scada offline ts=1700000000500 \(2023-11-14T22:13:20\.500Z\)$/);
    assert.match(line(/DDATA {2}G\/E1\/D1 seq=9/), /#10=8 {2}!! \[before-birth\] DDATA before NBIRTH \(after NDEATH\)$/);

    const summary = out.slice(out.indexOf('--- sniff summary'));
    assert.match(summary, /^--- sniff summary: 17 messages \(STATE 2, NDATA 5, NBIRTH 1, DBIRTH 1, DDATA 6, NDEATH 2\) ---$/m);
    for (const [kind, n] of Object.entries({ 'seq-gap': 1, 'seq-repeat': 1, 'before-birth': 3, 'unknown-metric': 1, 'bdseq-mismatch': 1, 'qos-retain': 2, undecodable: 1 })) {
      assert.match(summary, new RegExp(`^${kind}: ${n}$`, 'm'));
    }
    assert.match(summary, /^ {2}\d\d:\d\d:\d\d\.\d{3} spBv1\.0\/G\/DDATA\/E1\/D1: expected seq 4, got 5$/m);

    // --json: one object per line (bigints as strings), only group G (and STATE), the summary last.
    const lines = json.stdout().trim().split('\n').map((l) => JSON.parse(l) as JsonLine);
    assert.ok(lines.every((l) => !l.topic?.includes('/G2/')), 'no message of another group');
    const ndata = lines.find((l) => l.type === 'NDATA' && l.seq === 2);
    assert.deepEqual(ndata?.metrics?.map((m) => [m.name, m.alias, m.value]), [['Temp', 1, 21.5], ['Count', 2, '1152921504606846976']]);
    assert.deepEqual(lines.find((l) => l.type === 'DDATA' && l.seq === 6)?.flags.map((f) => f.kind), ['unknown-metric']);
    const last = lines.at(-1)?.summary;
    assert.equal(last?.messages, 16);
    assert.equal(last.retainChecked, true);
    assert.deepEqual(last.byKind, { 'seq-gap': 1, 'seq-repeat': 1, 'before-birth': 2, 'unknown-metric': 1, 'bdseq-mismatch': 1, 'qos-retain': 2, undecodable: 1 });
  },
);
