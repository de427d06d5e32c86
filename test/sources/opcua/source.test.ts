/** OpcuaSource against a real node-opcua server: types, values, quality, writes, config errors. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ErrorCodes, isSparkplugError } from '../../../src/errors.js';
import type { MetricTypeName, MetricValue } from '../../../src/payload/types.js';
import { Quality } from '../../../src/sources/types.js';
import { startOpcuaServer } from '../../helpers/opcua-server.js';
import type { OpcuaTestServer } from '../../helpers/opcua-server.js';
import { OPCUA_VARIABLES, opcuaVariable } from '../../helpers/opcua-variables.js';
import type { OpcuaTestValue, OpcuaTestVariable } from '../../helpers/opcua-variables.js';
import { deviceConfig, makeSource, metric, waitFor } from './helpers.js';

/** The Sparkplug type each test variable must arrive as (written out, not derived from the code). */
const EXPECTED_TYPE: Record<string, MetricTypeName> = {
  'Press.Speed': 'Double',
  'Press.Setpoint': 'Double',
  'Press.Mode': 'Int32',
  'Press.Limit': 'Double',
  'Press.Counter': 'Int32',
  'Press.Quality': 'Double',
  'Press.Temperature': 'Double',
  'Press.Serial': 'String',
  'Press.Recipe': 'Int32',
  'Types.Boolean': 'Boolean',
  'Types.SByte': 'Int8',
  'Types.Byte': 'UInt8',
  'Types.Int16': 'Int16',
  'Types.UInt16': 'UInt16',
  'Types.Int32': 'Int32',
  'Types.UInt32': 'UInt32',
  'Types.Int64': 'Int64',
  'Types.Int64Negative': 'Int64',
  'Types.UInt64': 'UInt64',
  'Types.Float': 'Float',
  'Types.Double': 'Double',
  'Types.String': 'String',
  'Types.DateTime': 'DateTime',
  'Types.ByteString': 'Bytes',
  'Types.Guid': 'UUID',
  'Types.LocalizedText': 'String',
  'Types.BooleanArray': 'BooleanArray',
  'Types.Int16Array': 'Int16Array',
  'Types.Int32Array': 'Int32Array',
  'Types.Int64Array': 'Int64Array',
  'Types.UInt32Array': 'UInt32Array',
  'Types.FloatArray': 'FloatArray',
  'Types.DoubleArray': 'DoubleArray',
  'Types.StringArray': 'StringArray',
};

