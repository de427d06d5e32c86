/**
 * The dev-setup.sh broker refuses strangers, and each refusal is classified: one log line per
 * attempt with a stable cause, a back-off retry, no password in the log. MQTT 3.1.1 and 5.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { pino } from 'pino';
import { ConnectError, type ConnectFailureCause, type MqttSessionOptions } from '../../src/transport/index.js';
import { lifo, type Scope } from '../host/broker-helpers.js';
import { waitUntil } from '../helpers/wait.js';
import { newSession } from '../transport/fixtures.js';
import { clientCertificate, otherCa, startDevBroker } from './dev-broker.js';

interface Tried {
  errors: ConnectError[];
  connected: boolean;
  log: string;
}

/** Starts a session with `opts`, waits for `attempts` failures (or a connect), stops it. */
async function attempt(s: Scope, servers: string[], opts: Partial<MqttSessionOptions>, attempts = 3): Promise<Tried> {
  let log = '';
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      log += chunk.toString();
      done();
    },
  });
  const { session } = newSession(servers, { logger: pino({ level: 'debug' }, sink), connectTimeoutMs: 10_000, ...opts });
  s.after(() => session.stop());
  const tried: Tried = { errors: [], connected: false, log: '' };
  session.on('error', (e) => tried.errors.push(e));
  session.on('connect', () => (tried.connected = true));
  await session.start();
  await waitUntil(() => tried.connected || tried.errors.length >= attempts, 30_000, `${attempts} failed attempts or a connect`);
  await session.stop();
  tried.log = log;
  return tried;
}

function assertRefused(t: Tried, cause: ConnectFailureCause, reason: RegExp, secrets: readonly string[] = []): void {
  assert.equal(t.connected, false, 'connected although it should be refused');
  for (const e of t.errors) {
    assert.ok(e instanceof ConnectError);
    assert.equal(e.failure, cause, `${e.message}`);
    assert.match(e.reason, reason);
  }
  const lines = t.log.split('\n').filter((l) => l.includes('connection attempt failed'));
  assert.equal(lines.length, t.errors.length, 'one log line per failed attempt');
  for (const l of lines) assert.equal((JSON.parse(l) as { failure: string }).failure, cause);
  // Each retry waits for the back-off: the session passed through `waiting` between attempts.
  assert.ok((t.log.match(/"to":"waiting"/g) ?? []).length >= t.errors.length, 'a back-off wait after every failure');
  for (const secret of secrets) assert.ok(!t.log.includes(secret), 'a password appears in the log');
}

test('dev-setup.sh broker: TLS + password connects with MQTT 3.1.1 and 5; a wrong password, plain MQTT and a wrong CA are refused with a stable cause, one line per attempt and a back-off retry', { timeout: 120_000 }, async (t) => {
  const s = lifo(t);
  const dev = await startDevBroker(s);
  const tls = { ca: dev.ca };
  const all = Object.values(dev.passwords);

  for (const protocolVersion of [4, 5] as const) {
    const ok = await attempt(s, [dev.url], { protocolVersion, tls, username: 'scada', password: dev.passwords.scada }, 1);
    assert.equal(ok.connected, true, `scada over TLS, MQTT v${protocolVersion}: ${ok.errors.map((e) => e.message).join('; ')}`);
    assert.deepEqual(ok.errors, []);

    const wrong = await attempt(s, [dev.url], { protocolVersion, tls, username: 'edge1', password: dev.passwords.edge2 });
    // Mosquitto answers a wrong password with "not authorized" (3.1.1: 5, MQTT 5: 0x87).
    assertRefused(wrong, 'not_authorized', /^broker refuses: not authorized$/, all);
    assert.match(wrong.errors[0]?.message ?? '', /check username and password/);

    const noUser = await attempt(s, [dev.url], { protocolVersion, tls });
    assertRefused(noUser, 'not_authorized', /^broker refuses: not authorized$/);
  }

  // The port speaks TLS only: a plain CONNECT is dropped before any CONNACK.
  const plain = await attempt(s, [dev.url.replace('mqtts:', 'mqtt:')], { username: 'scada', password: dev.passwords.scada });
  assertRefused(plain, 'closed', /before CONNACK/, all);

  // Trusting another CA (or only the system's): the broker's certificate is not trusted.
  const dir = mkdtempSync(join(tmpdir(), 'sparkstate-otherca-'));
  s.after(() => rmSync(dir, { recursive: true, force: true }));
  const wrongCa = await attempt(s, [dev.url], { tls: { ca: otherCa(dir) }, username: 'scada', password: dev.passwords.scada });
  assertRefused(wrongCa, 'tls_untrusted', /^TLS: self-signed certificate in certificate chain$/, all);
  const systemCa = await attempt(s, [dev.url], { username: 'scada', password: dev.passwords.scada });
  assertRefused(systemCa, 'tls_untrusted', /^TLS: .*certificate/, all);
});

test('client certificates (require_certificate): one from the broker CA connects; one from another CA and an expired one are refused with their cause', { timeout: 120_000 }, async (t) => {
  const s = lifo(t);
  const dev = await startDevBroker(s, { mtls: true });
  const url = dev.mtlsUrl ?? assert.fail('no mTLS listener');
  const dir = mkdtempSync(join(tmpdir(), 'sparkstate-clientcert-'));
  s.after(() => rmSync(dir, { recursive: true, force: true }));

  const good = clientCertificate(dev.dir, dir, 'good', 'edge1', 2);
  const ok = await attempt(s, [url], { tls: { ca: dev.ca, ...good } }, 1);
  assert.equal(ok.connected, true, ok.errors.map((e) => e.message).join('; '));

  const expired = clientCertificate(dev.dir, dir, 'expired', 'edge1', -1);
  assertRefused(await attempt(s, [url], { tls: { ca: dev.ca, ...expired } }), 'tls_expired', /^TLS: the broker reports the client certificate expired \(sslv3 alert certificate expired\)$/);

  otherCa(dir); // dir/ca.crt, dir/ca.key: an unrelated CA
  const stranger = clientCertificate(dir, dir, 'stranger', 'edge1', 2);
  assertRefused(await attempt(s, [url], { tls: { ca: dev.ca, ...stranger } }), 'tls_rejected', /^TLS: the broker refuses the client certificate \(tlsv1 alert unknown ca\)$/);

  const none = await attempt(s, [url], { tls: { ca: dev.ca } });
  assert.equal(none.connected, false);
  assert.ok(none.errors.every((e) => e.failure === 'tls_rejected' || e.failure === 'closed'), none.errors.map((e) => e.failure).join());
});
