/** `sparkstate host --config FILE` as a child process: HTTP health, then SIGTERM → offline STATE before exit. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freePort, startMosquitto } from '../helpers/mosquitto.js';
import { startObserver } from '../helpers/observer.js';
import { waitUntil } from '../helpers/wait.js';
import { hostYaml, lifo, tempDir } from './broker-helpers.js';

// build/test/host/ → build/src/cli/main.js (what `npm test` compiles)
const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const STATE = 'spBv1.0/STATE/cli-host';

test('CLI: sparkstate host serves /healthz 200 once online; SIGTERM publishes the offline STATE and exits 0 [tck-id-operational-behavior-host-application-termination] [tck-id-host-topic-phid-death-payload-timestamp-disconnect-clean] [tck-id-host-topic-phid-death-payload-timestamp-disconnect-with-no-disconnect-packet]', async (t) => {
  const s = lifo(t);
  const broker = await startMosquitto();
  s.after(() => broker.dispose());
  const observer = await startObserver(broker.url, { topics: ['spBv1.0/STATE/#'] });
  s.after(() => observer.close());
  const port = await freePort();
  const file = join(tempDir(s), 'host.yaml');
  writeFileSync(file, hostYaml([broker.url], { hostId: 'cli-host', httpPort: port }));

  const child = spawn(process.execPath, [MAIN, 'host', '--config', file], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  s.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });

  let health: unknown;
  await waitUntil(
    async () => {
      try {
        const r = await fetch(`http://127.0.0.1:${port}/healthz`);
        health = await r.json();
        return r.status === 200;
      } catch {
        return false; // not listening yet
      }
    },
    20_000,
    'GET /healthz 200',
    50,
  ).catch((err: unknown) => assert.fail(`${String(err)}\nstderr: ${stderr}`));
  assert.deepEqual(health, { status: 'ok', hostId: 'cli-host', state: 'online' });
  const birth = await observer.waitFor((m) => m.topic === STATE);

  child.kill('SIGTERM');
  assert.equal(await exited, 0, stderr);
  const death = observer.messages.filter((m) => m.topic === STATE).at(-1);
  assert.ok(death !== undefined && death !== birth, 'offline STATE published before the process exited');
  const p = JSON.parse(new TextDecoder().decode(death.payload)) as { online: boolean; timestamp: number };
  assert.equal(p.online, false);
  // Not the Will (which repeats the birth's timestamp): the explicit death carries the time of the stop.
  const born = JSON.parse(new TextDecoder().decode(birth.payload)) as { timestamp: number };
  assert.ok(p.timestamp > born.timestamp, `death ${p.timestamp} after birth ${born.timestamp}`);
  assert.equal(death.qos, 1);
  assert.equal(death.retain, true);
  // The default storeDir, next to the config file, holds the Idempotency-Key answers.
  assert.ok(existsSync(join(dirname(file), 'data', 'host', 'idempotency.sqlite')));
});
