/**
 * `npm start` stopped exactly as a terminal's Ctrl-C stops it: SIGINT to the whole foreground
 * process group (npm, its shell, the demo), so the demo gets it twice within milliseconds (once
 * from the terminal, once forwarded by npm). It must still say goodbye and exit 0.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { lifo } from '../host/broker-helpers.js';
import { spawnGroup } from './cli-process.js';

/** build/test/cli/ → the checkout (npm start builds src/ into dist/ there first). */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

test('npm start: Ctrl-C (SIGINT twice to the process group) publishes NDEATH and the offline STATE, exit status 0', { timeout: 150_000 }, async (t) => {
  const s = lifo(t);
  const npm = spawnGroup(s, 'npm', ['start', '--', '--http-port', '0'], {
    cwd: ROOT,
    env: { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false' },
  });
  await npm.waitForStdout(/open http:\/\/127\.0\.0\.1:\d+\/ in a browser/, 120_000);
  await npm.waitForStdout(/DDATA {2}Demo\/Line1\/Filler/, 10_000);

  npm.signalGroup('SIGINT', 2);
  const exit = await npm.exited;
  assert.deepEqual(exit, { code: 0, signal: null }, `stdout:\n${npm.stdout().slice(-2000)}\nstderr:\n${npm.stderr()}`);
  // The demo's own sniffer printed both before the embedded broker went away.
  const out = npm.stdout();
  const ndeath = out.search(/NDEATH Demo\/Line1 bdSeq=\d+/);
  const offline = out.search(/STATE {2}demo-host offline ts=\d+/);
  assert.ok(ndeath > 0, `NDEATH line printed:\n${out.slice(-1500)}`);
  assert.ok(offline > ndeath, `offline STATE printed after the NDEATH:\n${out.slice(-1500)}`);
});
