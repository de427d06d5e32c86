import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ErrorCodes, isSparkplugError } from '../../src/errors.js';
import { BDSEQ_BACKUP_FILE, BDSEQ_FILE, BdSeqStore } from '../../src/store/index.js';
import { captureLogger, tempDirs } from './helpers.js';

const dirs = tempDirs('bdseq');
after(dirs.cleanup);

async function seed(dir: string, content: string): Promise<void> {
  await writeFile(join(dir, BDSEQ_FILE), content);
}

describe('BdSeqStore', () => {
  test('[tck-id-message-flow-edge-node-birth-publish-will-message-payload-bdSeq] [tck-id-topics-nbirth-bdseq-increment] first bdSeq is 0, then +1', async () => {
    const store = await BdSeqStore.open(join(await dirs.make(), 'nested', 'state'));
    assert.equal(store.current(), undefined);
    assert.equal(await store.next(), 0);
    assert.equal(store.current(), 0);
    assert.equal(await store.next(), 1);
    assert.equal(await store.next(), 2);
    assert.equal(store.current(), 2);
  });

  test('[tck-id-topics-nbirth-bdseq-increment] [tck-id-message-flow-edge-node-birth-publish-will-message-payload-bdSeq] wraps 255 -> 0', async () => {
    const dir = await dirs.make();
    await seed(dir, JSON.stringify({ bdSeq: 254, updatedAt: '2024-01-01T00:00:00.000Z' }));
    const store = await BdSeqStore.open(dir);
    assert.equal(store.current(), 254);
    assert.deepEqual([await store.next(), await store.next(), await store.next()], [255, 0, 1]);
  });

  test('[tck-id-topics-nbirth-bdseq-increment] [tck-id-message-flow-edge-node-birth-publish-will-message-payload-bdSeq] a new instance (process restart) continues the sequence', async () => {
    const dir = await dirs.make();
    const first = await BdSeqStore.open(dir);
    for (let i = 0; i < 3; i++) await first.next();
    const restarted = await BdSeqStore.open(dir);
    assert.equal(restarted.current(), 2);
    assert.equal(await restarted.next(), 3);
  });

  test('concurrent next() calls get distinct consecutive values', async () => {
    const store = await BdSeqStore.open(await dirs.make());
    assert.deepEqual(await Promise.all([store.next(), store.next(), store.next()]), [0, 1, 2]);
  });

  for (const [name, content] of [
    ['not JSON', '{"bdSeq": 7'],
    ['out of range', '{"bdSeq": 256}'],
    ['not an integer', '{"bdSeq": 1.5}'],
    ['missing bdSeq', '{}'],
    ['empty', ''],
  ] as const) {
    test(`corrupt file (${name}) and no backup: restarts at 0 with ONE error saying so`, async () => {
      const dir = await dirs.make();
      await seed(dir, content);
      const { logger, lines } = captureLogger();
      const store = await BdSeqStore.open(dir, { logger });
      assert.equal(lines.length, 1);
      assert.equal(lines[0]?.level, 50);
      assert.match(lines[0]?.msg ?? '', /both unusable; starting again at bdSeq 0/);
      assert.equal(lines[0]?.reason, 'corrupt');
      assert.equal(store.current(), undefined);
      assert.equal(await store.next(), 0);
      assert.equal((await BdSeqStore.open(dir)).current(), 0);
    });
  }

  for (const [name, damage] of [
    ['truncated', (text: string) => text.slice(0, 7)],
    ['garbage', () => '\u0000\u0000\u00ff garbage'],
    ['emptied', () => ''],
  ] as const) {
    test(`${name} bdseq.json: continues from the backup, never reusing a bdSeq, with ONE warning`, async () => {
      const dir = await dirs.make();
      const first = await BdSeqStore.open(dir);
      for (let i = 0; i < 5; i++) await first.next();
      const text = await readFile(join(dir, BDSEQ_FILE), 'utf8');
      await writeFile(join(dir, BDSEQ_FILE), damage(text));
      const { logger, lines } = captureLogger();
      const store = await BdSeqStore.open(dir, { logger });
      assert.equal(lines.length, 1);
      assert.equal(lines[0]?.level, 40);
      assert.match(lines[0]?.msg ?? '', /continuing from its backup/);
      assert.equal(store.current(), 4);
      assert.equal(await store.next(), 5);
      assert.equal((await BdSeqStore.open(dir)).current(), 5, 'the next write repairs bdseq.json');
    });
  }

  test('the backup is written first: when the two differ (crash between the writes) the one ahead wins, across the 255 -> 0 wrap', async () => {
    for (const [main, backup, expected] of [
      [7, 8, 8],
      [8, 7, 8],
      [255, 0, 0],
      [0, 255, 0],
    ] as const) {
      const dir = await dirs.make();
      await seed(dir, JSON.stringify({ bdSeq: main }));
      await writeFile(join(dir, BDSEQ_BACKUP_FILE), JSON.stringify({ bdSeq: backup }));
      assert.equal((await BdSeqStore.open(dir)).current(), expected, `main ${main}, backup ${backup}`);
    }
  });

  test('a damaged backup beside a sound bdseq.json: ONE warning, the main file is used', async () => {
    const dir = await dirs.make();
    await seed(dir, JSON.stringify({ bdSeq: 9 }));
    await writeFile(join(dir, BDSEQ_BACKUP_FILE), '{"bdS');
    const { logger, lines } = captureLogger();
    assert.equal((await BdSeqStore.open(dir, { logger })).current(), 9);
    assert.equal(lines.length, 1);
    assert.match(lines[0]?.msg ?? '', /bdSeq backup corrupt/);
  });

  test('unreadable file: error at open, STORE error when persisting fails', async () => {
    const dir = await dirs.make();
    await mkdir(join(dir, BDSEQ_FILE));
    const { logger, lines } = captureLogger();
    const store = await BdSeqStore.open(dir, { logger });
    assert.match(String(lines[0]?.reason), /unreadable/);
    await assert.rejects(store.next(), (e: unknown) => {
      assert.ok(isSparkplugError(e));
      assert.equal(e.code, ErrorCodes.STORE);
      assert.ok(e.cause instanceof Error);
      return true;
    });
    assert.equal(store.current(), undefined, 'a value that was not persisted is not handed out');
  });

  test('writes atomically: only bdseq.json and its backup remain, a stale temp file is replaced', async () => {
    const dir = await dirs.make();
    await writeFile(join(dir, `${BDSEQ_FILE}.tmp`), 'half-written garbage from a crash');
    const store = await BdSeqStore.open(dir);
    await store.next();
    await store.next();
    assert.deepEqual((await readdir(dir)).sort(), [BDSEQ_BACKUP_FILE, BDSEQ_FILE].sort());
    const content: unknown = JSON.parse(await readFile(join(dir, BDSEQ_FILE), 'utf8'));
    assert.ok(typeof content === 'object' && content !== null);
    assert.equal('bdSeq' in content && content.bdSeq, 1);
    assert.ok('updatedAt' in content && typeof content.updatedAt === 'string');
    assert.ok(!Number.isNaN(Date.parse(content.updatedAt)));
  });
});
