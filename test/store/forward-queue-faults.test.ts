/**
 * The queue under storage faults: a disk that fills up under it (a real tmpfs, mounted here), and a
 * queue file damaged while the edge was stopped (truncated, overwritten, garbage).
 */
import assert from 'node:assert/strict';
import { closeSync, openSync, writeSync } from 'node:fs';
import { readFile, readdir, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { FORWARD_FILE, ForwardQueue, type ForwardRecord, type StoredRecord } from '../../src/store/index.js';
import { mountTmpfs } from '../e2e/storage-helpers.js';
import { waitUntil } from '../helpers/wait.js';
import { captureLogger, tempDirs } from './helpers.js';

const dirs = tempDirs('forward-faults');
after(dirs.cleanup);

function rec(seq: number): ForwardRecord {
  const data = new Uint8Array(24);
  new DataView(data.buffer).setUint32(0, seq);
  return { scope: 'dev', timestamp: 1_700_000_000_000 + seq, data };
}

function seqs(records: readonly StoredRecord[]): number[] {
  return records.map((r) => new DataView(r.data.buffer, r.data.byteOffset, r.data.byteLength).getUint32(0));
}

async function filledQueue(dir: string, count: number): Promise<void> {
  const q = await ForwardQueue.open({ dir });
  for (let i = 0; i < count; i++) q.append(rec(i));
  q.close();
}

describe('ForwardQueue storage faults', () => {
  test('disk full: ONE error line, memory bounded by maxPending, refusals counted, nothing stored before is lost, writes resume once space is back', async (t) => {
    const mount = await mountTmpfs(await dirs.make(), 1024 * 1024);
    if (mount === undefined) return t.skip('mount -t tmpfs is not permitted here');
    t.after(() => mount.unmount());
    const { logger, lines } = captureLogger();
    const q = await ForwardQueue.open({ dir: join(mount.dir, 'store'), flushIntervalMs: 50, maxPending: 1000, logger });
    for (let i = 0; i < 2000; i++) assert.equal(q.append(rec(i)), true);
    assert.equal(q.flush(), true);

    mount.fill();
    let refused = 0;
    for (let i = 2000; i < 6000; i++) if (!q.append(rec(i))) refused++;
    assert.equal(q.flush(), false, 'the write fails, and says so without throwing');
    const errors = lines.filter((l) => l.level === 50);
    assert.equal(errors.length, 1, 'one error line for the whole failure, not one per append or retry');
    assert.match(errors[0]?.msg ?? '', /cannot be written \(disk full\?\)/);
    assert.equal(refused, 3000, 'beyond maxPending appends are refused');
    assert.equal(q.stats().unstored, 3000);
    assert.equal(q.stats().failing, true);
    assert.deepEqual(seqs(q.peek(10_000)), Array.from({ length: 2000 }, (_, i) => i), 'the file still serves what it held');

    await mount.free();
    await waitUntil(() => !q.stats().failing, 10_000, 'the retry timer to write again');
    assert.match(lines.find((l) => /writable again/.test(l.msg))?.msg ?? '', /3000 record\(s\) could not be stored/);
    const all = seqs(q.peek(10_000));
    assert.deepEqual(all, Array.from({ length: 3000 }, (_, i) => i), 'in order, none twice: 0..1999 stored before, 2000..2999 held in memory');
    q.close();
  });

  test('closed while the disk is full: what waits in memory is lost and said so in ONE error line, what the file holds survives', async (t) => {
    const mount = await mountTmpfs(await dirs.make(), 1024 * 1024);
    if (mount === undefined) return t.skip('mount -t tmpfs is not permitted here');
    t.after(() => mount.unmount());
    const dir = join(mount.dir, 'store');
    const { logger, lines } = captureLogger();
    const q = await ForwardQueue.open({ dir, flushIntervalMs: 50, logger });
    for (let i = 0; i < 1000; i++) q.append(rec(i));
    q.flush();
    mount.fill();
    for (let i = 1000; i < 1600; i++) q.append(rec(i));
    q.close();
    const closing = lines.filter((l) => /closed while its file cannot be written/.test(l.msg));
    assert.equal(closing.length, 1);
    assert.equal(closing[0]?.lost, 600);
    await mount.free();
    const reopened = await ForwardQueue.open({ dir });
    assert.deepEqual(seqs(reopened.peek(10_000)), Array.from({ length: 1000 }, (_, i) => i));
    reopened.close();
  });

  test('replay on a full disk: acked records are not handed out again even when their delete fails; deleted once there is room', async (t) => {
    const mount = await mountTmpfs(await dirs.make(), 1024 * 1024);
    if (mount === undefined) return t.skip('mount -t tmpfs is not permitted here');
    t.after(() => mount.unmount());
    const dir = join(mount.dir, 'store');
    const q = await ForwardQueue.open({ dir, flushIntervalMs: 50 });
    for (let i = 0; i < 3000; i++) q.append(rec(i));
    q.flush();
    mount.fill();
    const handedOut: number[] = [];
    for (let batch = q.peek(700); batch.length > 0; batch = q.peek(700)) {
      assert.ok(handedOut.length < 3000, 'records handed out again');
      handedOut.push(...seqs(batch));
      q.ack(batch.at(-1)?.id ?? 0);
    }
    assert.deepEqual(handedOut, Array.from({ length: 3000 }, (_, i) => i), 'each record once, in order');
    await mount.free();
    await waitUntil(() => q.isEmpty(), 10_000, 'the deletes to be retried');
    q.close();
    const reopened = await ForwardQueue.open({ dir });
    assert.equal(reopened.isEmpty(), true, 'nothing is replayed twice after a restart');
    reopened.close();
  });

  test('garbage in forward.sqlite: moved aside as forward.sqlite.corrupt-<time>, ONE error line naming both files, a new empty queue', async () => {
    const dir = await dirs.make();
    await filledQueue(dir, 100);
    const size = (await stat(join(dir, FORWARD_FILE))).size;
    await writeFile(join(dir, FORWARD_FILE), Buffer.alloc(size, 0x5a));
    const { logger, lines } = captureLogger();
    const q = await ForwardQueue.open({ dir, logger });
    assert.equal(lines.length, 1);
    assert.equal(lines[0]?.level, 50);
    assert.equal(lines[0]?.file, join(dir, FORWARD_FILE));
    assert.match(String(lines[0]?.movedTo), /forward\.sqlite\.corrupt-\d{4}-\d\d-\d\dT/);
    assert.match(lines[0]?.msg ?? '', /damaged: moved aside to .*started a new queue with the 0 record/);
    assert.ok((await readdir(dir)).some((n) => /^forward\.sqlite\.corrupt-[^-]+-\d\d-\d\dT[\d-]+Z$/.test(n)));
    assert.equal(q.isEmpty(), true);
    q.append(rec(1));
    q.close();
  });

  test('truncated forward.sqlite: what is still readable is carried over, in order', async () => {
    const dir = await dirs.make();
    await filledQueue(dir, 20_000);
    const file = join(dir, FORWARD_FILE);
    await truncate(file, Math.floor((await stat(file)).size / 2));
    const { logger, lines } = captureLogger();
    const q = await ForwardQueue.open({ dir, logger });
    const kept = seqs(q.peek(100_000));
    assert.ok(kept.length > 5000, `salvaged ${kept.length} of 20000`);
    assert.deepEqual(kept, Array.from({ length: kept.length }, (_, i) => i), 'the readable head, oldest first, no gaps');
    assert.equal(lines[0]?.salvaged, kept.length);
    q.close();
  });

  test('a damaged page in the middle: records on both sides of it are carried over', async () => {
    const dir = await dirs.make();
    await filledQueue(dir, 20_000);
    const file = join(dir, FORWARD_FILE);
    const size = (await stat(file)).size;
    const fd = openSync(file, 'r+');
    writeSync(fd, Buffer.alloc(8192, 0x5a), 0, 8192, Math.floor(size / 2));
    closeSync(fd);
    const q = await ForwardQueue.open({ dir });
    const kept = seqs(q.peek(100_000));
    assert.ok(kept.length > 15_000 && kept.length < 20_000, `salvaged ${kept.length} of 20000`);
    assert.equal(kept[0], 0);
    assert.equal(kept.at(-1), 19_999);
    assert.deepEqual(kept, [...kept].sort((a, b) => a - b), 'oldest first');
    q.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('a damaged file is never deleted: the moved-aside copy holds the original bytes', async () => {
    const dir = await dirs.make();
    await filledQueue(dir, 10);
    await writeFile(join(dir, FORWARD_FILE), 'not a database, and long enough to be read as one: 0123456789');
    (await ForwardQueue.open({ dir })).close();
    const moved = (await readdir(dir)).find((n) => /^forward\.sqlite\.corrupt-[^-]+-\d\d-\d\dT[\d-]+Z$/.test(n));
    assert.ok(moved !== undefined);
    assert.equal(await readFile(join(dir, moved), 'utf8'), 'not a database, and long enough to be read as one: 0123456789');
  });
});
