/** Failed attempts over real sockets get a stable cause; ConnectionHealth follows a session through refusal, connect and loss. */
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { test } from 'node:test';
import { CONNECT_FAILURE_CAUSES, ConnectError, ConnectionHealth, type ConnectFailureCause } from '../../src/transport/index.js';
import { freePort, startMosquitto } from '../helpers/mosquitto.js';
import { waitUntil } from '../helpers/wait.js';
import { newSession } from './fixtures.js';

async function firstFailure(servers: string[], connectTimeoutMs = 2_000): Promise<ConnectError> {
  const { session } = newSession(servers, { connectTimeoutMs });
  try {
    const failed = new Promise<ConnectError>((resolve) => session.on('error', resolve));
    await session.start();
    return await failed;
  } finally {
    await session.stop();
  }
}

test('causes: nothing listening → refused; unknown host → dns; a server that never answers CONNECT → timeout', { timeout: 30_000 }, async (t) => {
  const refused = await firstFailure([`mqtt://127.0.0.1:${await freePort()}`]);
  assert.equal(refused.failure, 'refused');
  assert.match(refused.reason, /^connection refused .*ECONNREFUSED/);

  // .invalid never resolves (RFC 2606).
  const dns = await firstFailure(['mqtt://no-such-broker.invalid:1883']);
  assert.equal(dns.failure, 'dns');
  assert.match(dns.reason, /^DNS: /);

  const sockets = new Set<Socket>();
  const silent = createServer((s) => sockets.add(s)); // accepts TCP, never sends CONNACK
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    for (const s of sockets) s.destroy();
    silent.close();
  });
  const address = silent.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const timeout = await firstFailure([`mqtt://127.0.0.1:${port}`], 300);
  assert.equal(timeout.failure, 'timeout');
  assert.equal(timeout.reason, 'timed out: connack timeout');
});

test('ConnectionHealth: failures counted by cause with the latest reason; cleared by a connect; a lost connection says so', { timeout: 30_000 }, async (t) => {
  const port = await freePort();
  const { session } = newSession([`mqtt://127.0.0.1:${port}`]);
  const health = new ConnectionHealth(session);
  t.after(() => session.stop());
  const counted = (cause: ConnectFailureCause): number => health.failures().get(cause) ?? 0;
  assert.deepEqual([...health.failures().keys()], [...CONNECT_FAILURE_CAUSES], 'every cause listed from the start');

  await session.start();
  await waitUntil(() => counted('refused') >= 2, 10_000, 'two refused attempts');
  assert.equal(health.connected, false);
  assert.equal(health.lastFailure, 'refused');
  assert.match(health.reason ?? '', /^connection refused/);

  const broker = await startMosquitto({ port });
  t.after(() => broker.dispose());
  await waitUntil(() => health.connected, 10_000, 'connected once the broker is up');
  assert.equal(health.reason, undefined);
  assert.equal(health.lastFailure, undefined);
  const refusedSoFar = counted('refused');

  await broker.kill();
  await waitUntil(() => !health.connected, 10_000, 'the loss noticed');
  assert.match(health.reason ?? '', /^connection lost|^connection refused/);
  await waitUntil(() => counted('refused') > refusedSoFar, 10_000, 'refused again while the broker is down');
  health.close();
  const frozen = counted('refused');
  await waitUntil(() => session.sessionState === 'waiting', 10_000, 'another back-off');
  await new Promise((r) => setTimeout(r, 600));
  assert.equal(counted('refused'), frozen, 'close() stops listening');
});
