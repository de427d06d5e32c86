/** `sparkstate host` with a `mirror:` section as a child process: retained values, /metrics, and a clean stop. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { MAIN } from '../cli/cli-process.js';
import { freePort, startMosquitto } from '../helpers/mosquitto.js';
import { waitUntil } from '../helpers/wait.js';
import { hostYaml, lifo, RawEdge, tempDir } from '../host/broker-helpers.js';
import { Observer, PREFIX } from './helpers.js';

test('CLI: sparkstate host mirrors the model, reports sparkstate_mirror_* on /metrics; SIGTERM marks every value stale and the status offline', async (t) => {
  const s = lifo(t);
  const broker = await startMosquitto();
  s.after(() => broker.dispose());
  const port = await freePort();
  const file = join(tempDir(s), 'host.yaml');
  writeFileSync(file, `${hostYaml([broker.url], { hostId: 'cli-mirror', httpPort: port })}mirror:\n  prefix: ${PREFIX}\n  maxPerSecond: 200\n`);
  const watch = await Observer.connect(s, broker.url);
  const child = spawn(process.execPath, [MAIN, 'host', '--config', file], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  s.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  await waitUntil(() => (watch.status as { online?: boolean } | null)?.online === true, 10_000, 'mirror status online').catch((err: unknown) =>
    assert.fail(`${String(err)}\nstderr: ${stderr}`),
  );
  // The host subscribes before its STATE birth; the edge births once the host is surely listening.
  await waitUntil(async () => (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined))?.status === 200, 10_000, 'host online');
  const edge = await RawEdge.connect(s, broker.url, 'Plant1', 'Line1');
  await edge.nbirth(1, [{ name: 'Level', alias: 1, type: 'UInt64', value: 12 }]);
  const level = `${PREFIX}/Plant1/Line1/Level`;
  await waitUntil(() => watch.last.get(level)?.value === '12', 10_000, 'Level mirrored');
  assert.equal(watch.last.get(level)?.quality, 'good');

  let metrics = '';
  await waitUntil(
    async () => {
      metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      return /^sparkstate_mirror_published_total\{host_id="cli-mirror"\} ([3-9]|\d\d+)$/m.test(metrics);
    },
    5000,
    'published count on /metrics',
  ).catch((err: unknown) => assert.fail(`${String(err)}\n${metrics}`));
  assert.match(metrics, /^sparkstate_mirror_pending\{host_id="cli-mirror"\} 0$/m);
  assert.match(metrics, /^sparkstate_mirror_coalesced_total\{host_id="cli-mirror"\} \d+$/m);

  child.kill('SIGTERM');
  assert.equal(await exited, 0, stderr);
  await waitUntil(() => watch.last.get(level)?.quality === 'stale', 5000, 'Level stale after the stop');
  await waitUntil(() => (watch.status as { online?: boolean } | null)?.online === false, 5000, 'mirror status offline');
  assert.equal(watch.last.get(level)?.value, '12');
});
