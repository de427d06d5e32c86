/**
 * The OPC UA test server, checked with a real node-opcua client: the address space, set/read over
 * IPC, kill/restart, the secured mode and the bulk timer.
 */
import { after, before, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AttributeIds,
  BrowseDirection,
  crypto_utils,
  MessageSecurityMode,
  OPCUAClient,
  resolveNodeId,
  sameNodeId,
  SecurityPolicy,
  StatusCodes,
  TimestampsToReturn,
  UserTokenType,
  type ClientSession,
  type DataValue,
  type NodeId,
  type UserIdentityInfo,
} from 'node-opcua-client';
// The client package does not export its certificate store; node-opcua (a devDependency) does.
import { OPCUACertificateManager } from 'node-opcua';
import { startOpcuaServer, type OpcuaTestServer } from './opcua-server.js';
import { bulkName, bulkValue, OPCUA_NAMESPACE_URI, OPCUA_VARIABLES, opcuaVariable, splitName, type OpcuaTestDataType } from './opcua-variables.js';
import { sleep, waitUntil } from './wait.js';

/** One client PKI for the whole file: creating the client certificate takes a moment. */
let clientPki = '';
before(() => {
  clientPki = mkdtempSync(join(tmpdir(), 'sparkstate-opcua-client-'));
});
after(() => rmSync(clientPki, { recursive: true, force: true }));

/** Cleanups run at the end of the test, last registered first: clients close before their server goes. */
function deferrer(t: TestContext): (fn: () => Promise<void>) => void {
  const fns: (() => Promise<void>)[] = [];
  t.after(async () => {
    for (const fn of fns.reverse()) await fn();
  });
  return (fn) => void fns.push(fn);
}

interface Conn {
  client: OPCUAClient;
  session: ClientSession;
  close(): Promise<void>;
}

interface ConnectOptions {
  mode?: MessageSecurityMode;
  user?: UserIdentityInfo;
}

async function connect(server: OpcuaTestServer, opts: ConnectOptions = {}): Promise<Conn> {
  const mode = opts.mode ?? MessageSecurityMode.None;
  const cm = new OPCUACertificateManager({ rootFolder: join(clientPki, 'pki') });
  await cm.initialize();
  // The client must trust the server's self-signed certificate before a secure channel opens.
  await cm.trustCertificate(crypto_utils.convertPEMtoDER(readFileSync(server.certificateFile, 'utf8')));
  const client = OPCUAClient.create({
    applicationName: 'sparkstate-harness-test',
    clientCertificateManager: cm,
    securityMode: mode,
    securityPolicy: mode === MessageSecurityMode.None ? SecurityPolicy.None : SecurityPolicy.Basic256Sha256,
    endpointMustExist: false,
    connectionStrategy: { maxRetry: 0, initialDelay: 50, maxDelay: 100 },
  });
  const closeClient = async (): Promise<void> => {
    await client.disconnect();
    await cm.dispose();
  };
  try {
    await client.connect(server.endpoint);
    const session = await client.createSession(opts.user);
    return {
      client,
      session,
      close: async () => {
        await session.close();
        await closeClient();
      },
    };
  } catch (e: unknown) {
    await closeClient();
    throw e;
  }
}

/** What the client decoded → the opcua-variables.ts convention (see there). */
function fromClient(dataType: OpcuaTestDataType, v: unknown): unknown {
  if (Array.isArray(v) && v.length === 2 && (dataType === 'Int64' || dataType === 'UInt64')) {
    const u = (BigInt(Number(v[0])) << 32n) | BigInt(Number(v[1]));
    return dataType === 'Int64' ? BigInt.asIntN(64, u) : u;
  }
  if (dataType === 'LocalizedText' || dataType === 'Range') return { ...(v as object) };
  return v;
}

function valueOf(dataType: OpcuaTestDataType, valueRank: number, dv: DataValue): unknown {
  const v: unknown = dv.value.value;
  if (valueRank === -1) return fromClient(dataType, v);
  assert.ok(Array.isArray(v) || ArrayBuffer.isView(v), `array expected, got ${String(v)}`);
  return Array.from(v as ArrayLike<unknown>, (x) => fromClient(dataType, x));
}

