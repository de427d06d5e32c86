/**
 * A supervisor's view of a refused connection, with the real CLI processes against the
 * dev-setup.sh broker: /healthz says why (503 with the reason), /metrics counts the failed attempts
 * by cause, the log has one line per attempt, retries back off, and no password is printed.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { lifo } from '../host/broker-helpers.js';
import { waitUntil } from '../helpers/wait.js';
import { getText, logLines, runEdge, runHost, sample, waitHealth, type CliProcess } from './cli-setup.js';
import { otherCa, startDevBroker } from './dev-broker.js';

async function failures(p: CliProcess, prefix: string, cause: string): Promise<number> {
  return sample(await getText(p, '/metrics'), `${prefix}_mqtt_connect_failures_total`, { cause }) ?? 0;
}

test('CLI host with a wrong password and CLI edge trusting another CA: /healthz 503 with the reason, failures by cause in /metrics, one log line per attempt with back-off, no password printed', { timeout: 180_000 }, async (t) => {
  const s = lifo(t);
  const dev = await startDevBroker(s);
  const dir = mkdtempSync(join(tmpdir(), 'sparkstate-otherca-'));
  s.after(() => rmSync(dir, { recursive: true, force: true }));
  const wrongCa = join(dir, 'other-ca.crt');
  writeFileSync(wrongCa, otherCa(dir));

  const host = await runHost(s, { url: dev.url, username: 'scada', ca: join(dev.dir, 'ca.crt'), protocolVersion: 5 }, dev.passwords.viewer);
  const edge = await runEdge(s, { url: dev.url, username: 'edge1', ca: wrongCa, protocolVersion: 4 }, 'edge1', dev.passwords.edge1);

  const hostHealth = await waitHealth(host, 503);
  assert.equal(hostHealth['status'], 'unavailable');
  await waitUntil(async () => (await failures(host, 'sparkstate_host', 'not_authorized')) >= 3, 60_000, 'three refused host attempts');
  assert.deepEqual((await waitHealth(host, 503)).reason, 'broker refuses: not authorized');
  assert.equal(await failures(host, 'sparkstate_host', 'tls_untrusted'), 0);

  await waitUntil(async () => (await failures(edge, 'sparkstate_edge', 'tls_untrusted')) >= 3, 60_000, 'three untrusted edge attempts');
  const edgeHealth = await waitHealth(edge, 503);
  assert.equal(edgeHealth['state'], 'connecting');
  assert.match(String(edgeHealth['reason']), /^TLS: .*certificate/);

  for (const [p, cause] of [[host, 'not_authorized'], [edge, 'tls_untrusted']] as const) {
    const lines = logLines(p).filter((l) => l.msg === 'connection attempt failed');
    assert.ok(lines.length >= 3, p.output());
    for (const l of lines) assert.equal(l['failure'], cause);
    // Back-off, not a tight loop: with initialMs 200, full jitter and doubling, the mean gap is ~100 ms and more.
    const times = lines.map((l) => Number(l['time']));
    const meanGap = ((times.at(-1) ?? 0) - (times[0] ?? 0)) / (lines.length - 1);
    assert.ok(meanGap >= 20, `attempts ${meanGap} ms apart on average`);
  }
  for (const pw of Object.values(dev.passwords)) {
    assert.ok(!host.output().includes(pw) && !edge.output().includes(pw), 'a password in a CLI log');
  }
});
