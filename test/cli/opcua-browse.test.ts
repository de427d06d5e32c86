/**
 * `sparkstate opcua browse` as a child process against a real node-opcua server: stdout is a
 * devices: block the edge config accepts as is; progress and skipped variables go to stderr.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseEdgeConfig } from '../../src/config/index.js';
import type { OpcuaDeviceConfig } from '../../src/config/opcua.js';
import { freePort } from '../helpers/mosquitto.js';
import { startOpcuaServer } from '../helpers/opcua-server.js';
import type { OpcuaTestServer } from '../helpers/opcua-server.js';
import { bulkName, OPCUA_NAMESPACE_URI, OPCUA_VARIABLES, splitName } from '../helpers/opcua-variables.js';

// build/test/cli/ → build/src/cli/main.js (what `npm test` compiles)
const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const NSU = `nsu=${OPCUA_NAMESPACE_URI};`;
/** The one test variable no Sparkplug type maps to (a Range structure). */
const STRUCTURE = 'Press.Structure';
const MAPPABLE = OPCUA_VARIABLES.filter((v) => v.name !== STRUCTURE);

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
  /** HOME and TMPDIR of the child, checked empty afterwards (nothing left behind). */
  readonly home: string;
  readonly tmp: string;
}

const scratch = mkdtempSync(join(tmpdir(), 'sparkstate-browse-test-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

async function browse(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  const home = mkdtempSync(join(scratch, 'home-'));
  const tmp = mkdtempSync(join(scratch, 'tmp-'));
  const started = Date.now();
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [MAIN, 'opcua', 'browse', ...args],
      { timeout: 30_000, maxBuffer: 64 * 1024 * 1024, env: { PATH: process.env['PATH'], HOME: home, TMPDIR: tmp, ...env } },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
        resolve({ code, stdout, stderr, ms: Date.now() - started, home, tmp });
      },
    );
  });
}

/** Wraps the printed block into a whole edge config and runs the project's validation on it. */
async function validDevice(run: Run): Promise<OpcuaDeviceConfig> {
  assert.equal(run.code, 0, run.stderr);
  const yaml = `mqtt:\n  servers: ["mqtt://127.0.0.1:1883"]\nsparkplug:\n  groupId: G\n  edgeNodeId: N\n${run.stdout}`;
  const config = await parseEdgeConfig(yaml, {}, 'browse-output.yaml', scratch);
  assert.equal(config.devices.length, 1);
  const device = config.devices[0];
  assert.ok(device !== undefined && device.source === 'opcua', 'an opcua device');
  assert.deepEqual(readdirSync(run.home), [], 'nothing written under $HOME');
  assert.deepEqual(readdirSync(run.tmp), [], 'the temporary client PKI is removed');
  return device;
}

/** `ns=1;s=Press.Speed` → `nsu=urn:sparkstate:test;s=Press.Speed`. */
function nsu(nodeId: string): string {
  return nodeId.replace(/^ns=1;/, NSU);
}

function skipNotes(stderr: string): string[] {
  return stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => (JSON.parse(l) as { msg?: string }).msg ?? '')
    .filter((m) => m.startsWith('skipped '));
}

const BULK = 10_000;
let server: OpcuaTestServer;
before(async () => {
  // One server for every test: the bulk variables sit in their own folder, out of the other walks.
  server = await startOpcuaServer({ bulk: { count: BULK, intervalMs: 60_000 } });
});
after(() => server.dispose());

