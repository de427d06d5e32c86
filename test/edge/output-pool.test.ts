import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OutputPool } from '../../src/edge/output-pool.js';

test('a released buffer is taken again only after a reclaim with the transport flushed', () => {
  const pool = new OutputPool(1024, 4);
  const a = pool.take();
  assert.ok(a !== undefined && a.length === 1024);
  pool.give(a);
  const b = pool.take();
  assert.notEqual(b, a, 'released but not reclaimed: a new buffer');
  pool.reclaim(false);
  assert.notEqual(pool.take(), a, 'the transport still holds bytes: not reused');
  pool.reclaim(true);
  assert.equal(pool.take(), a, 'reclaimed once flushed');
  assert.equal(pool.size, 3);
});

test('at most maxBuffers exist; a dropped or forgotten buffer frees its place', () => {
  const pool = new OutputPool(64, 2);
  const a = pool.take();
  const b = pool.take();
  assert.ok(a !== undefined && b !== undefined);
  assert.equal(pool.take(), undefined, 'limit reached');
  pool.drop();
  const c = pool.take();
  assert.ok(c !== undefined && c !== a && c !== b, 'a new one in place of the dropped one');
  pool.give(c);
  pool.forget();
  assert.equal(pool.size, 1);
  pool.reclaim(true);
  const d = pool.take();
  assert.ok(d !== undefined && d !== c, 'a forgotten buffer is never handed out again');
  assert.equal(pool.take(), undefined);
});
