/** `npm start` runs this demo: it must work with nothing installed (embedded broker) and stop cleanly. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { demoPorts } from '../../src/cli/demo.js';
import { isSparkplugError } from '../../src/errors.js';
import { startDemo } from '../helpers/demo-process.js';
import { waitUntil } from '../helpers/wait.js';

const main = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

test('sparkstate demo: the page URL first, then what to try; host online, births and data decoded, clean stop', { timeout: 30_000 }, async () => {
  const { stdout } = await promisify(execFile)(process.execPath, [main, 'demo', '--duration', '3', '--http-port', '0'], {
    timeout: 25_000,
  });
  const lines = stdout.split('\n');
  assert.match(lines[0] ?? '', /^sparkstate demo: open http:\/\/127\.0\.0\.1:\d+\/ in a browser$/);
  assert.match(lines[1] ?? '', /^ {2}Try: expand Demo > Line1 > Filler/);
  assert.match(stdout, /Restart broker/);
  assert.match(stdout, /MQTT broker mqtt:\/\/127\.0\.0\.1:\d+/);
  assert.match(stdout, /http:\/\/127\.0\.0\.1:\d+\/api\/state \(JSON\)/);
  assert.match(stdout, /STATE {2}demo-host online/);
  assert.match(stdout, /NBIRTH Demo\/Line1 seq=0 bdSeq=0/);
  assert.match(stdout, /DBIRTH Demo\/Line1\/Filler seq=1/);
  assert.match(stdout, /DDATA {2}Demo\/Line1\/Filler/);
  assert.match(stdout, /NDEATH Demo\/Line1 bdSeq=0/, 'the node says goodbye before the broker stops');
});

function occupy(): Promise<{ server: Server; port: number }> {
  const server = createServer();
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const a = server.address();
      resolve({ server, port: typeof a === 'object' && a !== null ? a.port : 0 });
    });
  });
}

test('sparkstate demo: taken ports fall back to free ones, said on screen; "restart broker" brings the node back on the same port', { timeout: 30_000 }, async (t) => {
  const mqtt = await occupy();
  const http = await occupy();
  t.after(() => {
    mqtt.server.close();
    http.server.close();
  });
  const demo = await startDemo(['--port', String(mqtt.port), '--http-port', String(http.port)]);
  t.after(() => demo.stop());
  assert.ok(demo.stdout().startsWith('sparkstate demo: open http://127.0.0.1:'), 'the URL comes first');
  assert.notEqual(demo.url, `http://127.0.0.1:${http.port}`);
  await demo.waitFor(new RegExp(`\\(HTTP port ${http.port} is taken: using \\d+\\)`));
  const port = (await demo.waitFor(new RegExp(`\\(MQTT port ${mqtt.port} is taken: using (\\d+)\\)`)))[1] ?? '';
  assert.match(demo.stdout(), new RegExp(`MQTT broker mqtt://127\\.0\\.0\\.1:${port}`));
  assert.equal((await fetch(`${demo.url}/`)).status, 200, 'the page is served on the port printed');

  await demo.waitFor(/DBIRTH Demo\/Line1\/Capper/);
  const res = await fetch(`${demo.url}/api/demo/restart-broker`, { method: 'POST' });
  assert.equal(res.status, 200);
  await demo.waitFor(new RegExp(`demo: MQTT broker back on mqtt://127\\.0\\.0\\.1:${port}`));
  // Not awaited in the sniffer's lines: it reconnects on its own and may subscribe after the NBIRTH went by.
  await waitUntil(
    async () => {
      const s = (await (await fetch(`${demo.url}/api/state`)).json()) as { groups: Record<string, { nodes: Record<string, { online: boolean; stale: boolean; bdSeq: number }> }> };
      const n = s.groups['Demo']?.nodes['Line1'];
      return n?.online === true && !n.stale && n.bdSeq === 1;
    },
    10_000,
    'Line1 online again with bdSeq 1',
  );
});

test('demo ports: option, else MQTT_PORT / HTTP_PORT, else any free port / 8080; a bad variable is a config error', () => {
  assert.deepEqual(demoPorts({}, {}), { mqtt: 0, http: 8080 });
  assert.deepEqual(demoPorts({}, { MQTT_PORT: '1884', HTTP_PORT: '9000' }), { mqtt: 1884, http: 9000 });
  assert.deepEqual(demoPorts({ port: 0, httpPort: 0 }, { MQTT_PORT: '1884', HTTP_PORT: '9000' }), { mqtt: 0, http: 0 });
  assert.deepEqual(demoPorts({}, { HTTP_PORT: '' }), { mqtt: 0, http: 8080 });
  for (const bad of ['x', '-1', '70000', '80.5']) {
    assert.throws(
      () => demoPorts({}, { HTTP_PORT: bad }),
      (e: unknown) => isSparkplugError(e) && e.code === 'SPB_ERR_CONFIG' && e.message.includes('HTTP_PORT'),
      bad,
    );
  }
});
