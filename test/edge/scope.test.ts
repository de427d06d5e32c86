/**
 * Scope.scan, the report-by-exception filter of one device, on its own: which samples count as
 * changes, in which order, with which values, whatever order or shape the source's samples take.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MetricValue } from '../../src/payload/index.js';
import { Scope } from '../../src/edge/scope.js';
import type { Deadband, DeviceSource, MetricDefinition, Sample } from '../../src/sources/types.js';

const NOW = 1700000000000;

/** A device whose next sample is exactly the list the test sets. */
function device(defs: readonly MetricDefinition[]): DeviceSource & { next: Sample[] } {
  const dev = {
    deviceId: 'D1',
    metrics: defs,
    next: [] as Sample[],
    start: async () => {},
    stop: async () => {},
    isOnline: () => true,
    sample: (): Sample[] => dev.next,
    write: async () => {},
    onConnectivity: () => () => {},
  };
  return dev;
}

const def = (name: string, deadband?: Deadband): MetricDefinition => ({ name, type: 'Double', writable: false, ...(deadband === undefined ? {} : { deadband }) });

/** Scans `values` (name → value, in that order) and returns what changed as [name, value, timestamp]. */
function scan(scope: Scope, dev: { next: Sample[] }, values: [string, MetricValue, number?][]): [string, MetricValue | undefined, number][] {
  dev.next = values.map(([name, value, dt]) => ({ name, value, timestamp: NOW + (dt ?? 0) }));
  const changes = scope.scan(NOW);
  const out: [string, MetricValue | undefined, number][] = [];
  for (let i = 0; i < changes.count; i++) {
    const k = changes.indices[i] ?? -1;
    out.push([scope.ordered[k]?.def.name ?? '?', scope.lastValue(k), changes.timestamps[i] ?? 0]);
  }
  return out;
}

test('report by exception over any sample order: unknown names skipped, NaN equals NaN, 0 equals -0, kind switches are changes [tck-id-principles-rbe-recommended] [tck-id-operational-behavior-data-publish-dbirth-change]', () => {
  const dev = device([def('a'), def('b'), def('c')]);
  const scope = new Scope('D1', dev, undefined, 'topic');
  assert.deepEqual(scan(scope, dev, [['a', 1], ['b', NaN], ['c', 0]]), [['a', 1, NOW], ['b', NaN, NOW], ['c', 0, NOW]]);
  // The same values in another order, with a name the scope does not have: nothing changed.
  assert.deepEqual(scan(scope, dev, [['c', -0], ['x', 5], ['b', NaN], ['a', 1]]), []);
  // Out of the declared order, each metric still compares with its own last value.
  assert.deepEqual(scan(scope, dev, [['c', 2], ['a', 1], ['b', 3]]), [['c', 2, NOW], ['b', 3, NOW]]);
  assert.deepEqual(scan(scope, dev, [['a', 1], ['b', NaN], ['c', 2]]), [['b', NaN, NOW]]);
  // number → null → string → number: every switch is a change, an equal string is not.
  assert.deepEqual(scan(scope, dev, [['a', null]]), [['a', null, NOW]]);
  assert.deepEqual(scan(scope, dev, [['a', null]]), []);
  assert.deepEqual(scan(scope, dev, [['a', 'on']]), [['a', 'on', NOW]]);
  assert.deepEqual(scan(scope, dev, [['a', 'on']]), []);
  assert.deepEqual(scan(scope, dev, [['a', 1]]), [['a', 1, NOW]]);
  assert.deepEqual(scan(scope, dev, [['a', 1]]), []);
});

test('deadbands, absolute and percent, suppress small moves of their metric only [tck-id-principles-rbe-recommended]', () => {
  const dev = device([def('abs', { kind: 'absolute', value: 0.5 }), def('pct', { kind: 'percent', value: 10 }), def('plain')]);
  const scope = new Scope('D1', dev, undefined, 'topic');
  scan(scope, dev, [['abs', 10], ['pct', 100], ['plain', 1]]);
  assert.deepEqual(scan(scope, dev, [['abs', 10.5], ['pct', 110], ['plain', 1.01]]), [['plain', 1.01, NOW]]);
  assert.deepEqual(scan(scope, dev, [['abs', 10.6], ['pct', 111], ['plain', 1.01]]), [['abs', 10.6, NOW], ['pct', 111, NOW]]);
  // Into a non-finite value is always a change, whatever the deadband.
  assert.deepEqual(scan(scope, dev, [['abs', Infinity], ['pct', NaN]]), [['abs', Infinity, NOW], ['pct', NaN, NOW]]);
});

test('a sample that names a metric more than once: every change kept, beyond the number of metrics [tck-id-operational-behavior-data-publish-dbirth-order]', () => {
  const dev = device([def('a'), def('b')]);
  const scope = new Scope('D1', dev, undefined, 'topic');
  const values: [string, MetricValue, number][] = Array.from({ length: 40 }, (_, i) => [i % 2 === 0 ? 'a' : 'b', i, 40 - i]);
  const changes = scan(scope, dev, values);
  assert.equal(changes.length, 40);
  // Ordered by sample timestamp, as a data message must be.
  assert.deepEqual(
    changes.map((c) => c[2]),
    values.map((v) => NOW + v[2]).sort((x, y) => x - y),
  );
  // The value kept is the one sampled last for each metric.
  assert.equal(scope.lastValue(0), 38);
  assert.equal(scope.lastValue(1), 39);
});
