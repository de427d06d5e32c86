/** The Idempotency-Key store on its own: window, reopening, failures not kept, concurrent callers. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { pino } from 'pino';
import { sameValue } from '../../src/host/write-confirm.js';
import { IdempotencyStore, type StoredAnswer } from '../../src/web/idempotency.js';
import { createHttpServer } from '../../src/web/index.js';
import { startHost } from '../host/helpers.js';

const answer = (body: unknown): (() => Promise<StoredAnswer>) => () => Promise.resolve({ status: 200, body });

test('a key is kept for the window, in the file, across a reopen; then forgotten', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sparkstate-idem-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  let now = 1_000;
  const first = IdempotencyStore.open(dir, { windowMs: 5_000, now: () => now });
  assert.deepEqual(await first.run('k', 'f', answer({ n: 1 })), { kind: 'first', answer: { status: 200, body: { n: 1 } } });
  first.close();

  const second = IdempotencyStore.open(dir, { windowMs: 5_000, now: () => now });
  t.after(() => second.close());
  now += 4_999;
  assert.deepEqual(await second.run('k', 'f', answer({ n: 2 })), { kind: 'replayed', answer: { status: 200, body: { n: 1 } } });
  assert.deepEqual(await second.run('k', 'other', answer({ n: 2 })), { kind: 'mismatch' });
  now += 1;
  assert.deepEqual(await second.run('k', 'other', answer({ n: 3 })), { kind: 'first', answer: { status: 200, body: { n: 3 } } }, 'window over');
});

test('a key whose first request was acting when the process stopped is interrupted: the retry does not act again', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sparkstate-idem-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const crashed = IdempotencyStore.open(dir, { windowMs: 60_000 });
  // The command is on its way and its answer never comes: the process is gone before it.
  void crashed.run('k', 'f', () => new Promise<StoredAnswer>(() => undefined));
  const restarted = IdempotencyStore.open(dir, { windowMs: 60_000 });
  t.after(() => restarted.close());
  let acted = 0;
  const act = (): Promise<StoredAnswer> => {
    acted++;
    return Promise.resolve({ status: 200, body: 'again' });
  };
  assert.deepEqual(await restarted.run('k', 'f', act), { kind: 'interrupted' });
  assert.deepEqual(await restarted.run('k', 'other', act), { kind: 'mismatch' });
  assert.equal(acted, 0, 'nothing sent a second time');
  crashed.close();
});

test('a failed act is not kept (nothing was done), and concurrent callers share the first act', async () => {
  const store = IdempotencyStore.open(undefined, { windowMs: 60_000 });
  try {
    await assert.rejects(store.run('k', 'f', () => Promise.reject(new Error('not online'))), /not online/);
    assert.equal((await store.run('k', 'f', answer('ok'))).kind, 'first');

    let acts = 0;
    let release: () => void = () => undefined;
    const slow = (): Promise<StoredAnswer> => {
      acts++;
      return new Promise((resolve) => {
        release = () => resolve({ status: 200, body: 'slow' });
      });
    };
    const a = store.run('c', 'f', slow);
    const b = store.run('c', 'f', slow);
    const c = store.run('c', 'g', slow);
    assert.deepEqual(await c, { kind: 'mismatch' });
    release();
    assert.deepEqual((await Promise.all([a, b])).map((o) => o.kind), ['first', 'replayed']);
    assert.equal(acts, 1);
  } finally {
    store.close();
  }
});

test('sameValue compares as the datatype stores the value', () => {
  assert.equal(sameValue('Float', 0.1, Math.fround(0.1)), true);
  assert.equal(sameValue('Double', 0.1, Math.fround(0.1)), false);
  assert.equal(sameValue('Int64', 5, 5n), true);
  assert.equal(sameValue('UInt64', 2n ** 60n, 2n ** 60n), true);
  assert.equal(sameValue('Int64', 5, 6n), false);
  assert.equal(sameValue('Bytes', new Uint8Array([1, 2]), new Uint8Array([1, 2])), true);
  assert.equal(sameValue('String', 'a', 'b'), false);
  assert.equal(sameValue('Int32Array', [1, 2], [1, 2]), true);
});

test('an unusable storeDir does not stop the HTTP API: keys are kept in memory and the log says so', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sparkstate-idem-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const notADir = join(dir, 'file');
  writeFileSync(notADir, 'x');
  const lines: { msg: string }[] = [];
  const logger = pino({ level: 'error' }, { write: (line: string) => void lines.push(JSON.parse(line) as { msg: string }) });
  const h = await startHost();
  t.after(() => h.host.stop());
  const http = await createHttpServer(h.host, { port: 0, logger, idempotency: { dir: notADir } });
  t.after(() => http.close());
  assert.equal((await fetch(`${http.url}/api/state`)).status, 200);
  assert.deepEqual(lines.map((l) => l.msg), ['Idempotency-Key store unusable; keys kept in memory until the host stops']);
});
