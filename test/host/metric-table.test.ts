import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, mock, test } from 'node:test';
import type { HostEvents } from '../../src/host/index.js';
import type { DecodedMetric, Metric, PropertySet } from '../../src/payload/index.js';
import { MetricTable } from '../../src/host/metric-table.js';
import { T0, fakeTime, flush, SimEdge, startHost, tick } from './helpers.js';

/** Birth properties as a plant's tag database gives them. */
function props(unit: string, low: number, high: number, description: string): PropertySet {
  return {
    engUnit: { type: 'String', value: unit },
    engLow: { type: 'Double', value: low },
    engHigh: { type: 'Double', value: high },
    Description: { type: 'String', value: description },
  };
}

/** Snapshot records have null prototypes; compared as plain JSON. */
function plain(v: unknown): unknown {
  return v === undefined ? undefined : JSON.parse(JSON.stringify(v));
}

const PUMP: Metric[] = [
  { name: 'Pressure', alias: 1, type: 'Double', value: 2.5, properties: props('bar', 0, 10, 'Line 3 pump 12 discharge pressure') },
  { name: 'Speed', alias: 2, type: 'Float', value: 1450, properties: props('rpm', 0, 3000, 'Line 3 pump 12 speed') },
  { name: 'Mode', alias: 3, type: 'String', value: 'AUTO', properties: props('', 0, 0, 'Line 3 pump 12 mode') },
];