/** 64-bit integers: numbers while safe, bigints beyond (payload/types.ts). */
function int64(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

function expectedScalar(v: unknown): MetricValue {
  if (typeof v === 'bigint') return int64(v);
  if (v instanceof Date) return v.getTime();
  if (Buffer.isBuffer(v)) return new Uint8Array(v);
  if (typeof v === 'object' && v !== null && 'text' in v && typeof v.text === 'string') return v.text;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string') return v;
  throw new Error(`no expectation for ${String(v)}`);
}

function expected(v: OpcuaTestValue): MetricValue {
  if (Array.isArray(v)) return v.map((e: unknown) => expectedScalar(e)) as MetricValue;
  return expectedScalar(v);
}

const MAPPED = OPCUA_VARIABLES.filter((v) => v.name !== 'Press.Structure' && v.name !== 'Press.Counter');
const names = (vs: readonly OpcuaTestVariable[]) => vs.map((v) => metric(v.name, v.nodeId, { writable: v.writable }));

function rejectsWith(code: string, ...parts: string[]): (e: unknown) => boolean {
  return (e) => {
    assert.ok(isSparkplugError(e), `expected a SparkplugError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    for (const part of parts) assert.ok(e.message.includes(part), `message should name ${part}: ${e.message}`);
    return true;
  };
}

describe('OpcuaSource with a real server', () => {
  let server: OpcuaTestServer;
  before(async () => {
    server = await startOpcuaServer();
  });
  after(() => server.dispose());

  it('declares every mapped variable with its server type and reports its exact value before going online', async (t) => {
    const { source, sink } = makeSource(t, deviceConfig(server.endpoint, names(MAPPED)));
    await source.start(sink);
    assert.equal(source.isOnline(), true);
    assert.deepEqual(
      source.metrics.map((m) => [m.name, m.type]),
      MAPPED.map((v) => [v.name, EXPECTED_TYPE[v.name]]),
    );
    const online = sink.events.findIndex((e) => e.kind === 'connectivity' && e.online);
    assert.ok(online > 0, 'connectivity(true) after the values');
    for (const [index, v] of MAPPED.entries()) {
      const first = sink.events.slice(0, online).find((e) => e.kind !== 'connectivity' && e.index === index);
      assert.ok(first?.kind === 'update', `${v.name} reported before online`);
      assert.deepEqual(first.value, expected(v.initial), v.name);
    }
  });

  it('keeps 64-bit integers exact beyond 2^53 in both directions', async (t) => {
    const vars = ['Types.Int64', 'Types.UInt64', 'Types.Int64Array'].map(opcuaVariable);
    const { source, sink } = makeSource(t, deviceConfig(server.endpoint, names(vars)));
    await source.start(sink);
    assert.equal(sink.value(0), 9007199254740993n);
    assert.equal(sink.value(1), 18446744073709551615n);
    assert.deepEqual(sink.value(2), [-(2n ** 63n), 0, 9007199254740993n, 2n ** 63n - 1n]);
    await source.write('Types.Int64', -9007199254740995n);
    await source.write('Types.UInt64', 2n ** 64n - 2n);
    assert.equal(await server.read('Types.Int64'), -9007199254740995n);
    assert.equal(await server.read('Types.UInt64'), 2n ** 64n - 2n);
    await waitFor(() => sink.value(0) === -9007199254740995n && sink.value(1) === 2n ** 64n - 2n, 'written 64-bit values notified back');
  });

  it('resolves nsu=<namespace URI> against the server NamespaceArray, and numeric, GUID and opaque NodeIds', async (t) => {
    const config = deviceConfig(server.endpoint, [
      metric('Speed', `nsu=${server.namespaceUri};s=Press.Speed`),
      metric('Temperature', opcuaVariable('Press.Temperature').nodeId),
      metric('Serial', opcuaVariable('Press.Serial').nodeId),
      metric('Recipe', opcuaVariable('Press.Recipe').nodeId),
    ]);
    const { source, sink } = makeSource(t, config);
    await source.start(sink);
    assert.deepEqual([0, 1, 2, 3].map((i) => sink.value(i)), [12.5, 21.5, 'SN-0042', 7]);
  });

  it('reports Counter changes from the subscription, in order, within about a second', async (t) => {
    const { source, sink } = makeSource(t, deviceConfig(server.endpoint, [metric('Counter', 'ns=1;s=Press.Counter')]));
    await source.start(sink);
    const start = Date.now();
    await waitFor(() => sink.of(0).length >= 8, '8 Counter values', 3_000);
    const values = sink.of(0).map((e) => (e.kind === 'update' ? e.value : undefined));
    const numbers = values.filter((v): v is number => typeof v === 'number');
    assert.equal(numbers.length, values.length, 'only updates');
    // The first value may come twice: read at start, then notified by the new subscription.
    const distinct = numbers.filter((x, i) => i === 0 || x !== numbers[i - 1]);
    for (let i = 1; i < distinct.length; i++) assert.ok((distinct[i] ?? 0) > (distinct[i - 1] ?? 0), `increasing: ${numbers.join(',')}`);
    assert.ok(Date.now() - start < 1_500, `8 values took ${Date.now() - start} ms`);
    const onServer = await server.read('Press.Counter');
    assert.ok(typeof onServer === 'number' && onServer - (numbers.at(-1) ?? 0) <= 10, `lag: server ${String(onServer)}, reported ${numbers.at(-1)}`);
  });

  it('invalidates Bad as BAD and Uncertain as STALE with the status name, and updates again on Good', async (t) => {
    const { source, sink } = makeSource(t, deviceConfig(server.endpoint, [metric('Quality', 'ns=1;s=Press.Quality')]));
    await source.start(sink);
    await server.set('Press.Quality', 2, 'BadSensorFailure');
    await waitFor(() => sink.of(0).some((e) => e.kind === 'invalidate' && e.status === 'BadSensorFailure'), 'BadSensorFailure');
    await server.set('Press.Quality', 3, 'UncertainLastUsableValue');
    await waitFor(() => sink.of(0).some((e) => e.kind === 'invalidate' && e.status === 'UncertainLastUsableValue'), 'UncertainLastUsableValue');
    await server.set('Press.Quality', 4);
    await waitFor(() => sink.value(0) === 4, 'Good 4');
    const seen = sink.of(0).map((e) => (e.kind === 'update' ? e.value : `${e.kind === 'invalidate' ? e.quality : ''}:${e.kind === 'invalidate' ? e.status : ''}`));
    // The value read at start may come again as the subscription's first notification, depending
    // on timing; the edge's report by exception drops such a repeat.
    const distinct = seen.filter((x, i) => i === 0 || x !== seen[i - 1]);
    assert.deepEqual(distinct, [1, `${Quality.BAD}:BadSensorFailure`, `${Quality.STALE}:UncertainLastUsableValue`, 4]);
  });

  it('writes a writable metric to the server, refuses a read-only one without touching it', async (t) => {
    const config = deviceConfig(server.endpoint, [
      metric('Setpoint', 'ns=1;s=Press.Setpoint', { writable: true }),
      metric('Limit', 'ns=1;s=Press.Limit'),
      metric('Byte', 'ns=1;s=Types.Byte', { writable: true }),
      metric('LimitForced', 'ns=1;s=Press.Limit', { writable: true }),
    ]);
    const { source, sink } = makeSource(t, config);
    await source.start(sink);
    await source.write('Setpoint', 77.25);
    assert.equal(await server.read('Press.Setpoint'), 77.25);
    await waitFor(() => sink.value(0) === 77.25, 'the written Setpoint notified back');
    await assert.rejects(source.write('Limit', 1), rejectsWith(ErrorCodes.READ_ONLY, 'Limit', 'Press', 'ns=1;s=Press.Limit'));
    assert.equal(await server.read('Press.Limit'), 100);
    await assert.rejects(source.write('Nope', 1), rejectsWith(ErrorCodes.UNKNOWN_METRIC, 'Nope'));
    await assert.rejects(source.write('Byte', 300), rejectsWith(ErrorCodes.ENCODE, 'Byte', 'out of range for UInt8'));
    await assert.rejects(source.write('Setpoint', 'fast'), rejectsWith(ErrorCodes.ENCODE, 'Setpoint'));
    // Writable in the config, not on the server: the device refuses it.
    await assert.rejects(source.write('LimitForced', 1), rejectsWith(ErrorCodes.WRITE, 'LimitForced', 'ns=1;s=Press.Limit', 'BadNotWritable'));
    assert.equal(await server.read('Press.Limit'), 100);
  });

  it('refuses writes while offline with NOT_ONLINE, and never throws synchronously', async (t) => {
    const { source } = makeSource(t, deviceConfig(server.endpoint, [metric('Setpoint', 'ns=1;s=Press.Setpoint', { writable: true })]));
    const pending = source.write('Setpoint', 1);
    assert.ok(pending instanceof Promise);
    await assert.rejects(pending, rejectsWith(ErrorCodes.NOT_ONLINE, 'Press'));
  });

  it('fails start() with SPB_ERR_SOURCE naming every metric the server cannot serve', async (t) => {
    const config = deviceConfig(server.endpoint, [
      metric('Speed', 'ns=1;s=Press.Speed'),
      metric('Missing', 'ns=1;s=Press.Missing'),
      metric('Structure', 'ns=1;s=Press.Structure'),
      metric('Elsewhere', 'nsu=urn:elsewhere;s=X'),
    ]);
    const { source, sink } = makeSource(t, config);
    await assert.rejects(
      source.start(sink),
      rejectsWith(
        ErrorCodes.SOURCE,
        'Press',
        'metric "Missing" (ns=1;s=Press.Missing): the server has no such node (BadNodeIdUnknown)',
        'metric "Structure" (ns=1;s=Press.Structure)',
        'Structure has no Sparkplug type',
        'metric "Elsewhere" (nsu=urn:elsewhere;s=X): the server has no namespace "urn:elsewhere"',
      ),
    );
    assert.equal(source.isOnline(), false);
    assert.deepEqual(source.metrics, []);
    assert.deepEqual(sink.events, []);
  });

  it('fails start() for a deadband on a non-numeric variable', async (t) => {
    const config = deviceConfig(server.endpoint, [metric('Serial', opcuaVariable('Press.Serial').nodeId, { deadband: { kind: 'absolute', value: 1 } })]);
    const { source, sink } = makeSource(t, config);
    await assert.rejects(source.start(sink), rejectsWith(ErrorCodes.SOURCE, 'metric "Serial"', 'a deadband needs a numeric variable, this one is String'));
  });

  it('declares unit, properties and deadband like a simulated metric; start twice is a LIFECYCLE error', async (t) => {
    const config = deviceConfig(server.endpoint, [
      metric('Speed', 'ns=1;s=Press.Speed', { unit: 'm/min', properties: { engLow: 0 }, deadband: { kind: 'percent', value: 2 }, samplingMs: 20 }),
    ]);
    const { source, sink } = makeSource(t, config);
    await source.start(sink);
    assert.deepEqual(source.metrics, [
      {
        name: 'Speed',
        type: 'Double',
        writable: false,
        deadband: { kind: 'percent', value: 2 },
        properties: { engLow: { type: 'Double', value: 0 }, engUnit: { type: 'String', value: 'm/min' } },
      },
    ]);
    await assert.rejects(source.start(sink), rejectsWith(ErrorCodes.LIFECYCLE));
  });
});
