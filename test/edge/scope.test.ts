/**
 * Scope on its own: the report-by-exception filter of one device (which reported values count as
 * changes, in which order, with which values, whatever order or shape the source's reports take),
 * the Quality of invalidated values, and births from the current values.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MetricValue } from '../../src/payload/index.js';
import { AliasTable } from '../../src/edge/aliases.js';
import { Kind } from '../../src/edge/inbox.js';
import { Scope } from '../../src/edge/scope.js';
import { type Deadband, type MetricDefinition, Quality } from '../../src/sources/types.js';
import { FakeSource } from './fake-source.js';

const NOW = 1700000000000;

const def = (name: string, deadband?: Deadband): MetricDefinition => ({ name, type: 'Double', writable: false, ...(deadband === undefined ? {} : { deadband }) });

/** A scope over a fake device, started as the edge starts it: the source reports into the scope's inbox. */
async function scopeOf(defs: readonly MetricDefinition[], aliases?: AliasTable): Promise<{ dev: FakeSource; scope: Scope }> {
  const dev = new FakeSource('D1', defs);
  const scope = new Scope('D1', dev, aliases, 'topic');
  await dev.start(scope.inbox);
  return { dev, scope };
}

type Row = [string, MetricValue, number];

/** What the last scan found, as [name, value, timestamp]. */
function rows(scope: Scope, now = NOW): Row[] {
  const changes = scope.scan(now);
  const out: Row[] = [];
  for (let i = 0; i < changes.count; i++) {
    const k = changes.indices[i] ?? -1;
    out.push([scope.ordered[k]?.def.name ?? '?', changes.value(i), changes.timestamps[i] ?? 0]);
  }
  return out;
}

/** Reports `values` (name → value, in that order, at NOW + dt), then scans. */
function scan(scope: Scope, dev: FakeSource, values: [string, MetricValue, number?][]): Row[] {
  for (const [name, value, dt] of values) dev.report(name, value, NOW + (dt ?? 0));
  return rows(scope);
}