describe('host metric tables (columns, shared property sets)', () => {
  beforeEach(fakeTime);
  afterEach(() => mock.timers.reset());

  test('equal property sets of many metrics report per metric; a rebirth with a changed property is seen on that device only', async () => {
    const { host, transport } = await startHost();
    const a = new SimEdge(transport, 'Plant1', 'A');
    const b = new SimEdge(transport, 'Plant1', 'B');
    for (const e of [a, b]) {
      e.nbirth();
      e.dbirth('P1', PUMP);
      e.dbirth('P2', PUMP);
    }
    await flush();
    const snap = host.snapshot();
    for (const n of ['A', 'B']) {
      for (const d of ['P1', 'P2']) {
        const m = snap.groups['Plant1']?.nodes[n]?.devices[d]?.metrics;
        assert.deepEqual(plain(m?.['Pressure']?.properties), {
          engUnit: { type: 'String', value: 'bar' },
          engLow: { type: 'Double', value: 0 },
          engHigh: { type: 'Double', value: 10 },
          Description: { type: 'String', value: 'Line 3 pump 12 discharge pressure' },
        });
        assert.equal((m?.['Speed']?.properties as Record<string, { value: unknown }> | undefined)?.['engUnit']?.value, 'rpm');
        assert.equal((m?.['Mode']?.properties as Record<string, { value: unknown }> | undefined)?.['Description']?.value, 'Line 3 pump 12 mode');
        assert.equal(m?.['Mode']?.value, 'AUTO');
      }
    }
    await tick(10);
    a.dbirth('P2', [{ ...PUMP[0], properties: props('kPa', 0, 1000, 'Line 3 pump 12 discharge pressure') } as Metric, ...PUMP.slice(1)]);
    await flush();
    const after = host.snapshot().groups['Plant1']?.nodes;
    const unit = (n: string, d: string): unknown =>
      (after?.[n]?.devices[d]?.metrics['Pressure']?.properties as Record<string, { value: unknown }> | undefined)?.['engUnit']?.value;
    assert.equal(unit('A', 'P2'), 'kPa');
    assert.equal(unit('A', 'P1'), 'bar');
    assert.equal(unit('B', 'P2'), 'bar');
    assert.equal((after?.['A']?.devices['P2']?.metrics['Pressure']?.properties as Record<string, { value: unknown }> | undefined)?.['engHigh']?.value, 1000);
  });

  test('properties in data change that metric only; a shared set handed to listeners cannot be changed', async () => {
    const { host, transport } = await startHost();
    const births: HostEvents['metrics'][0][] = [];
    host.on('metrics', (m) => births.push(m));
    const e = new SimEdge(transport);
    e.nbirth();
    e.dbirth('P1', PUMP);
    e.dbirth('P2', PUMP);
    await flush();
    const shared = births.find((u) => u.device === 'P1')?.metrics.find((m) => m.name === 'Pressure')?.properties;
    assert.ok(shared !== undefined);
    assert.throws(() => {
      (shared as Record<string, unknown>)['engUnit'] = { type: 'String', value: 'psi' };
    }, TypeError);
    e.ddata('P1', [{ alias: 1, type: 'Double', value: 3, properties: { Quality: { type: 'Int32', value: 192 } } }]);
    await flush();
    const devices = host.snapshot().groups['Plant1']?.nodes['Line4']?.devices;
    assert.deepEqual(plain(devices?.['P1']?.metrics['Pressure']?.properties), {
      engUnit: { type: 'String', value: 'bar' },
      engLow: { type: 'Double', value: 0 },
      engHigh: { type: 'Double', value: 10 },
      Description: { type: 'String', value: 'Line 3 pump 12 discharge pressure' },
      Quality: { type: 'Int32', value: 192 },
    });
    assert.equal(devices?.['P1']?.metrics['Pressure']?.value, 3);
    assert.equal((devices?.['P2']?.metrics['Pressure']?.properties as Record<string, unknown> | undefined)?.['Quality'], undefined);
    assert.equal(devices?.['P2']?.metrics['Pressure']?.value, 2.5);
  });

  test('sets that print alike stay apart (-0 and 0, null and a value); nested sets are kept as decoded', async () => {
    const { host, transport } = await startHost();
    const e = new SimEdge(transport);
    e.nbirth([
      { name: 'Z', type: 'Double', value: 0, properties: { engLow: { type: 'Double', value: 0 } } },
      { name: 'NZ', type: 'Double', value: 0, properties: { engLow: { type: 'Double', value: -0 } } },
      { name: 'N', type: 'Double', value: 0, properties: { engLow: { type: 'Double', value: null, isNull: true } } },
      { name: 'Nested', type: 'Int32', value: 1, properties: { limits: { type: 'PropertySet', value: { low: { type: 'Int32', value: -1 } } } } },
    ]);
    await flush();
    assert.deepEqual(plain(host.snapshot().groups['Plant1']?.nodes['Line4']?.metrics['Nested']?.properties), {
      limits: { type: 'PropertySet', value: { low: { type: 'Int32', value: -1 } } },
    });
    const births: HostEvents['metrics'][0][] = [];
    host.on('metrics', (m) => births.push(m));
    e.nbirth([
      { name: 'Z', type: 'Double', value: 0, properties: { engLow: { type: 'Double', value: 0 } } },
      { name: 'NZ', type: 'Double', value: 0, properties: { engLow: { type: 'Double', value: -0 } } },
    ]);
    await flush();
    const low = (name: string): unknown => births[0]?.metrics.find((m) => m.name === name)?.properties?.['engLow']?.value;
    assert.ok(Object.is(low('Z'), 0));
    assert.ok(Object.is(low('NZ'), -0));
    const m = host.snapshot().groups['Plant1']?.nodes['Line4']?.metrics;
    assert.ok(m !== undefined);
    assert.deepEqual(plain(m['NZ']?.properties), { engLow: { type: 'Double', value: 0 } });
    assert.equal(m['N'], undefined);
  });

  test('a property named "__proto__" stays an own property of a shared set', async () => {
    const { host, transport } = await startHost();
    const e = new SimEdge(transport);
    const set = (): PropertySet => {
      const ps: PropertySet = { engUnit: { type: 'String', value: 'bar' } };
      Object.defineProperty(ps, '__proto__', { value: { type: 'Int32', value: 7 }, enumerable: true, writable: true, configurable: true });
      return ps;
    };
    e.nbirth([
      { name: 'A', type: 'Double', value: 1, properties: set() },
      { name: 'B', type: 'Double', value: 2, properties: set() },
    ]);
    await flush();
    const m = host.snapshot().groups['Plant1']?.nodes['Line4']?.metrics;
    for (const name of ['A', 'B']) {
      const props = m?.[name]?.properties as Record<string, unknown> | undefined;
      assert.ok(props !== undefined && Object.prototype.hasOwnProperty.call(props, '__proto__'));
      assert.deepEqual(plain(props['__proto__']), { type: 'Int32', value: 7 });
      assert.deepEqual(plain(props['engUnit']), { type: 'String', value: 'bar' });
    }
  });

  test('64-bit timestamps and aliases beyond 2^53, and a Boolean column next to numbers, read back exactly', async () => {
    const { host, transport } = await startHost();
    const e = new SimEdge(transport);
    const bigTs = 2n ** 60n;
    e.nbirth([
      { name: 'Big', alias: 2n ** 55n, type: 'UInt64', value: 2n ** 63n, timestamp: bigTs },
      { name: 'Flag', alias: 5, type: 'Boolean', value: true },
      { name: 'Count', alias: 6, type: 'Int64', value: 7 },
    ]);
    await flush();
    let m = host.snapshot().groups['Plant1']?.nodes['Line4']?.metrics;
    assert.deepEqual(m?.['Big'], { value: (2n ** 63n).toString(), type: 'UInt64', timestamp: bigTs.toString(), stale: false, alias: (2n ** 55n).toString() });
    assert.deepEqual(m?.['Flag'], { value: true, type: 'Boolean', timestamp: T0, stale: false, alias: 5 });
    await tick(5);
    e.ndata([
      { alias: 2n ** 55n, type: 'UInt64', value: 3 },
      { alias: 5, type: 'Boolean', value: false },
      { alias: 6, type: 'Int64', value: 8 },
    ]);
    await flush();
    m = host.snapshot().groups['Plant1']?.nodes['Line4']?.metrics;
    assert.deepEqual(m?.['Big'], { value: 3, type: 'UInt64', timestamp: T0 + 5, stale: false, alias: (2n ** 55n).toString() });
    assert.equal(m?.['Flag']?.value, false);
    assert.equal(m?.['Count']?.value, 8);
  });
});

