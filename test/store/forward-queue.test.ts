import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { ErrorCodes, isSparkplugError } from '../../src/errors.js';
import { FORWARD_FILE, ForwardQueue, type ForwardRecord, type StoredRecord } from '../../src/store/index.js';
import { captureLogger, tempDirs } from './helpers.js';

const dirs = tempDirs('forward');
after(dirs.cleanup);

const SCOPES = ['', 'dev-a', 'dev-b'] as const;
const T0 = 1_700_000_000_000;

/** Record number `seq`: its scope and timestamp derive from seq, and data carries it. */
function rec(seq: number, dataBytes = 8): ForwardRecord {
  const data = new Uint8Array(dataBytes);
  new DataView(data.buffer).setUint32(0, seq);
  return { scope: SCOPES[seq % SCOPES.length] ?? '', timestamp: T0 + seq, data };
}

/** The bytes a record counts against maxBytes (data + scope). */
function sizeOf(seqNumbers: readonly number[], dataBytes = 8): number {
  return seqNumbers.reduce((sum, i) => sum + dataBytes + Buffer.byteLength(rec(i).scope), 0);
}

function seqOf(r: StoredRecord): number {
  return new DataView(r.data.buffer, r.data.byteOffset, r.data.byteLength).getUint32(0);
}

function seqs(records: readonly StoredRecord[]): number[] {
  return records.map(seqOf);
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i);
}

/** Rows committed to the file, as another connection sees them. */
function committedRows(dir: string): number {
  const db = new Database(join(dir, FORWARD_FILE), { readonly: true });
  try {
    return db.prepare<[], number>('SELECT COUNT(*) FROM records').pluck().get() ?? 0;
  } finally {
    db.close();
  }
}

function isCode(code: string): (e: unknown) => boolean {
  return (e: unknown) => isSparkplugError(e) && e.code === code;
}

