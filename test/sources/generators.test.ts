import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { stepRangeAt } from '../../src/sources/simulated/generators.js';
import { coerce, createGenerator, rampAt, seededRandom, sineAt, stepAt } from '../../src/sources/simulated/index.js';

const near = (actual: number, expected: number) => assert.ok(Math.abs(actual - expected) < 1e-9, `${actual} ≉ ${expected}`);

describe('generators', () => {
  it('sine: midpoint at 0, max at T/4, midpoint at T/2, min at 3T/4, periodic', () => {
    const p = { min: 20, max: 80, periodMs: 60_000 };
    near(sineAt(p, 0), 50);
    near(sineAt(p, 15_000), 80);
    near(sineAt(p, 30_000), 50);
    near(sineAt(p, 45_000), 20);
    near(sineAt(p, 60_000 * 1000 + 15_000), 80);
  });

  it('ramp: sawtooth from min towards max, back to min each period', () => {
    const p = { min: 0, max: 10, periodMs: 1000 };
    near(rampAt(p, 0), 0);
    near(rampAt(p, 500), 5);
    near(rampAt(p, 999), 9.99);
    near(rampAt(p, 1000), 0);
    near(rampAt(p, -250), 7.5);
  });

  it('step: cycles through the values every periodMs', () => {
    const p = { values: ['a', 'b', 'c'], periodMs: 100 };
    assert.deepEqual([0, 99, 100, 250, 300, 420].map((t) => stepAt(p, t)), ['a', 'a', 'b', 'c', 'a', 'b']);
  });

  it('step with min/max: min, min+1, … up to max, one step per periodMs, then min again', () => {
    const p = { min: 3, max: 6, periodMs: 100 };
    assert.deepEqual([0, 99, 100, 250, 399, 400, 520, -1].map((t) => stepRangeAt(p, t)), [3, 3, 4, 5, 6, 3, 4, 6]);
    const g = createGenerator({ generator: 'step', min: -1, max: 1, periodMs: 1000 }, Math.random);
    assert.deepEqual([0, 1000, 2000, 3000].map((t) => g.next(t)), [-1, 0, 1, -1]);
    assert.deepEqual([0, 1000, 2000, 3000].map((t) => stepRangeAt({ min: 0.5, max: 2.9, periodMs: 1000 }, t)), [0.5, 1.5, 2.5, 0.5], 'whole steps that fit');
  });

  it('counter: start + step per sample, independent of time', () => {
    const g = createGenerator({ generator: 'counter', start: 10, step: 5 }, Math.random);
    assert.deepEqual([g.next(0), g.next(0), g.next(99)], [10, 15, 20]);
  });

  it('counter: continues exactly as bigint beyond 2^53', () => {
    const g = createGenerator({ generator: 'counter', start: Number.MAX_SAFE_INTEGER, step: 1 }, Math.random);
    assert.equal(g.next(0), Number.MAX_SAFE_INTEGER);
    assert.equal(g.next(0), 2n ** 53n);
  });

  it('randomWalk: stays within [min, max], moves at most step, repeats with the same seed', () => {
    const run = () => {
      const g = createGenerator({ generator: 'randomWalk', min: 0, max: 10, step: 2 }, seededRandom(7));
      return Array.from({ length: 500 }, () => g.next(0));
    };
    const values = run();
    let prev = 5;
    for (const v of values) {
      assert.equal(typeof v, 'number');
      const n = Number(v);
      assert.ok(n >= 0 && n <= 10);
      assert.ok(Math.abs(n - prev) <= 2 + 1e-9);
      prev = n;
    }
    assert.deepEqual(run(), values);
    assert.ok(new Set(values).size > 100, 'the walk moves');
  });

  it('constant: always the configured value', () => {
    const g = createGenerator({ generator: 'constant', value: 'hello' }, Math.random);
    assert.equal(g.next(0), 'hello');
    assert.equal(g.next(1e12), 'hello');
  });
});

describe('coercion to the metric datatype', () => {
  it('integer types are rounded and clamped to their range', () => {
    assert.equal(coerce('Int8', 41.6), 42);
    assert.equal(coerce('Int8', 1000), 127);
    assert.equal(coerce('Int8', -1000), -128);
    assert.equal(coerce('UInt8', -3), 0);
    assert.equal(coerce('UInt16', 70_000), 65_535);
    assert.equal(coerce('Int32', 2.5), 3);
    assert.equal(coerce('UInt32', 1e12), 4_294_967_295);
  });

  it('64-bit integers stay numbers while safe and become bigint beyond', () => {
    assert.equal(coerce('Int64', 12.4), 12);
    assert.equal(coerce('Int64', 2n ** 60n), 2n ** 60n);
    assert.equal(coerce('UInt64', -5), 0);
    assert.equal(coerce('Int64', 2n ** 70n), 2n ** 63n - 1n);
    assert.equal(coerce('Int64', 2n ** 40n), 2 ** 40);
    // Numbers past the safe range take the exact path; edges of the fast path agree with it.
    assert.equal(coerce('Int64', 2 ** 60), 2n ** 60n);
    assert.equal(coerce('Int64', 1e30), 2n ** 63n - 1n);
    assert.equal(coerce('UInt64', 2 ** 64), 2n ** 64n - 1n);
    assert.equal(coerce('Int64', Number.MAX_SAFE_INTEGER), Number.MAX_SAFE_INTEGER);
    assert.equal(coerce('Int64', -Number.MAX_SAFE_INTEGER), -Number.MAX_SAFE_INTEGER);
  });

  it('no −0, and NaN / ±Infinity land where the exact path puts them', () => {
    assert.ok(Object.is(coerce('Int32', -0.2), 0));
    assert.equal(coerce('Int32', NaN), 0);
    assert.equal(coerce('Int16', Infinity), 32767);
    assert.equal(coerce('Int64', -Infinity), -(2n ** 63n));
  });

  it('Float and Double pass through; booleans and strings are untouched', () => {
    assert.equal(coerce('Double', 0.1), 0.1);
    assert.equal(coerce('Float', 1.25), 1.25);
    assert.equal(coerce('Boolean', true), true);
    assert.equal(coerce('String', 'x'), 'x');
  });
});
