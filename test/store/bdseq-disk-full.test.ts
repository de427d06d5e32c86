/** The bdSeq record on a full disk (a real tmpfs, mounted here): still recorded, so never reused. */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { ErrorCodes, isSparkplugError } from '../../src/errors.js';
import { BdSeqStore } from '../../src/store/index.js';
import { mountTmpfs } from '../e2e/storage-helpers.js';
import { tempDirs } from './helpers.js';

const dirs = tempDirs('bdseq-full');
after(dirs.cleanup);

test('disk full: bdSeq is still recorded (overwritten in place, no temp file needed), so a restart continues with the next value', async (t) => {
  const mount = await mountTmpfs(await dirs.make(), 256 * 1024);
  if (mount === undefined) return t.skip('mount -t tmpfs is not permitted here');
  t.after(() => mount.unmount());
  const store = await BdSeqStore.open(mount.dir);
  for (let i = 0; i < 9; i++) await store.next(); // 8: one digit
  mount.fill();
  assert.equal(await store.next(), 9);
  assert.equal(await store.next(), 10, 'a longer record still fits its block');
  assert.equal((await BdSeqStore.open(mount.dir)).current(), 10);
});

test('disk full before any record exists: a STORE error, and no value handed out', async (t) => {
  const mount = await mountTmpfs(await dirs.make(), 256 * 1024);
  if (mount === undefined) return t.skip('mount -t tmpfs is not permitted here');
  t.after(() => mount.unmount());
  const store = await BdSeqStore.open(mount.dir);
  mount.fill();
  await assert.rejects(store.next(), (e: unknown) => isSparkplugError(e) && e.code === ErrorCodes.STORE && /ENOSPC|no space/i.test(e.message));
  assert.equal(store.current(), undefined);
});
