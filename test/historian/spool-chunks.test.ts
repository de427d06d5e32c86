/** The spool file on its own: chunks in order across appends and reopening, and a first-release spool upgraded. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { Spool, type Queued } from '../../src/historian/spool.js';
import type { SampleRow } from '../../src/historian/types.js';
import { lifo } from '../host/broker-helpers.js';
import { tempDir } from './helpers.js';

function row(n: number): SampleRow {
  return {
    group: 'G', node: 'N', device: 'D', name: `m\t${n}`, datatype: 'Int64', properties: null, ts: String(1_700_000_000_000 + n),
    receivedAt: 1_700_000_000_000, num: String(n), text: null, bool: null, bytes: null, json: null, isNull: false, quality: null,
    historical: false, bdSeq: '0', seq: n & 0xff,
  };
}

const queued = (from: number, count: number): Queued[] => Array.from({ length: count }, (_, i) => ({ ord: from + i, row: row(from + i) }));

test('spool: rows come back in order number order across appends of any size, whole chunks at a time, and after reopening', (t) => {
  const s = lifo(t);
  const dir = tempDir(s);
  const a = new Spool(dir);
  // A failed batch (older order numbers) spooled after newer rows still drains first.
  a.append(queued(100, 7001));
  a.append(queued(0, 1));
  a.append(queued(1, 3));
  assert.equal(a.rows, 7005);
  const first = a.peek(2);
  assert.deepEqual(first.map((q) => q.ord), [0, 1, 2, 3], 'whole chunks: the 1-row and the 3-row one');
  assert.deepEqual(first[3]?.row, row(3));
  a.ack(first);
  assert.equal(a.rows, 7001);
  a.close();
  const b = new Spool(dir);
  assert.equal(b.rows, 7001);
  assert.equal(b.nextOrd, 7101);
  const rest = b.peek(10_000);
  assert.deepEqual(rest.map((q) => q.ord), Array.from({ length: 7001 }, (_, i) => 100 + i));
  b.ack(rest);
  assert.equal(b.rows, 0);
  assert.equal(b.bytes, 0);
  assert.deepEqual(b.peek(10), []);
  b.close();
});

test('spool: a file of the first release (one SQLite row per value) is read as chunks, in order, nothing lost', (t) => {
  const s = lifo(t);
  const dir = tempDir(s);
  const old = new Database(join(dir, 'historian-spool.sqlite'));
  old.exec('CREATE TABLE rows (ord INTEGER PRIMARY KEY, row TEXT NOT NULL)');
  const ins = old.prepare('INSERT INTO rows (ord, row) VALUES (?, ?)');
  for (const q of [...queued(10, 5), ...queued(0, 3)]) ins.run(q.ord, JSON.stringify(q.row));
  old.close();
  const sp = new Spool(dir);
  assert.equal(sp.rows, 8);
  assert.equal(sp.nextOrd, 15);
  const all = sp.peek(100);
  assert.deepEqual(all.map((q) => q.ord), [0, 1, 2, 10, 11, 12, 13, 14]);
  assert.deepEqual(all[7]?.row, row(14));
  sp.close();
});
