/** `npm start` runs this demo: it must work with nothing installed (embedded broker) and stop cleanly. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const main = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

test('sparkstate demo: embedded broker, host online, births and data decoded, clean stop', { timeout: 30_000 }, async () => {
  const { stdout } = await promisify(execFile)(process.execPath, [main, 'demo', '--duration', '3', '--http-port', '0'], {
    timeout: 25_000,
  });
  assert.match(stdout, /embedded MQTT broker on mqtt:\/\/127\.0\.0\.1:\d+/);
  assert.match(stdout, /live model at http:\/\/127\.0\.0\.1:\d+\/api\/state/);
  assert.match(stdout, /STATE {2}demo-host online/);
  assert.match(stdout, /NBIRTH Demo\/Line1 seq=0 bdSeq=0/);
  assert.match(stdout, /DBIRTH Demo\/Line1\/Filler seq=1/);
  assert.match(stdout, /DDATA {2}Demo\/Line1\/Filler/);
  assert.match(stdout, /NDEATH Demo\/Line1 bdSeq=0/, 'the node says goodbye before the broker stops');
});
