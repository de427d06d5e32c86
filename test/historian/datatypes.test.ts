/** Every Sparkplug datatype through the historian and back out of the `history` view, exactly. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { lifo } from '../host/broker-helpers.js';
import { waitUntil } from '../helpers/wait.js';
import { event, sql, startHistorian, testSchema, update } from './helpers.js';

// Recent (whole seconds): rows older than the retention would have their partition dropped.
const T0 = Math.floor(Date.now() / 1000) * 1000 - 3_600_000;

interface HistoryRow {
  device_id: string | null;
  metric: string;
  datatype: string;
  ts: Date;
  value: string | null;
  value_text: string | null;
  value_bool: boolean | null;
  value_bytes: Buffer | null;
  value_json: unknown;
  is_null: boolean;
  quality: number | null;
  is_historical: boolean;
  bd_seq: string | null;
  seq: number | null;
}

test('every datatype is exact through the history view (integers to 2^64-1, doubles, strings, bytes, null, quality, historical)', async (t) => {
  const s = lifo(t);
  const schema = testSchema(s);
  const h = startHistorian(s, schema);
  const numbers: [string, Parameters<typeof update>[1], number | bigint, string][] = [
    ['i8', 'Int8', -128, '-128'],
    ['i16', 'Int16', 32767, '32767'],
    ['i32', 'Int32', -2147483648, '-2147483648'],
    ['i64min', 'Int64', -(2n ** 63n), '-9223372036854775808'],
    ['i64max', 'Int64', 2n ** 63n - 1n, '9223372036854775807'],
    ['u8', 'UInt8', 255, '255'],
    ['u16', 'UInt16', 65535, '65535'],
    ['u32', 'UInt32', 4294967295, '4294967295'],
    ['u64max', 'UInt64', 2n ** 64n - 1n, '18446744073709551615'],
    ['u64big', 'UInt64', 2n ** 53n + 1n, '9007199254740993'],
    ['dt', 'DateTime', T0 + 123, String(T0 + 123)],
  ];
  const doubles = [0.1, 1e-310, 5e-324, 1.7976931348623157e308, -2.5, 1 / 3, 123456789.12345678];
  const floatValue = Math.fround(0.1);
  const metrics = [
    ...numbers.map(([name, type, v], i) => update(name, type, v, T0 + i)),
    ...doubles.map((v, i) => update(`d${i}`, 'Double', v, T0 + i)),
    update('f', 'Float', floatValue, T0),
    update('b1', 'Boolean', true, T0),
    update('b0', 'Boolean', false, T0),
    update('s', 'String', 'Grüße ✓ 🚀 \t tab \\ back\nline', T0),
    update('txt', 'Text', 'long text', T0),
    update('uuid', 'UUID', '123e4567-e89b-12d3-a456-426614174000', T0),
    update('bytes', 'Bytes', new Uint8Array([0, 1, 0x5c, 0xff]), T0),
    update('null', 'Int32', null, T0),
    update('bad', 'Int32', 5, T0, { properties: { Quality: { type: 'Int32', value: 0 } } }),
    update('hist', 'Int32', 7, T0 - 3_600_000, { isHistorical: true }),
    update('arr', 'Int64Array', [1n, -(2n ** 63n), 3], T0),
    update('ds', 'DataSet', { columns: ['a'], types: ['UInt64'], rows: [[2n ** 64n - 1n], [null]] }, T0),
  ];
  h.record(event(metrics, { seq: 42, bdSeq: 3 }));
  h.record(event([update('nodeMetric', 'Int32', 1, T0)], { device: undefined }));
  await waitUntil(() => h.stats().rowsWritten === metrics.length + 1, 30_000, 'all rows written');
  const rows = await sql<HistoryRow>(`SELECT * FROM "${schema}".history`);
  const by = new Map(rows.map((r) => [r.metric, r]));
  const get = (name: string): HistoryRow => {
    const r = by.get(name);
    assert.ok(r, `row for ${name}`);
    return r;
  };
  for (const [name, type, , text] of numbers) {
    assert.equal(get(name).value, text, name);
    assert.equal(get(name).datatype, type);
  }
  doubles.forEach((v, i) => assert.equal(Number(get(`d${i}`).value), v, `double ${v}`));
  assert.equal(Number(get('f').value), floatValue);
  assert.equal(get('b1').value_bool, true);
  assert.equal(get('b0').value_bool, false);
  assert.equal(get('s').value_text, 'Grüße ✓ 🚀 \t tab \\ back\nline');
  assert.equal(get('txt').value_text, 'long text');
  assert.equal(get('uuid').value_text, '123e4567-e89b-12d3-a456-426614174000');
  assert.deepEqual([...(get('bytes').value_bytes ?? [])], [0, 1, 0x5c, 0xff]);
  assert.equal(get('null').is_null, true);
  assert.equal(get('null').value, null);
  assert.equal(get('i8').is_null, false);
  assert.equal(get('bad').quality, 0);
  assert.equal(get('i8').quality, null);
  assert.equal(get('hist').is_historical, true);
  assert.equal(get('hist').ts.getTime(), T0 - 3_600_000);
  assert.equal(get('i32').is_historical, false);
  assert.equal(get('i16').ts.getTime(), T0 + 1, 'the metric time, to the ms');
  assert.equal(get('i8').bd_seq, '3');
  assert.equal(get('i8').seq, 42);
  assert.equal(get('i8').device_id, 'D');
  assert.equal(get('nodeMetric').device_id, null, 'node metrics have a null device');
  // jsonb keeps numbers as numeric: the int64 extremes come back exactly as text
  const json = await sql<{ arr: string; ds: string }>(
    `SELECT (SELECT value_json->>1 FROM "${schema}".history WHERE metric = 'arr') AS arr,
            (SELECT value_json->'rows'->0->>0 FROM "${schema}".history WHERE metric = 'ds') AS ds`,
  );
  assert.equal(json[0]?.arr, '-9223372036854775808');
  assert.equal(json[0]?.ds, '18446744073709551615');
});

test('exactly once: the same message recorded again and a second historian replaying it add no row', async (t) => {
  const s = lifo(t);
  const schema = testSchema(s);
  const h = startHistorian(s, schema);
  const msg = event([update('A', 'Int32', 1, T0), update('B', 'Int32', 2, T0)]);
  h.record(msg);
  await waitUntil(() => h.stats().rowsWritten === 2, 30_000, 'first copy written');
  h.record(msg);
  h.record(event([update('A', 'Int32', 3, T0 + 1)]));
  await waitUntil(() => h.stats().rowsWritten === 3, 30_000, 'the new value written');
  assert.equal(h.stats().rowsDuplicate, 2);
  const again = startHistorian(s, schema);
  again.record(msg);
  await waitUntil(() => again.stats().rowsDuplicate === 2, 30_000, 'replay absorbed');
  const n = await sql<{ n: string }>(`SELECT count(*) AS n FROM "${schema}".history`);
  assert.equal(n[0]?.n, '3');
});

test('a bad row (NUL in a String, a time out of range) is isolated, logged with its metric and counted; the rest lands', async (t) => {
  const s = lifo(t);
  const schema = testSchema(s);
  const lines: string[] = [];
  const { pino } = await import('pino');
  const logger = pino({ level: 'info' }, { write: (l: string) => void lines.push(l) });
  const h = startHistorian(s, schema, { logger, batchMs: 500 });
  const good = Array.from({ length: 20 }, (_, i) => update(`ok${i}`, 'Int32', i, T0));
  h.record(event([...good.slice(0, 7), update('nul', 'String', 'a\u0000b', T0), ...good.slice(7, 15), update('far', 'Int32', 1, 2 ** 62), ...good.slice(15)]));
  await waitUntil(() => h.stats().rowsWritten + h.stats().rowsRejected === 22, 30_000, 'batch settled');
  assert.equal(h.stats().rowsWritten, 20);
  assert.equal(h.stats().rowsRejected, 2);
  const rejects = lines.filter((l) => l.includes('row rejected'));
  assert.equal(rejects.length, 2, rejects.join('\n'));
  assert.ok(rejects.some((l) => l.includes('"metric":"nul"')));
  assert.ok(rejects.some((l) => l.includes('"metric":"far"')));
  const n = await sql<{ n: string }>(`SELECT count(*) AS n FROM "${schema}".history`);
  assert.equal(n[0]?.n, '20');
});

test("the README's example queries run against the history view and give the expected answers", async (t) => {
  const s = lifo(t);
  const schema = testSchema(s);
  const h = startHistorian(s, schema);
  const minute = Math.floor(Date.now() / 60_000) * 60_000 - 10 * 60_000;
  const temps = [update('Temperature', 'Double', 20, minute), update('Temperature', 'Double', 22, minute + 1000), update('Temperature', 'Double', 90, minute + 2000, { properties: { Quality: { type: 'Int32', value: 0 } } })];
  for (const m of temps) h.record(event([m], { group: 'Plant1', node: 'Line4', device: 'Filler' }));
  await waitUntil(() => h.stats().rowsWritten === 3, 30_000, 'rows written');
  const readme = readFileSync(fileURLToPath(new URL('../../../README.md', import.meta.url)), 'utf8');
  const section = readme.slice(readme.indexOf('## Historian (PostgreSQL)'), readme.indexOf('## Deployment'));
  const block = /```sql\n([\s\S]*?)```/.exec(section)?.[1];
  assert.ok(block !== undefined, 'an SQL example in the README');
  const queries = block.split(';').map((q) => q.trim()).filter((q) => q.replace(/--.*$/gm, '').trim() !== '');
  assert.equal(queries.length, 2);
  const [lastHour, averages] = queries.map((q) => q.replaceAll('sparkstate.history', `"${schema}".history`));
  assert.deepEqual((await sql<{ value: string }>(lastHour ?? '')).map((r) => Number(r.value)), [20, 22, 90]);
  const avg = await sql<{ avg: string; n: string }>(averages ?? '');
  assert.deepEqual(avg.map((r) => [Number(r.avg), Number(r.n)]), [[21, 2]]);
});