test('report by exception over any sample order: unknown names skipped, NaN equals NaN, 0 equals -0, kind switches are changes [tck-id-principles-rbe-recommended] [tck-id-operational-behavior-data-publish-dbirth-change]', async () => {
  const { dev, scope } = await scopeOf([def('a'), def('b'), def('c')]);
  assert.deepEqual(scan(scope, dev, [['a', 1], ['b', NaN], ['c', 0]]), [['a', 1, NOW], ['b', NaN, NOW], ['c', 0, NOW]]);
  // The same values in another order, with a name the scope does not have: nothing changed.
  assert.deepEqual(scan(scope, dev, [['c', -0], ['x', 5], ['b', NaN], ['a', 1]]), []);
  assert.equal(scope.inbox.ignored, 1, 'the unknown metric is counted, not applied');
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

test('deadbands, absolute and percent, suppress small moves of their metric only [tck-id-principles-rbe-recommended]', async () => {
  const { dev, scope } = await scopeOf([def('abs', { kind: 'absolute', value: 0.5 }), def('pct', { kind: 'percent', value: 10 }), def('plain')]);
  scan(scope, dev, [['abs', 10], ['pct', 100], ['plain', 1]]);
  assert.deepEqual(scan(scope, dev, [['abs', 10.5], ['pct', 110], ['plain', 1.01]]), [['plain', 1.01, NOW]]);
  assert.deepEqual(scan(scope, dev, [['abs', 10.6], ['pct', 111], ['plain', 1.01]]), [['abs', 10.6, NOW], ['pct', 111, NOW]]);
  // Into a non-finite value is always a change, whatever the deadband.
  assert.deepEqual(scan(scope, dev, [['abs', Infinity], ['pct', NaN]]), [['abs', Infinity, NOW], ['pct', NaN, NOW]]);
});

test('a sample that names a metric more than once: every change kept, beyond the number of metrics [tck-id-operational-behavior-data-publish-dbirth-order]', async () => {
  const { dev, scope } = await scopeOf([def('a'), def('b')]);
  const values: [string, MetricValue, number][] = Array.from({ length: 40 }, (_, i) => [i % 2 === 0 ? 'a' : 'b', i, 40 - i]);
  const changes = scan(scope, dev, values);
  assert.equal(changes.length, 40);
  // Ordered by sample timestamp, as a data message must be.
  assert.deepEqual(
    changes.map((c) => c[2]),
    values.map((v) => NOW + v[2]).sort((x, y) => x - y),
  );
  // Each row carries the value reported with its timestamp.
  assert.deepEqual(
    changes.map((c) => c[1]),
    values.map((v) => v[1]).reverse(),
  );
  // The value kept is the one sampled last for each metric.
  assert.equal(scope.lastValue(0), 38);
  assert.equal(scope.lastValue(1), 39);
});

test('several reports of one metric between scans: every change, in order, with its own value; repeats within the scan filtered', async () => {
  const { dev, scope } = await scopeOf([def('a'), def('b')]);
  dev.report('a', 1, NOW + 1);
  dev.report('a', 2, NOW + 2);
  dev.report('b', 5, NOW + 2);
  dev.report('a', 2, NOW + 3); // no change from the report before
  dev.report('a', 1, NOW + 4); // back to an earlier value: a change
  assert.deepEqual(rows(scope), [['a', 1, NOW + 1], ['a', 2, NOW + 2], ['b', 5, NOW + 2], ['a', 1, NOW + 4]]);
  assert.equal(scope.lastValue(0), 1);
  // The scan took them: the next one has nothing.
  assert.deepEqual(rows(scope), []);
  // More reports than the inbox first has room for keep their values too (the first equals the
  // value before: no change).
  for (let i = 0; i < 100; i++) dev.report('b', 5 + i, NOW + 10 + i);
  assert.deepEqual(
    rows(scope).map((r) => r[1]),
    Array.from({ length: 99 }, (_, i) => 6 + i),
  );
});

test('invalidated values: null with Quality BAD and Status once, good again with Quality GOOD even when equal, Uncertain as STALE [tck-id-payloads-propertyset-quality-value-type] [tck-id-payloads-propertyset-quality-value-value]', async () => {
  const { dev, scope } = await scopeOf([def('a'), def('db', { kind: 'absolute', value: 10 })]);
  dev.report('a', 1, NOW);
  dev.report('db', 100, NOW);
  let changes = scope.scan(NOW);
  assert.equal(changes.count, 2);
  assert.equal(changes.kinds[0], Kind.NUMBER);
  assert.equal(changes.properties(0), undefined, 'a plain good value carries no Quality');

  dev.invalidate('a', Quality.BAD, 'BadSensorFailure', NOW + 1);
  changes = scope.scan(NOW + 1);
  assert.equal(changes.count, 1);
  assert.equal(changes.kinds[0], Kind.BAD);
  assert.equal(changes.value(0), null);
  assert.equal(changes.timestamps[0], NOW + 1);
  assert.deepEqual(changes.properties(0), { Quality: { type: 'Int32', value: 0 }, Status: { type: 'String', value: 'BadSensorFailure' } });

  // The same invalidation again is no change; another status is.
  dev.invalidate('a', Quality.BAD, 'BadSensorFailure', NOW + 2);
  assert.equal(scope.scan(NOW + 2).count, 0);
  dev.invalidate('a', Quality.BAD, 'BadCommunicationError', NOW + 3);
  changes = scope.scan(NOW + 3);
  assert.equal(changes.count, 1);
  assert.deepEqual(changes.properties(0), { Quality: { type: 'Int32', value: 0 }, Status: { type: 'String', value: 'BadCommunicationError' } });

  // Good again with the value it had before: published, with Quality GOOD and no Status.
  dev.report('a', 1, NOW + 4);
  changes = scope.scan(NOW + 4);
  assert.equal(changes.count, 1);
  assert.equal(changes.value(0), 1);
  assert.deepEqual(changes.properties(0), { Quality: { type: 'Int32', value: 192 } });
  // From then on plain report by exception again.
  dev.report('a', 1, NOW + 5);
  assert.equal(scope.scan(NOW + 5).count, 0);
  dev.report('a', 2, NOW + 6);
  changes = scope.scan(NOW + 6);
  assert.equal(changes.value(0), 2);
  assert.equal(changes.properties(0), undefined);

  // Uncertain: STALE (500), with its status.
  dev.invalidate('a', Quality.STALE, 'UncertainLastUsableValue', NOW + 7);
  changes = scope.scan(NOW + 7);
  assert.equal(changes.kinds[0], Kind.BAD);
  assert.equal(changes.value(0), null);
  assert.deepEqual(changes.properties(0), { Quality: { type: 'Int32', value: 500 }, Status: { type: 'String', value: 'UncertainLastUsableValue' } });

  // Good again within the deadband of the value before the bad one: still published.
  dev.invalidate('db', Quality.BAD, 'BadNotConnected', NOW + 8);
  dev.report('db', 101, NOW + 9);
  assert.deepEqual(rows(scope, NOW + 9), [['db', null, NOW + 8], ['db', 101, NOW + 9]]);
});

test('births carry the current values and supersede what the scan has not taken; an invalidated metric with Quality and Status, one never reported is_null', async () => {
  const engUnit = { engUnit: { type: 'String' as const, value: 'degC' } };
  const { dev, scope } = await scopeOf(
    [
      { name: 'a', type: 'Double', writable: false, properties: engUnit },
      { name: 'b', type: 'String', writable: false, properties: engUnit },
      def('c'),
      def('d'),
    ],
    new AliasTable(),
  );
  dev.report('a', 1, NOW - 5);
  dev.report('a', 2, NOW - 3);
  dev.report('b', 'x', NOW - 4);
  dev.invalidate('b', Quality.BAD, 'BadNotConnected', NOW - 2);
  // A value the source takes on the edge's clock: the birth polls it.
  dev.set('d', 7);
  assert.deepEqual(scope.birthMetrics(NOW), [
    { name: 'a', alias: 1, type: 'Double', timestamp: NOW - 3, properties: engUnit, value: 2 },
    {
      name: 'b',
      alias: 2,
      type: 'String',
      timestamp: NOW - 2,
      isNull: true,
      properties: { ...engUnit, Quality: { type: 'Int32', value: 0 }, Status: { type: 'String', value: 'BadNotConnected' } },
    },
    { name: 'c', alias: 3, type: 'Double', timestamp: NOW, isNull: true },
    { name: 'd', alias: 4, type: 'Double', timestamp: NOW, value: 7 },
  ]);
  // The reports before the birth are not published again as data.
  assert.deepEqual(rows(scope, NOW + 1), []);
  // Report by exception starts from the birth's values: the same values are no change, a good
  // value after the invalidated one carries Quality GOOD.
  dev.report('a', 2, NOW + 2);
  dev.report('b', 'x', NOW + 2);
  dev.report('c', 5, NOW + 2);
  const changes = scope.scan(NOW + 2);
  assert.deepEqual(
    Array.from({ length: changes.count }, (_, i) => [scope.names[changes.indices[i] ?? -1], changes.value(i), changes.properties(i)]),
    [
      ['b', 'x', { Quality: { type: 'Int32', value: 192 } }],
      ['c', 5, undefined],
    ],
  );
});

test('a source that declares its metrics after the scope exists: the first report defines them; reports out of range are ignored and counted', async () => {
  const { dev, scope } = await scopeOf([], new AliasTable());
  assert.equal(scope.size, 0);
  assert.deepEqual(scope.birthMetrics(NOW), []);
  // Learnt from the device (as OPC UA learns datatypes), then reported.
  dev.metrics.push(def('a'), def('b'));
  dev.report('b', 3, NOW);
  assert.equal(scope.size, 2);
  assert.deepEqual(scope.names, ['a', 'b']);
  assert.equal(scope.slots.get('b')?.alias, 2);
  assert.deepEqual(rows(scope), [['b', 3, NOW]]);
  // Indices the source does not declare: not one, not a whole number, negative.
  scope.inbox.update(2, 1, NOW);
  scope.inbox.update(1.5, 1, NOW);
  scope.inbox.invalidate(-1, Quality.BAD, 'Bad', NOW);
  assert.equal(scope.inbox.ignored, 3);
  assert.deepEqual(rows(scope), []);
  assert.equal(scope.size, 2);
  dev.report('a', 4, NOW + 1);
  assert.deepEqual(rows(scope), [['a', 4, NOW + 1]]);
});

test('booleans ride the number column: report by exception without boxing, real booleans from value(), lastValue() and births, boxed with a Quality [tck-id-principles-rbe-recommended]', async () => {
  const { dev, scope } = await scopeOf([{ name: 'b', type: 'Boolean', writable: false }, { name: 'n', type: 'Int32', writable: false }]);
  dev.report('b', true, NOW);
  dev.report('n', 1, NOW);
  assert.equal(scope.inbox.kind[0], Kind.BOOLEAN);
  let changes = scope.scan(NOW);
  assert.deepEqual([changes.kinds[0], changes.numbers[0], changes.value(0)], [Kind.BOOLEAN, 1, true]);
  assert.deepEqual([changes.kinds[1], changes.value(1)], [Kind.NUMBER, 1]);
  // true again is no change; false is; the number 1 where a boolean was is a change of kind.
  assert.deepEqual(scan(scope, dev, [['b', true], ['n', 1]]), []);
  assert.deepEqual(scan(scope, dev, [['b', false]]), [['b', false, NOW]]);
  assert.equal(scope.lastValue(0), false);
  assert.deepEqual(scan(scope, dev, [['b', 1]]), [['b', 1, NOW]]);
  assert.deepEqual(scan(scope, dev, [['b', true]]), [['b', true, NOW]]);
  assert.deepEqual(scope.birthMetrics(NOW).map((m) => m.value), [true, 1]);
  // Good again after an invalidation: a boxed boolean with Quality GOOD.
  dev.invalidate('b', Quality.BAD, 'BadNotConnected', NOW + 1);
  scope.scan(NOW + 1);
  dev.report('b', true, NOW + 2);
  changes = scope.scan(NOW + 2);
  assert.deepEqual([changes.kinds[0], changes.value(0)], [Kind.VALUE, true]);
  assert.deepEqual(changes.properties(0), { Quality: { type: 'Int32', value: 192 } });
  assert.deepEqual(scan(scope, dev, [['b', true]]), []);
});
