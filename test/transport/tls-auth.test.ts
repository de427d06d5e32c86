import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCodes } from '../../src/errors.js';
import { freePort, startMosquitto } from '../helpers/mosquitto.js';
import { waitUntil } from '../helpers/wait.js';
import { newSession, nextEvent } from './fixtures.js';

/** A throw-away CA and a server certificate for 127.0.0.1 (EC keys: fast to generate). */
function makeCertificates(dir: string): { ca: string; cert: string; key: string } {
  const ssl = (...args: string[]): void => {
    execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  };
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  ssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '1', '-subj', '/CN=sparkstate test CA');
  ssl('req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1\n');
  ssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial',
    '-out', 'server.crt', '-days', '1', '-extfile', 'san.ext');
  return { ca: join(dir, 'ca.crt'), cert: join(dir, 'server.crt'), key: join(dir, 'server.key') };
}

test('TLS: mqtts:// with the CA connects; without it the certificate is refused and retried', { timeout: 20_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sparkstate-tls-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const files = makeCertificates(dir);
  const tlsPort = await freePort();
  const broker = await startMosquitto({
    extraConfig: [`listener ${tlsPort} 127.0.0.1`, `cafile ${files.ca}`, `certfile ${files.cert}`, `keyfile ${files.key}`].join('\n'),
  });
  t.after(() => broker.dispose());
  const url = `mqtts://127.0.0.1:${tlsPort}`;

  const trusted = newSession([url], { tls: { ca: readFileSync(files.ca) } }).session;
  t.after(() => trusted.stop());
  const connected = nextEvent(trusted, 'connect');
  await trusted.start();
  assert.equal((await connected)[0].server, url);

  const untrusted = newSession([url]).session;
  t.after(() => untrusted.stop());
  const errors: string[] = [];
  untrusted.on('error', (e) => errors.push(e.message));
  untrusted.on('connect', () => errors.push('unexpected connect'));
  await untrusted.start();
  await waitUntil(() => errors.length >= 2, 5_000, 'two refused TLS attempts');
  assert.ok(!errors.includes('unexpected connect'));
  assert.match(errors[0] ?? '', /certificate/i);
});

test('username/password: the right password connects; a wrong one keeps retrying with a clear error', { timeout: 20_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sparkstate-auth-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const passwordFile = join(dir, 'passwd');
  execFileSync('/usr/bin/mosquitto_passwd', ['-c', '-b', passwordFile, 'edge', 'right-pw'], { stdio: 'ignore' });
  const broker = await startMosquitto({ allowAnonymous: false, extraConfig: `password_file ${passwordFile}` });
  t.after(() => broker.dispose());

  for (const protocolVersion of [4, 5] as const) {
    const good = newSession([broker.url], { username: 'edge', password: 'right-pw', protocolVersion }).session;
    t.after(() => good.stop());
    const connected = nextEvent(good, 'connect');
    await good.start();
    await connected;

    const bad = newSession([broker.url], { username: 'edge', password: 'wrong-pw', protocolVersion }).session;
    t.after(() => bad.stop());
    const errors: { code: string; message: string }[] = [];
    bad.on('error', (e) => errors.push({ code: e.code, message: e.message }));
    await bad.start();
    await waitUntil(() => errors.length >= 3, 5_000, `three refused attempts (MQTT v${protocolVersion})`);
    assert.equal(bad.isConnected(), false);
    for (const e of errors) {
      assert.equal(e.code, ErrorCodes.TRANSPORT);
      assert.match(e.message, /broker refuses.*check username and password/i);
    }
  }
});