describe('metric tables of births with the same names', () => {
  const birth = (names: string[], base: number): DecodedMetric[] => names.map((name, i) => ({ name, alias: base + i, type: 'Double', value: base + i }));
  const rowsOf = (t: MetricTable): [string, number][] => [...t.rows()].map((r) => [t.name(r), t.value(r) as number]);

  test('each table finds its own rows and values by name and alias', () => {
    const a = MetricTable.fromBirth(birth(['x', 'y', 'z'], 10), 0).table;
    const b = MetricTable.fromBirth(birth(['x', 'y', 'z'], 20), 0).table;
    b.setValue(b.byNameOnly('y'), 99);
    assert.deepEqual(rowsOf(a), [['x', 10], ['y', 11], ['z', 12]]);
    assert.deepEqual(rowsOf(b), [['x', 20], ['y', 99], ['z', 22]]);
    assert.equal(a.find({ alias: 12 }), a.byNameOnly('z'));
    assert.equal(b.find({ alias: 12 }), -1);
  });

  test('a repeated name, a rejected metric, another order or another length give the table its own names', () => {
    MetricTable.fromBirth(birth(['x', 'y', 'z'], 10), 0);
    const repeated = MetricTable.fromBirth(birth(['x', 'y', 'x'], 10), 0);
    assert.deepEqual(rowsOf(repeated.table), [['x', 12], ['y', 11]]);
    const rejected = MetricTable.fromBirth([...birth(['x', 'y'], 10), { name: 'z', value: 1 }], 0);
    assert.equal(rejected.rejected, 1);
    assert.deepEqual(rowsOf(rejected.table), [['x', 10], ['y', 11]]);
    assert.equal(rejected.table.byNameOnly('z'), -1);
    assert.deepEqual(rowsOf(MetricTable.fromBirth(birth(['z', 'y', 'x'], 10), 0).table), [['z', 10], ['y', 11], ['x', 12]]);
    assert.deepEqual(rowsOf(MetricTable.fromBirth(birth(['x', 'y'], 10), 0).table), [['x', 10], ['y', 11]]);
    // After all of those, the first names again.
    assert.deepEqual(rowsOf(MetricTable.fromBirth(birth(['x', 'y', 'z'], 30), 0).table), [['x', 30], ['y', 31], ['z', 32]]);
  });
});
