import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Backoff } from '../../src/transport/index.js';

test('full jitter: the ceiling doubles per failure up to maxMs, and reset() starts over', () => {
  const b = new Backoff({ initialMs: 500, maxMs: 30_000, factor: 2, jitter: 'full' }, () => 0.5);
  assert.deepEqual(
    Array.from({ length: 9 }, () => b.next()),
    [250, 500, 1000, 2000, 4000, 8000, 15_000, 15_000, 15_000],
  );
  assert.equal(b.attempts, 9);
  b.reset();
  assert.equal(b.attempts, 0);
  assert.equal(b.next(), 250);
});

test('full jitter spreads delays between 0 and the ceiling', () => {
  const randoms = [0, 0.25, 0.999];
  const delays = randoms.map((r) => new Backoff({ initialMs: 1000, maxMs: 30_000, factor: 2, jitter: 'full' }, () => r).next());
  assert.deepEqual(delays, [0, 250, 999]);
  const real = new Backoff({ initialMs: 1000, maxMs: 30_000, factor: 2, jitter: 'full' });
  const sample = new Set(Array.from({ length: 20 }, () => { real.reset(); return real.next(); }));
  assert.ok(sample.size > 1, 'Math.random jitter gives different delays');
});

test('decorrelated jitter: between initialMs and previous * factor, capped at maxMs', () => {
  const top = new Backoff({ initialMs: 100, maxMs: 1000, factor: 3, jitter: 'decorrelated' }, () => 1);
  assert.deepEqual(Array.from({ length: 5 }, () => top.next()), [300, 900, 1000, 1000, 1000]);
  const bottom = new Backoff({ initialMs: 100, maxMs: 1000, factor: 3, jitter: 'decorrelated' }, () => 0);
  assert.deepEqual(Array.from({ length: 3 }, () => bottom.next()), [100, 100, 100]);
});
