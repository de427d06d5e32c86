import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ErrorCodes, isSparkplugError } from '../../src/errors.js';
import { BDSEQ_FILE, BdSeqStore } from '../../src/store/index.js';
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
    test(`corrupt file (${name}) restarts at 0 with a warning`, async () => {
      const dir = await dirs.make();
      await seed(dir, content);
      const { logger, warnings } = captureLogger();
      const store = await BdSeqStore.open(dir, { logger });
      assert.equal(warnings().length, 1);
      assert.match(warnings()[0]?.msg ?? '', /corrupt/);
      assert.equal(store.current(), undefined);
      assert.equal(await store.next(), 0);
      assert.equal((await BdSeqStore.open(dir)).current(), 0);
    });
  }

  test('unreadable file: warning at open, STORE error when persisting fails', async () => {
    const dir = await dirs.make();
    await mkdir(join(dir, BDSEQ_FILE));
    const { logger, warnings } = captureLogger();
    const store = await BdSeqStore.open(dir, { logger });
    assert.match(warnings()[0]?.msg ?? '', /unreadable/);
    await assert.rejects(store.next(), (e: unknown) => {
      assert.ok(isSparkplugError(e));
      assert.equal(e.code, ErrorCodes.STORE);
      assert.ok(e.cause instanceof Error);
      return true;
    });
    assert.equal(store.current(), undefined, 'a value that was not persisted is not handed out');
  });

  test('writes atomically: only bdseq.json remains, a stale temp file is replaced', async () => {
    const dir = await dirs.make();
    await writeFile(join(dir, `${BDSEQ_FILE}.tmp`), 'half-written garbage from a crash');
    const store = await BdSeqStore.open(dir);
    await store.next();
    await store.next();
    assert.deepEqual(await readdir(dir), [BDSEQ_FILE]);
    const content: unknown = JSON.parse(await readFile(join(dir, BDSEQ_FILE), 'utf8'));
    assert.ok(typeof content === 'object' && content !== null);
    assert.equal('bdSeq' in content && content.bdSeq, 1);
    assert.ok('updatedAt' in content && typeof content.updatedAt === 'string');
    assert.ok(!Number.isNaN(Date.parse(content.updatedAt)));
  });
});
