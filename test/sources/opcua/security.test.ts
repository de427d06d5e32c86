/** OpcuaSource over SignAndEncrypt / Basic256Sha256 with a user name: PKI, trust, nothing under $HOME. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { UserTokenType } from 'node-opcua-client';
import { loadIdentity } from '../../../src/sources/opcua/session.js';
import { startOpcuaServer } from '../../helpers/opcua-server.js';
import type { OpcuaTestServer } from '../../helpers/opcua-server.js';
import { LEVEL, deviceConfig, makeSource, metric, waitFor } from './helpers.js';

const SECURE = {
  securityMode: 'SignAndEncrypt',
  securityPolicy: 'Basic256Sha256',
  username: 'op',
  password: 'secret',
} as const;

const METRICS = [metric('Setpoint', 'ns=1;s=Press.Setpoint', { writable: true }), metric('Int64', 'ns=1;s=Types.Int64')];

describe('OpcuaSource security', () => {
  let server: OpcuaTestServer;
  before(async () => {
    server = await startOpcuaServer({ security: true });
  });
  after(() => server.dispose());

  it('refuses an unknown server certificate with one error line naming the file to move, and connects once it is trusted', async (t) => {
    const { source, sink, lines, storeDir } = makeSource(t, deviceConfig(server.endpoint, METRICS, SECURE));
    await source.start(sink);
    assert.equal(source.isOnline(), false);
    await waitFor(() => lines.some((l) => l.level === LEVEL.error), 'the untrusted-certificate error', 10_000);
    const pki = join(storeDir, 'pki');
    const errors = lines.filter((l) => l.level === LEVEL.error);
    const file = errors[0]?.['file'];
    assert.ok(typeof file === 'string' && file.startsWith(join(pki, 'rejected')) && existsSync(file), `an existing file under rejected/: ${String(file)}`);
    assert.ok(errors[0]?.msg.includes(`move ${file} to ${join(pki, 'trusted', 'certs')}/`), errors[0]?.msg);
    // Retries go on (back-off at most 1 s here) without repeating the line.
    const attempts = () => lines.filter((l) => l.msg.startsWith('cannot use')).length;
    await waitFor(() => attempts() >= 3, 'three attempts', 10_000);
    assert.equal(lines.filter((l) => l.level === LEVEL.error).length, 1);
    assert.equal(source.isOnline(), false);

    renameSync(file, join(pki, 'trusted', 'certs', basename(file)));
    await waitFor(() => source.isOnline(), 'online once trusted', 15_000);
    assert.equal(sink.value(0), 50);
    assert.equal(sink.value(1), 9007199254740993n);
    await source.write('Setpoint', 61.5);
    assert.equal(await server.read('Press.Setpoint'), 61.5);
    assert.ok(!lines.some((l) => JSON.stringify(l).includes('secret')), 'the password is never logged');
  });

  it('trusts an unknown server certificate with a warning when acceptUnknownServerCertificate is set', async (t) => {
    const { source, sink, lines, storeDir } = makeSource(t, deviceConfig(server.endpoint, METRICS, { ...SECURE, acceptUnknownServerCertificate: true }));
    await source.start(sink);
    assert.equal(source.isOnline(), true);
    const warning = lines.find((l) => l.level === LEVEL.warn && l.msg.includes('trusting the server certificate'));
    const file = warning?.['file'];
    assert.ok(typeof file === 'string' && file.startsWith(join(storeDir, 'pki', 'trusted', 'certs')) && existsSync(file), String(file));
    assert.equal(lines.filter((l) => l.level === LEVEL.error).length, 0);
  });

  it('stays offline with a wrong password, without logging it', async (t) => {
    const { source, sink, lines } = makeSource(t, deviceConfig(server.endpoint, METRICS, { ...SECURE, password: 'wrong-pw', acceptUnknownServerCertificate: true }));
    await source.start(sink);
    assert.equal(source.isOnline(), false);
    assert.ok(lines.some((l) => l.level === LEVEL.warn && l.msg.startsWith('cannot use')));
    assert.ok(!lines.some((l) => JSON.stringify(l).includes('wrong-pw')));
  });

  it('writes nothing under $HOME: the PKI is <storeDir>/pki', async (t) => {
    const home = mkdtempSync(join(tmpdir(), 'sparkstate-home-'));
    const store = mkdtempSync(join(tmpdir(), 'sparkstate-opcua-store-'));
    t.after(() => {
      rmSync(home, { recursive: true, force: true });
      rmSync(store, { recursive: true, force: true });
    });
    mkdirSync(join(home, 'probe'));
    const index = new URL('../../../src/sources/opcua/index.js', import.meta.url).href;
    const config = deviceConfig(server.endpoint, METRICS, { ...SECURE, acceptUnknownServerCertificate: true });
    const script = `
      const { createOpcuaSource } = await import(${JSON.stringify(index)});
      const source = createOpcuaSource(${JSON.stringify(config)}, { storeDir: ${JSON.stringify(store)} });
      await source.start({ update() {}, invalidate() {} });
      if (!source.isOnline()) throw new Error('not online');
      await source.stop();`;
    const env: NodeJS.ProcessEnv = { PATH: process.env['PATH'] ?? '', HOME: home };
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { env, timeout: 30_000 });
    assert.equal(stdout + stderr, '', 'no console output');
    assert.deepEqual(readdirSync(home), ['probe']);
    assert.ok(existsSync(join(store, 'pki', 'own', 'certs', 'client_certificate.pem')));
  });

  it('reads an X.509 user identity from PEM files (certificate as DER, key as PEM)', async (t) => {
    const { source, sink, storeDir } = makeSource(t, deviceConfig(server.endpoint, METRICS, { ...SECURE, acceptUnknownServerCertificate: true }));
    await source.start(sink);
    // The client's own certificate and key serve as a user certificate here.
    const certificate = join(storeDir, 'pki', 'own', 'certs', 'client_certificate.pem');
    const privateKey = join(storeDir, 'pki', 'own', 'private', 'private_key.pem');
    const { username: _u, password: _p, ...rest } = deviceConfig(server.endpoint, METRICS, SECURE);
    const identity = await loadIdentity({ ...rest, certificate, privateKey });
    assert.equal(identity.type, UserTokenType.Certificate);
    assert.ok(identity.type === UserTokenType.Certificate && identity.certificateData[0] === 0x30, 'DER starts with a SEQUENCE');
    assert.match(String(identity.type === UserTokenType.Certificate ? identity.privateKey : ''), /-----BEGIN (RSA )?PRIVATE KEY-----/);
    assert.deepEqual(await loadIdentity(rest), { type: UserTokenType.Anonymous });
    assert.deepEqual(await loadIdentity({ ...rest, username: 'op' }), { type: UserTokenType.UserName, userName: 'op', password: '' });
  });
});