describe('ForwardQueue', () => {
  test('keeps append order across scopes, with scope, timestamp and data intact', async () => {
    const q = await ForwardQueue.open({ dir: await dirs.make() });
    for (let i = 0; i < 1000; i++) q.append(rec(i));
    const out = q.peek(5000);
    assert.deepEqual(seqs(out), range(0, 1000));
    out.forEach((r, i) => {
      assert.equal(r.scope, rec(i).scope);
      assert.equal(r.timestamp, T0 + i);
      assert.deepEqual(new Uint8Array(r.data), rec(i).data);
      if (i > 0) assert.ok(r.id > (out[i - 1]?.id ?? Infinity));
    });
    q.close();
  });

  test('copies appended data, so a reused caller buffer does not change stored records', async () => {
    const q = await ForwardQueue.open({ dir: await dirs.make(), flushIntervalMs: 60_000 });
    const r = rec(1);
    q.append(r);
    r.data.fill(0xff);
    assert.deepEqual(seqs(q.peek(1)), [1]);
    q.close();
  });

  test('writes a batch as soon as flushBatch records are pending', async () => {
    const dir = await dirs.make();
    const q = await ForwardQueue.open({ dir, flushIntervalMs: 60_000, flushBatch: 10 });
    for (let i = 0; i < 9; i++) q.append(rec(i));
    assert.equal(committedRows(dir), 0);
    assert.equal(q.stats().records, 9, 'stats count pending records');
    q.append(rec(9));
    assert.equal(committedRows(dir), 10);
    q.append(rec(10));
    q.flush();
    assert.equal(committedRows(dir), 11);
    q.close();
  });

  test('writes pending records after flushIntervalMs', async () => {
    const dir = await dirs.make();
    const q = await ForwardQueue.open({ dir, flushIntervalMs: 50, flushBatch: 1000 });
    const started = Date.now();
    for (let i = 0; i < 5; i++) q.append(rec(i));
    assert.equal(committedRows(dir), 0);
    while (committedRows(dir) === 0 && Date.now() - started < 5000) await sleep(5);
    assert.equal(committedRows(dir), 5);
    assert.ok(Date.now() - started >= 45, 'not written before the interval');
    q.close();
  });

  test('flushIntervalMs 0 writes through', async () => {
    const dir = await dirs.make();
    const q = await ForwardQueue.open({ dir, flushIntervalMs: 0 });
    q.append(rec(0));
    assert.equal(committedRows(dir), 1);
    q.close();
  });

  test('maxRecords drops the oldest, counts them persistently, warns once per outage', async () => {
    const dir = await dirs.make();
    const { logger, warnings } = captureLogger();
    const q = await ForwardQueue.open({ dir, maxRecords: 100, flushBatch: 25, logger });
    for (let i = 0; i < 250; i++) q.append(rec(i));
    q.flush();
    assert.deepEqual(q.stats(), { records: 100, bytes: sizeOf(range(150, 250)), dropped: 150, unstored: 0, failing: false });
    assert.deepEqual(seqs(q.peek(1000)), range(150, 250));
    assert.equal(warnings().length, 1);
    q.close();

    const reopened = await ForwardQueue.open({ dir, maxRecords: 100, logger });
    assert.equal(reopened.stats().dropped, 150);
    const all = reopened.peek(1000);
    reopened.ack(all.at(-1)?.id ?? 0);
    assert.ok(reopened.isEmpty());
    for (let i = 0; i < 101; i++) reopened.append(rec(i));
    reopened.flush();
    assert.equal(reopened.stats().dropped, 151);
    assert.equal(warnings().length, 2, 'a new outage (after draining) warns again');
    reopened.close();
  });

  test('maxBytes drops the oldest; dropped survives reopen; smaller limits trim at open', async () => {
    const dir = await dirs.make();
    const tenNewest = sizeOf(range(20, 30), 100);
    const q = await ForwardQueue.open({ dir, maxBytes: tenNewest, flushBatch: 7 });
    for (let i = 0; i < 30; i++) q.append(rec(i, 100));
    q.flush();
    assert.deepEqual(q.stats(), { records: 10, bytes: tenNewest, dropped: 20, unstored: 0, failing: false });
    assert.deepEqual(seqs(q.peek(100)), range(20, 30));
    q.close();

    const reopened = await ForwardQueue.open({ dir });
    assert.deepEqual(reopened.stats(), { records: 10, bytes: tenNewest, dropped: 20, unstored: 0, failing: false });
    reopened.close();
    const smaller = await ForwardQueue.open({ dir, maxRecords: 4 });
    assert.deepEqual(seqs(smaller.peek(100)), range(26, 30));
    assert.equal(smaller.stats().dropped, 26);
    smaller.close();
  });

  test('peek returns the oldest without removing; ack(id) removes up to id', async () => {
    const q = await ForwardQueue.open({ dir: await dirs.make(), flushIntervalMs: 60_000 });
    for (let i = 0; i < 10; i++) q.append(rec(i));
    const first = q.peek(4);
    assert.deepEqual(seqs(first), [0, 1, 2, 3], 'peek flushes pending records first');
    assert.deepEqual(q.peek(4), first);
    q.ack(first[1]?.id ?? 0);
    assert.deepEqual(seqs(q.peek(4)), [2, 3, 4, 5]);
    assert.equal(q.stats().records, 8);
    const rest = q.peek(100);
    q.ack(rest.at(-1)?.id ?? 0);
    assert.ok(q.isEmpty());
    assert.deepEqual(q.stats(), { records: 0, bytes: 0, dropped: 0, unstored: 0, failing: false });

    q.append(rec(10));
    assert.ok(!q.isEmpty());
    q.ack(rest.at(-1)?.id ?? 0);
    assert.deepEqual(seqs(q.peek(10)), [10], 'ids are never reused, so a stale ack cannot delete newer records');
    assert.ok((q.peek(1)[0]?.id ?? 0) > (rest.at(-1)?.id ?? Infinity));
    q.close();
  });

  test('reopen keeps un-acked records (at-least-once replay) and close flushes', async () => {
    const dir = await dirs.make();
    const q = await ForwardQueue.open({ dir, flushIntervalMs: 60_000 });
    for (let i = 0; i < 20; i++) q.append(rec(i));
    const published = q.peek(5);
    q.ack(published.at(-1)?.id ?? 0);
    q.peek(5); // published, then "crashed" before ack
    q.append(rec(20));
    q.close();

    const reopened = await ForwardQueue.open({ dir });
    assert.deepEqual(seqs(reopened.peek(100)), range(5, 21));
    assert.equal(reopened.stats().records, 16);
    reopened.close();
  });

  test('closed queue throws LIFECYCLE; close twice is a no-op', async () => {
    const q = await ForwardQueue.open({ dir: await dirs.make() });
    q.close();
    q.close();
    assert.throws(() => q.append(rec(0)), isCode(ErrorCodes.LIFECYCLE));
    assert.throws(() => q.peek(1), isCode(ErrorCodes.LIFECYCLE));
  });

  test('invalid options throw CONFIG', async () => {
    const dir = await dirs.make();
    const invalid = [{ maxBytes: 0 }, { maxBytes: NaN }, { maxRecords: -1 }, { flushIntervalMs: 1.5 }, { flushBatch: 0 }];
    for (const bad of invalid) {
      await assert.rejects(ForwardQueue.open({ dir, ...bad }), isCode(ErrorCodes.CONFIG), JSON.stringify(bad));
    }
    const q = await ForwardQueue.open({ dir });
    assert.throws(() => q.peek(0), isCode(ErrorCodes.CONFIG));
    q.close();
  });

  test('SQLite failures other than a damaged file surface as STORE errors with a cause', async () => {
    const isStoreWithCause = (e: unknown): boolean =>
      isSparkplugError(e) && e.code === ErrorCodes.STORE && e.cause instanceof Error;
    const dirInTheWay = await dirs.make();
    await mkdir(join(dirInTheWay, FORWARD_FILE));
    await assert.rejects(ForwardQueue.open({ dir: dirInTheWay }), isStoreWithCause);
  });
});