test(`browse from Objects: every mappable test variable and ${BULK} bulk variables once, nsu NodeIds, writable from AccessLevel, the structure skipped with a note, device id from the server name [tck-id-intro-device-id-chars]`, async (t) => {
  const run = await browse(['--endpoint', server.endpoint]);
  const device = await validDevice(run);
  assert.equal(device.endpoint, server.endpoint);
  assert.equal(device.id, 'sparkstate_test_server', 'the server application name, blanks replaced');
  assert.match(run.stdout, /^# sparkstate opcua browse/, 'stdout holds nothing but the YAML');

  const byName = new Map(device.metrics.map((m) => [m.name, m]));
  assert.equal(byName.size, device.metrics.length, 'names are unique');
  const bulk = device.metrics.filter((m) => m.name.startsWith('Plant/Bulk/'));
  assert.equal(bulk.length, BULK);
  const bulkIds = new Set(bulk.map((m) => m.nodeId));
  for (let i = 0; i < BULK; i++) assert.ok(bulkIds.has(nsu(`ns=1;s=${bulkName(i)}`)), bulkName(i));
  assert.deepEqual(
    device.metrics.filter((m) => !m.name.startsWith('Plant/Bulk/')).map((m) => m.name).sort(),
    MAPPABLE.map((v) => `Plant/${splitName(v.name).folder}/${splitName(v.name).browseName}`).sort(),
    'exactly the mappable variables (no Server diagnostics, no structure)',
  );
  for (const v of MAPPABLE) {
    const m = byName.get(`Plant/${splitName(v.name).folder}/${splitName(v.name).browseName}`);
    assert.ok(m !== undefined, v.name);
    assert.equal(m.nodeId, nsu(v.nodeId), `${v.name} NodeId in nsu form`);
    assert.equal(m.writable, v.writable, `${v.name} writable`);
  }
  assert.equal(byName.get('Plant/Press/Setpoint')?.writable, true);
  assert.equal(byName.get('Plant/Press/Limit')?.writable, false);

  const notes = skipNotes(run.stderr);
  assert.equal(notes.length, 1, notes.join('\n'));
  assert.match(notes[0] ?? '', /^skipped Plant\/Press\/Structure: .*structure/);
  assert.match(run.stderr, /"msg":"browsed \d+ nodes, \d+ variables"/, 'progress on stderr');

  const done = run.stderr.split('\n').find((l) => /"msg":"\d+ metrics, /.test(l));
  const { ms } = JSON.parse(done ?? '{}') as { ms?: number };
  t.diagnostic(`${device.metrics.length} variables: browse + read ${ms} ms, whole command ${run.ms} ms`);
  assert.ok(run.ms < 20_000, `took ${run.ms} ms`);
});

test('--root limits the walk to a folder; names are relative to it; the device id comes from its browse name', async () => {
  const run = await browse(['--endpoint', server.endpoint, '--root', `${NSU}s=Plant.Types`]);
  const device = await validDevice(run);
  assert.equal(device.id, 'Types');
  const types = MAPPABLE.filter((v) => splitName(v.name).folder === 'Types');
  assert.deepEqual(device.metrics.map((m) => m.name).sort(), types.map((v) => splitName(v.name).browseName).sort());
});

test('--depth stops the walk: Objects/Plant/<folder> is depth 2, so no variable is reached and the exit is non-zero', async () => {
  const run = await browse(['--endpoint', server.endpoint, '--depth', '2']);
  assert.notEqual(run.code, 0);
  assert.equal(run.stdout, '');
  assert.match(run.stderr, /sparkstate: no variable under i=85 within depth 2/);
  const progress = run.stderr.split('\n').filter((l) => l.includes('"msg":"browsed '));
  assert.equal(progress.length, 2, 'two levels browsed');
});

test('unreachable endpoint: non-zero exit within seconds, one clear line on stderr', async () => {
  const port = await freePort();
  const run = await browse(['--endpoint', `opc.tcp://127.0.0.1:${port}`]);
  assert.notEqual(run.code, 0);
  assert.equal(run.stdout, '');
  const lines = run.stderr.trim().split('\n');
  assert.equal(lines.length, 1, run.stderr);
  assert.match(lines[0] ?? '', new RegExp(`^sparkstate: cannot connect to opc\\.tcp://127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`));
  // Seconds, not the minutes of a client that keeps retrying; the margin is for a loaded machine
  // (start-up makes a client certificate).
  assert.ok(run.ms < 20_000, `failed after ${run.ms} ms`);
  assert.deepEqual(readdirSync(run.tmp), [], 'the temporary client PKI is removed on failure too');
});

test('security: SignAndEncrypt/Basic256Sha256 with a user name (password from SPARKSTATE_OPCUA_PASSWORD) and --device-id', async (t) => {
  const secure = await startOpcuaServer({ security: true });
  t.after(() => secure.dispose());
  const args = ['--endpoint', secure.endpoint, '--root', 'ns=1;s=Plant.Press', '--security-mode', 'SignAndEncrypt', '--security-policy', 'Basic256Sha256', '--username', 'op', '--device-id', 'Press-7'];
  const device = await validDevice(await browse(args, { SPARKSTATE_OPCUA_PASSWORD: 'secret' }));
  assert.equal(device.id, 'Press-7');
  assert.equal(device.securityMode, 'SignAndEncrypt');
  assert.equal(device.securityPolicy, 'Basic256Sha256');
  assert.equal(device.username, 'op');
  assert.equal(device.password, undefined, 'the password is never printed');

  const denied = await browse(args, { SPARKSTATE_OPCUA_PASSWORD: 'wrong' });
  assert.notEqual(denied.code, 0);
  assert.match(denied.stderr, /sparkstate: cannot open a session on /);
});

const EDGE_NS = 'urn:sparkstate:browse-edge-cases';

/** An in-process server with the DataType, ValueRank, property and naming cases the test server lacks. */
async function startEdgeCaseServer(dir: string): Promise<{ endpoint: string; shutdown: () => Promise<void> }> {
  // Loaded here, not at the top: node-opcua's load-time self-check costs the other tests CPU.
  const { nodesets, OPCUACertificateManager, OPCUAServer } = await import('node-opcua');
  const server = new OPCUAServer({
    port: await freePort(),
    host: '127.0.0.1',
    hostname: '127.0.0.1',
    nodeset_filename: [nodesets.standard],
    // Both stores in the temp dir: node-opcua's default is under $HOME.
    serverCertificateManager: new OPCUACertificateManager({ rootFolder: join(dir, 'PKI'), automaticallyAcceptUnknownCertificate: true }),
    userCertificateManager: new OPCUACertificateManager({ rootFolder: join(dir, 'UserPKI') }),
  });
  await server.initialize();
  const addressSpace = server.engine.addressSpace;
  if (addressSpace === null) throw new Error('no address space');
  const ns = addressSpace.registerNamespace(EDGE_NS);
  const edge = ns.addFolder(addressSpace.rootFolder.objects, { browseName: 'Edge', nodeId: 's=Edge' });
  const add = (browseName: string, dataType: string, more: { valueRank?: number; arrayDimensions?: number[]; nodeId?: string } = {}) =>
    ns.addVariable({ organizedBy: edge, browseName, dataType, nodeId: more.nodeId ?? `s=Edge.${browseName}`, ...more });
  const myDuration = ns.createDataType({ browseName: 'MyDuration', isAbstract: false, subtypeOf: 'Duration' });
  add('Duration', 'Duration');
  add('Time', 'UtcTime');
  add('State', 'ServerState');
  ns.addVariable({ organizedBy: edge, browseName: 'Custom', dataType: myDuration, nodeId: 's=Edge.Custom' });
  const level = add('Level', 'Double');
  ns.addVariable({ propertyOf: level, browseName: 'EURange', dataType: 'Range' });
  ns.addVariable({ propertyOf: level, browseName: 'Offset', dataType: 'Double' });
  ns.addVariable({ componentOf: level, browseName: 'Raw', dataType: 'Int32' });
  ns.addVariable({ propertyOf: edge, browseName: 'Serial', dataType: 'String' });
  add('Matrix', 'Double', { valueRank: 2, arrayDimensions: [2, 2] });
  add('Anything', 'BaseDataType');
  add('Number', 'Number');
  add('Dup', 'Double');
  add('dup', 'Double', { nodeId: 's=Edge.dup2' });
  // A cycle back to the root: each node is still visited once.
  ns.addFolder(edge, { browseName: 'Loop' }).addReference({ referenceType: 'Organizes', nodeId: edge.nodeId });
  await server.start();
  return { endpoint: `opc.tcp://127.0.0.1:${server.endpoints[0]?.port ?? 0}`, shutdown: () => server.shutdown() };
}

test('DataType subtypes and enumerations map; abstract types, matrices and properties of variables do not; names clashing by case get a suffix [tck-id-case-sensitivity-metric-names]', async (t) => {
  const dir = mkdtempSync(join(scratch, 'edge-server-'));
  const edgeServer = await startEdgeCaseServer(dir);
  t.after(() => edgeServer.shutdown());
  const run = await browse(['--endpoint', edgeServer.endpoint, '--root', `nsu=${EDGE_NS};s=Edge`]);
  const device = await validDevice(run);
  assert.equal(device.id, 'Edge');
  assert.deepEqual(device.metrics.map((m) => m.name).sort(), ['Custom', 'Dup', 'Duration', 'Level', 'Level/Raw', 'Serial', 'State', 'Time', 'dup_2']);
  assert.equal(device.metrics.find((m) => m.name === 'dup_2')?.nodeId, `nsu=${EDGE_NS};s=Edge.dup2`);
  assert.deepEqual(
    skipNotes(run.stderr).map((n) => n.replace(/:.*/, '')).sort(),
    ['skipped Anything', 'skipped Matrix', 'skipped Number'],
  );
  assert.match(run.stderr, /"msg":"metric name dup is taken; using dup_2"/);
});