async function browseNames(session: ClientSession, nodeId: NodeId | string): Promise<Map<string, NodeId>> {
  const result = await session.browse({ nodeId, browseDirection: BrowseDirection.Forward, resultMask: 63 });
  return new Map((result.references ?? []).map((r) => [r.browseName.name ?? '', r.nodeId]));
}

test('opcua server: address space, values, DataTypes, set with status, a counter in order', async (t) => {
  const defer = deferrer(t);
  const server = await startOpcuaServer();
  defer(() => server.dispose());
  const conn = await connect(server);
  defer(() => conn.close());
  const { session } = conn;

  const namespaces = await session.read({ nodeId: 'ns=0;i=2255', attributeId: AttributeIds.Value });
  assert.equal((namespaces.value.value as string[])[1], OPCUA_NAMESPACE_URI);
  assert.equal(server.namespaceUri, OPCUA_NAMESPACE_URI);
  assert.equal(server.endpoint, `opc.tcp://127.0.0.1:${server.port}`);

  // Browse the tree: Objects/Plant/<Folder>/<BrowseName> for every variable, at its NodeId.
  const plant = (await browseNames(session, 'ns=0;i=85')).get('Plant');
  assert.ok(plant !== undefined, 'Objects/Plant');
  const folders = await browseNames(session, plant);
  for (const v of OPCUA_VARIABLES) {
    const { folder, browseName } = splitName(v.name);
    const folderId = folders.get(folder);
    assert.ok(folderId !== undefined, `folder ${folder}`);
    const found = (await browseNames(session, folderId)).get(browseName);
    assert.ok(found !== undefined && sameNodeId(found, resolveNodeId(v.nodeId)), `${v.name} at ${v.nodeId}, got ${String(found)}`);
  }

  // Value, DataType (by the browse name of the DataType node), ValueRank and AccessLevel of each.
  const attrs = [AttributeIds.Value, AttributeIds.DataType, AttributeIds.ValueRank, AttributeIds.AccessLevel];
  const dvs = await session.read(OPCUA_VARIABLES.flatMap((v) => attrs.map((attributeId) => ({ nodeId: v.nodeId, attributeId }))));
  const typeIds = OPCUA_VARIABLES.map((_, i) => dvs[i * attrs.length + 1]?.value.value as NodeId);
  const typeNames = await session.read(typeIds.map((nodeId) => ({ nodeId, attributeId: AttributeIds.BrowseName })));
  for (const [i, v] of OPCUA_VARIABLES.entries()) {
    const [value, , valueRank, accessLevel] = dvs.slice(i * attrs.length, (i + 1) * attrs.length);
    assert.ok(value !== undefined && valueRank !== undefined && accessLevel !== undefined);
    assert.equal(value.statusCode.value, StatusCodes.Good.value, v.name);
    // The counter has moved on since the start.
    const expected = v.name === 'Press.Counter' ? valueOf(v.dataType, v.valueRank, value) : v.initial;
    assert.deepEqual(valueOf(v.dataType, v.valueRank, value), expected, v.name);
    assert.equal((typeNames[i]?.value.value as { name: string }).name, v.dataType, v.name);
    assert.equal(valueRank.value.value, v.valueRank, v.name);
    assert.equal(accessLevel.value.value, v.writable ? 3 : 1, v.name);
    if (v.name !== 'Press.Counter') assert.deepEqual(await server.read(v.name), v.initial, `server.read(${v.name})`);
  }

  // set: a value beyond 2^53 and status codes, seen by the client.
  const int64 = opcuaVariable('Types.Int64');
  await server.set(int64.name, -(2n ** 62n) - 1n);
  const dv = await session.read({ nodeId: int64.nodeId, attributeId: AttributeIds.Value });
  assert.equal(valueOf('Int64', -1, dv), -(2n ** 62n) - 1n);
  assert.equal(await server.read(int64.name), -(2n ** 62n) - 1n);
  const updates: [string, unknown][] = [
    ['Types.ByteString', Buffer.from('hi')],
    ['Types.DateTime', new Date(0)],
    ['Types.Guid', '00000000-0000-0000-0000-0000000000AB'],
    ['Types.LocalizedText', { text: 'press', locale: 'en' }],
    ['Types.UInt64', 2n ** 63n],
    ['Types.Int64Array', [-1n, 2n ** 60n]],
    ['Types.FloatArray', [2.5]],
    ['Types.StringArray', []],
    ['Press.Structure', { low: -1, high: 1 }],
  ];
  for (const [name, value] of updates) {
    const v = opcuaVariable(name);
    await server.set(name, value);
    const read = await session.read({ nodeId: v.nodeId, attributeId: AttributeIds.Value });
    assert.deepEqual(valueOf(v.dataType, v.valueRank, read), value, `client read of ${name}`);
    assert.deepEqual(await server.read(name), value, `server.read(${name})`);
  }
  await assert.rejects(server.set('Types.LocalizedText', 'plain'), /LocalizedText value/);

  const quality = opcuaVariable('Press.Quality');
  for (const status of ['Bad', 'Uncertain', 'BadSensorFailure', 'UncertainLastUsableValue', 'Good']) {
    await server.set(quality.name, 2, status);
    const q = await session.read({ nodeId: quality.nodeId, attributeId: AttributeIds.Value });
    assert.equal(q.statusCode.name, status);
  }
  await assert.rejects(server.set(quality.name, 1, 'NoSuchStatus'), /unknown status code/);
  await assert.rejects(server.read('Press.Nothing'), /no variable/);

  // Press.Counter: every change reaches a subscription, in order, one apart.
  const sub = await session.createSubscription2({ requestedPublishingInterval: 100, publishingEnabled: true });
  const counts: number[] = [];
  const item = await sub.monitor(
    { nodeId: opcuaVariable('Press.Counter').nodeId, attributeId: AttributeIds.Value },
    { samplingInterval: 0, queueSize: 100, discardOldest: false },
    TimestampsToReturn.Both,
  );
  item.on('changed', (d: DataValue) => counts.push(d.value.value as number));
  await waitUntil(() => counts.length >= 6, 5_000, 'six counter changes');
  await sub.terminate();
  for (let i = 1; i < counts.length; i++) assert.equal(counts[i], (counts[i - 1] ?? 0) + 1, `counter sequence ${counts.join(',')}`);
});

