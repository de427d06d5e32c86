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

test('resend window: thousands of messages stay in order across compactions', () => {
  const w = new RecentData(5000, 1 << 24);
  for (let i = 0; i < 10_000; i++) w.add(scope, bytes(1, i % 256), 1, i);
  const out = w.drain(10_000);
  assert.equal(out.length, 5000);
  assert.equal(out[0]?.at, 5000);
  assert.equal(out.at(-1)?.at, 9999);
});
