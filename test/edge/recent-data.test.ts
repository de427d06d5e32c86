/** The resend window's bounds: by age and by bytes, and drained once per session end. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RecentData } from '../../src/edge/recent-data.js';
import type { Scope } from '../../src/edge/scope.js';

const scope = {} as Scope; // only carried through, never read
const bytes = (n: number, fill: number): Uint8Array => new Uint8Array(n).fill(fill);

test('resend window: keeps copies of the messages of the last windowMs, oldest first, and is empty once drained', () => {
  const w = new RecentData(1000, 1 << 20);
  const payload = bytes(10, 1);
  w.add(scope, payload, 3, 0);
  payload.fill(9); // the live buffer is recycled: the window must hold its own copy
  w.add(scope, bytes(10, 2), 4, 600);
  w.add(scope, bytes(10, 3), 5, 1200);
  const out = w.drain(1500);
  assert.deepEqual(out.map((m) => [m.at, m.count, m.bytes[0]]), [[600, 4, 2], [1200, 5, 3]]);
  assert.equal(w.drain(1500).length, 0);
});

test('resend window: the byte bound drops the oldest messages first and counts them', () => {
  const w = new RecentData(60_000, 25);
  for (let i = 0; i < 5; i++) w.add(scope, bytes(10, i), 1, i);
  const out = w.drain(10);
  assert.deepEqual(out.map((m) => m.bytes[0]), [3, 4]);
  assert.equal(w.evicted, 3);
});

test('resend window: thousands of messages stay in order as the record queue grows', () => {
  const w = new RecentData(5000, 1 << 24);
  for (let i = 0; i < 10_000; i++) w.add(scope, bytes(1, i % 256), 1, i);
  const out = w.drain(10_000);
  assert.equal(out.length, 5000);
  assert.equal(out[0]?.at, 5000);
  assert.equal(out.at(-1)?.at, 9999);
});

test('resend window: the byte ring wraps around, keeps every message intact and whole, and never returns one it overwrote', () => {
  const w = new RecentData(60_000, 100);
  const sizes = [30, 30, 30, 30, 45, 10, 70, 5, 5, 99, 1, 1];
  sizes.forEach((n, i) => w.add(scope, bytes(n, i + 1), i, i));
  const out = w.drain(100);
  for (const m of out) {
    assert.equal(m.bytes.length, sizes[m.count]);
    assert.ok(m.bytes.every((b) => b === m.count + 1), `message ${m.count} intact`);
  }
  assert.deepEqual(out.map((m) => m.count), [10, 11], 'the newest that fit, oldest first');
  assert.equal(w.evicted, 10);
});