test('opcua server: kill refuses connections, restart answers on the same endpoint with the same certificate', async (t) => {
  const server = await startOpcuaServer();
  t.after(() => server.dispose());
  const certificate = crypto_utils.convertPEMtoDER(readFileSync(server.certificateFile, 'utf8'));
  const serverCertificate = async (): Promise<Buffer | undefined> => {
    const conn = await connect(server);
    try {
      const endpoints = await conn.client.getEndpoints();
      return endpoints[0]?.serverCertificate ?? undefined;
    } finally {
      await conn.close();
    }
  };
  assert.deepEqual(await serverCertificate(), certificate);

  await server.kill();
  await assert.rejects(connect(server), /ECONNREFUSED|connection refused/i);

  const t0 = performance.now();
  await server.restart();
  t.diagnostic(`restart took ${Math.round(performance.now() - t0)} ms`);
  assert.deepEqual(await serverCertificate(), certificate);
  assert.equal(server.certificateFile, join(server.dir, 'pki', 'PKI', 'own', 'certs', 'certificate.pem'));

  await server.stop();
  await assert.rejects(connect(server), /ECONNREFUSED|connection refused/i);
});

test('opcua server: security refuses None and anonymous, accepts Sign/SignAndEncrypt Basic256Sha256 with op/secret', async (t) => {
  const server = await startOpcuaServer({ security: true });
  t.after(() => server.dispose());
  const op: UserIdentityInfo = { type: UserTokenType.UserName, userName: 'op', password: 'secret' };

  // node-opcua's client refuses before asking, since the server offers no such endpoint or token
  // policy (checked below); a wrong password is refused by the server itself.
  await assert.rejects(connect(server), /End point must exist/);
  await assert.rejects(connect(server, { mode: MessageSecurityMode.None, user: op }), /End point must exist/);
  await assert.rejects(connect(server, { mode: MessageSecurityMode.SignAndEncrypt }), /ANONYMOUS user token policy/);
  const wrong: UserIdentityInfo = { type: UserTokenType.UserName, userName: 'op', password: 'wrong' };
  await assert.rejects(connect(server, { mode: MessageSecurityMode.SignAndEncrypt, user: wrong }), /BadUserAccessDenied/);

  for (const mode of [MessageSecurityMode.SignAndEncrypt, MessageSecurityMode.Sign]) {
    const conn = await connect(server, { mode, user: op });
    const dv = await conn.session.read({ nodeId: opcuaVariable('Press.Speed').nodeId, attributeId: AttributeIds.Value });
    assert.equal(dv.value.value, 12.5);
    const endpoints = await conn.client.getEndpoints();
    assert.deepEqual(
      endpoints.map((e) => `${MessageSecurityMode[e.securityMode]} ${e.securityPolicyUri?.split('#')[1] ?? ''}`).sort(),
      ['Sign Basic256Sha256', 'SignAndEncrypt Basic256Sha256'],
    );
    for (const e of endpoints) {
      assert.ok(!(e.userIdentityTokens ?? []).some((p) => p.tokenType === UserTokenType.Anonymous), 'no anonymous token policy');
    }
    await conn.close();
  }
});

