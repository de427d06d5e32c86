/**
 * `sparkstate edge --config FILE` with `http` as a child process, probed by the image's own
 * HEALTHCHECK script (docker/healthcheck.mjs) exactly as Docker would run it.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DEFAULT_METRICS, edgeYaml, isNode, publishOnce, statePayload, tempDir } from '../edge/helpers.js';
import { freePort, startMosquitto } from '../helpers/mosquitto.js';
import { startObserver } from '../helpers/observer.js';
import { waitUntil } from '../helpers/wait.js';

// build/test/deploy/ → build/src/cli/main.js and the repository's docker/ folder. Waits are long:
// a child process loads node-opcua at start, which takes many seconds on a loaded machine.
const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const HEALTHCHECK = fileURLToPath(new URL('../../../docker/healthcheck.mjs', import.meta.url));

/** Runs the HEALTHCHECK script against `port`: its exit code and what it printed. */
function healthcheck(port: number): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [HEALTHCHECK], { env: { ...process.env, SPARKSTATE_HEALTH_PORT: String(port) } }, (err, stdout) => {
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : -1, out: stdout });
    });
  });
}

function runEdge(configFile: string): { exited: Promise<number | null>; stderr: () => string; kill: (s: NodeJS.Signals) => void } {
  const child = spawn(process.execPath, [MAIN, 'edge', '--config', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    exited,
    stderr: () => stderr,
    kill: (s) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(s);
    },
  };
}

test('CLI edge with http: HEALTHCHECK fails (503) while waiting for the primary host, passes once born; SIGTERM sends NDEATH, closes the port and exits 0', async (t) => {
  const broker = await startMosquitto();
  t.after(() => broker.dispose());
  const observer = await startObserver(broker.url);
  t.after(() => observer.close());
  const port = await freePort();
  const dir = tempDir(t);
  const file = join(dir, 'edge.yaml');
  writeFileSync(file, edgeYaml({ servers: [broker.url], primaryHostId: 'scada', body: `http: { port: ${port} }\n${DEFAULT_METRICS}` }));
  const edge = runEdge(file);
  t.after(() => edge.kill('SIGKILL'));

  let last = { code: -1, out: '' };
  // 503 from the start (connecting), and still while connected but waiting for the host.
  const waiting = /^503 \{"status":"unavailable",.*"state":"waitingForHost"/;
  await waitUntil(async () => waiting.test((last = await healthcheck(port)).out), 30_000, 'HEALTHCHECK sees 503 waitingForHost', 100).catch((e: unknown) =>
    assert.fail(`${String(e)}\nlast: ${JSON.stringify(last)}\nstderr: ${edge.stderr()}`),
  );
  assert.equal(last.code, 1);

  await publishOnce(broker.url, 'spBv1.0/STATE/scada', statePayload(true, Date.now()), { qos: 1, retain: true });
  await waitUntil(async () => (last = await healthcheck(port)).code === 0, 20_000, 'HEALTHCHECK passes', 100);
  assert.match(last.out, /^200 \{"status":"ok"/);
  await observer.waitFor(isNode('NBIRTH'));

  edge.kill('SIGTERM');
  assert.equal(await edge.exited, 0, edge.stderr());
  await observer.waitFor(isNode('NDEATH'), 10_000);
  const after = await healthcheck(port);
  assert.equal(after.code, 1);
  assert.match(after.out, /no answer on port \d+: ECONNREFUSED/);
});

test('CLI edge: an http.port already in use fails at start with the reason, before anything is published', async (t) => {
  const broker = await startMosquitto();
  t.after(() => broker.dispose());
  const observer = await startObserver(broker.url);
  t.after(() => observer.close());
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', () => resolve()));
  t.after(() => new Promise<void>((resolve) => taken.close(() => resolve())));
  const address = taken.address();
  assert.ok(typeof address === 'object' && address !== null);
  const file = join(tempDir(t), 'edge.yaml');
  writeFileSync(file, edgeYaml({ servers: [broker.url], body: `http: { port: ${address.port} }\n${DEFAULT_METRICS}` }));
  const edge = runEdge(file);
  t.after(() => edge.kill('SIGKILL'));
  assert.equal(await edge.exited, 1);
  assert.match(edge.stderr(), /EADDRINUSE/);
  assert.equal(observer.messages.length, 0, 'no NBIRTH without the HTTP server');
});
