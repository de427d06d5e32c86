/** The spool file on its own: chunks in order across appends and reopening, re-keying for another database, spools of earlier releases. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import type { Block, MetricKey } from '../../src/historian/blocks.js';
import { Spool } from '../../src/historian/spool.js';
import { lifo } from '../host/broker-helpers.js';
import { tempDir } from './helpers.js';

const T = 1_700_000_000_000;
const DAY = Math.floor(T / 86_400_000);
const key = (n: number): MetricKey => ({ group: 'G', node: 'N', device: 'D', name: `m\t${n}`, datatype: 'Int64', properties: null });
const tail = (n: number): string => `\t${new Date(T + n).toISOString()}\t${new Date(T).toISOString()}\t${n}\t\\N\t\\N\t\\N\t\\N\tf\t\\N\tf\t0\t${n & 0xff}\n`;

/** `count` one-row copy blocks from order number `from`, metric id = order number + 1. */
function copies(from: number, count: number): Block[] {
  return Array.from({ length: count }, (_, i) => ({
    kind: 'copy', ord: from + i, rows: 1, days: [DAY], oldestLive: T + from + i, body: Buffer.from(`${from + i + 1}${tail(from + i)}`),
  }));
}

test('spool: blocks come back in order number order across appends of any size, whole chunks at a time, and after reopening', (t) => {
  const s = lifo(t);
  const dir = tempDir(s);
  const a = new Spool(dir);
  // A failed batch (older order numbers) spooled after newer blocks still drains first.
  a.append(copies(100, 7001));
  a.append(copies(0, 1));
  a.append(copies(1, 3));
  assert.equal(a.rows, 7005);
  const first = a.peek(2);
  assert.deepEqual(first.map((q) => [q.block.ord, q.last, q.block.rows]), [[0, 0, 1], [1, 3, 3]], 'whole chunks: the 1-row and the 3-row one');
  const b3 = first[1]?.block;
  assert.ok(b3?.kind === 'copy');
  assert.equal(b3.body.toString(), `2${tail(1)}3${tail(2)}4${tail(3)}`);
  assert.equal(b3.oldestLive, T + 1);
  a.ack(first);
  assert.equal(a.rows, 7001);
  a.close();
  const b = new Spool(dir);
  assert.equal(b.rows, 7001);
  assert.equal(b.nextOrd, 7101);
  const rest = b.peek(10_000);
  assert.deepEqual(rest.map((q) => q.block.rows), [5000, 2001], 'chunks of at most 5000 rows');
  assert.equal(rest.map((q) => (q.block.kind === 'copy' ? q.block.body.toString() : '')).join(''), copies(100, 7001).map((c) => (c.kind === 'copy' ? c.body.toString() : '')).join(''));
  b.ack(rest);
  assert.equal(b.rows, 0);
  assert.equal(b.bytes, 0);
  assert.deepEqual(b.peek(10), []);
  b.close();
});

test('spool: copy text written for one database is re-keyed by metric for another; rows of an unknown id are dropped and counted', (t) => {
  const s = lifo(t);
  const dir = tempDir(s);
  const a = new Spool(dir);
  assert.equal(a.adopt('db-1'), 0);
  a.rememberIds([[1, key(0)], [2, key(1)]]);
  a.append(copies(0, 3));
  assert.equal(a.adopt('db-1'), 0, 'the same database: nothing to do');
  a.close();
  const b = new Spool(dir);
  assert.equal(b.adopt('db-2'), 1, 'id 3 was never remembered');
  assert.equal(b.rows, 2);
  const [only] = b.peek(10);
  const blk = only?.block;
  assert.ok(blk?.kind === 'keyed');
  assert.deepEqual(blk.keys, [key(0), key(1)]);
  assert.deepEqual(blk.tails, [tail(0), tail(1)]);
  b.close();
});

test('spool: files of earlier releases (one SQLite row per value; chunks of JSON rows) are read as keyed blocks, in order, nothing lost', (t) => {
  const s = lifo(t);
  const dir = tempDir(s);
  const row = (n: number): Record<string, unknown> => ({
    group: 'G', node: 'N', device: 'D', name: `m\t${n}`, datatype: 'Int64', properties: null, ts: String(T + n), receivedAt: T, num: String(n),
    text: null, bool: null, bytes: null, json: null, isNull: false, quality: null, historical: false, bdSeq: '0', seq: n & 0xff,
  });
  const old = new Database(join(dir, 'historian-spool.sqlite'));
  old.exec('CREATE TABLE rows (ord INTEGER PRIMARY KEY, row TEXT NOT NULL)');
  const ins = old.prepare('INSERT INTO rows (ord, row) VALUES (?, ?)');
  for (const n of [10, 11, 12, 0, 1]) ins.run(n, JSON.stringify(row(n)));
  old.exec('CREATE TABLE chunks (first INTEGER PRIMARY KEY, last INTEGER NOT NULL, n INTEGER NOT NULL, rows TEXT NOT NULL)');
  old.prepare('INSERT INTO chunks VALUES (?, ?, ?, ?)').run(5, 6, 2, JSON.stringify([[5, row(5)], [6, row(6)]]));
  old.close();
  const sp = new Spool(dir);
  assert.equal(sp.rows, 7);
  assert.equal(sp.nextOrd, 13);
  const all = sp.peek(100);
  const keys = all.flatMap((q) => (q.block.kind === 'keyed' ? q.block.keys : []));
  const tails = all.flatMap((q) => (q.block.kind === 'keyed' ? q.block.tails : []));
  assert.deepEqual(keys.map((k) => k.name), [0, 1, 5, 6, 10, 11, 12].map((n) => `m\t${n}`));
  assert.deepEqual(tails, [0, 1, 5, 6, 10, 11, 12].map(tail));
  sp.close();
});