test('opcua server: 10,000 bulk variables all change every 100 ms', async (t) => {
  const count = 10_000;
  const defer = deferrer(t);
  const t0 = performance.now();
  const server = await startOpcuaServer({ bulk: { count, intervalMs: 100 }, maxMonitoredItemsPerCall: 500 });
  t.diagnostic(`start with ${count} bulk variables took ${Math.round(performance.now() - t0)} ms`);
  defer(() => server.dispose());
  const conn = await connect(server);
  defer(() => conn.close());

  const limit = await conn.session.read({ nodeId: 'ns=0;i=11714', attributeId: AttributeIds.Value });
  assert.equal(limit.value.value, 500, 'OperationLimits.MaxMonitoredItemsPerCall');

  const sample = [0, 1, 4_999, 9_998, count - 1];
  const readSample = async (): Promise<number[]> => {
    const dvs = await conn.session.read(sample.map((i) => ({ nodeId: `ns=1;s=${bulkName(i)}`, attributeId: AttributeIds.Value })));
    return dvs.map((d) => d.value.value as number);
  };
  // One timer sets them all: a read between two ticks sees every variable at the same tick.
  const tickOf = (values: number[]): number => {
    const ticks = values.map((v, k) => Math.round(v - bulkValue(0, sample[k] ?? 0)));
    values.forEach((v, k) => assert.ok(Math.abs(v - bulkValue(ticks[k] ?? 0, sample[k] ?? 0)) < 1e-9, `bulk value ${v}`));
    assert.ok(ticks.every((x) => x === ticks[0]), `one tick for all: ${ticks.join(',')}`);
    return ticks[0] ?? 0;
  };
  let last = tickOf(await readSample());
  for (let round = 0; round < 4; round++) {
    await sleep(300);
    const tick = tickOf(await readSample());
    assert.ok(tick >= last + 1, `bulk tick moved from ${last}, got ${tick}`);
    last = tick;
  }

  // A subscription sees the changes too (exception-based: sampling interval 0).
  const sub = await conn.session.createSubscription2({ requestedPublishingInterval: 100, publishingEnabled: true });
  const seen = new Map<number, number>();
  for (const i of sample) {
    const item = await sub.monitor(
      { nodeId: `ns=1;s=${bulkName(i)}`, attributeId: AttributeIds.Value },
      { samplingInterval: 0, queueSize: 10, discardOldest: true },
      TimestampsToReturn.Both,
    );
    item.on('changed', () => seen.set(i, (seen.get(i) ?? 0) + 1));
  }
  await waitUntil(() => sample.every((i) => (seen.get(i) ?? 0) >= 4), 5_000, `four changes of each sampled bulk variable`);
  await sub.terminate();

  const viaIpc = await server.read(bulkName(42));
  assert.ok(typeof viaIpc === 'number' && viaIpc >= bulkValue(last, 42), `server.read of a bulk variable: ${String(viaIpc)}`);

  // Wall-clock cost, so only reported: on a loaded machine it grows with the load, not with the code.
  const stats = await server.bulkStats();
  t.diagnostic(`bulk tick for ${count}: mean ${stats.meanTickMs.toFixed(1)} ms, max ${stats.maxTickMs.toFixed(1)} ms over ${stats.ticks} ticks`);
  assert.ok(stats.ticks >= last, `bulkStats counts the ticks: ${stats.ticks}`);
});
