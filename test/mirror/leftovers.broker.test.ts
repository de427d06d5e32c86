/**
 * Leftovers of an earlier run (README: Retained MQTT mirror): once their node has birthed again and
 * the grace is over, retained topics no metric of the node or its devices has are cleared (real
 * Mosquitto, plain MQTT.js observers).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { MAIN } from '../cli/cli-process.js';
import { freePort, startMosquitto } from '../helpers/mosquitto.js';
import { sleep, waitUntil } from '../helpers/wait.js';
import { hostYaml, lifo, RawEdge, tempDir, type Scope } from '../host/broker-helpers.js';
import { Observer, PREFIX, startHostWithMirror } from './helpers.js';

const GRACE_MS = 2000;
const N = `${PREFIX}/Plant1/N`;
const N2 = `${PREFIX}/Plant1/N2`;

/** `sparkstate host` with a mirror as a child process, online; the caller kills it. */
async function startCliHost(s: Scope, url: string): Promise<{ kill: () => Promise<void> }> {
  const port = await freePort();
  const file = join(tempDir(s), 'host.yaml');
  writeFileSync(file, `${hostYaml([url], { httpPort: port })}mirror:\n  prefix: ${PREFIX}\n`);
  const child = spawn(process.execPath, [MAIN, 'host', '--config', file], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  s.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  await waitUntil(async () => (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined))?.status === 200, 10_000, 'CLI host online').catch((err: unknown) =>
    assert.fail(`${String(err)}\nstderr: ${stderr}`),
  );
  return {
    kill: async () => {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/** When each clear of `topic` arrived. */
function clearsOf(o: Observer, topic: string): number[] {
  return o.arrivals.filter((a) => a.topic === topic && a.value === undefined).map((a) => a.at);
}

/** A fresh subscriber's retained state once it holds `size` topics (and nothing more arrived for a moment). */
async function lateRetained(s: Scope, url: string, size: number): Promise<Observer> {
  const late = await Observer.connect(s, url);
  await waitUntil(() => late.last.size >= size, 5000, `${size} retained topics`);
  await sleep(300);
  assert.ok(late.arrivals.every((a) => a.retain));
  return late;
}

test('after a crash, a node that births again loses its leftovers no metric has once the grace is over; a device born within the grace keeps its topics; a node that never returns keeps its own (stale)', async (t) => {
  const s = lifo(t);
  const broker = await startMosquitto();
  s.after(() => broker.dispose());
  const watch = await Observer.connect(s, broker.url);
  const n = await RawEdge.connect(s, broker.url, 'Plant1', 'N');
  const n2 = await RawEdge.connect(s, broker.url, 'Plant1', 'N2');

  // First run: N with a, b; its device D with a, b; its device E with x. N2 with y. Then kill -9.
  const first = await startCliHost(s, broker.url);
  await n.nbirth(1, [
    { name: 'a', alias: 1, type: 'Int64', value: 1 },
    { name: 'b', alias: 2, type: 'String', value: 'b1' },
  ]);
  await n.dbirth('D', [
    { name: 'a', alias: 3, type: 'Int64', value: 2 },
    { name: 'b', alias: 4, type: 'Double', value: 2.5 },
  ]);
  await n.dbirth('E', [{ name: 'x', alias: 5, type: 'Boolean', value: true }]);
  await n2.nbirth(1, [{ name: 'y', alias: 1, type: 'Int64', value: 7 }]);
  const leftovers = [`${N}/bdSeq`, `${N}/Node Control/Rebirth`, `${N}/a`, `${N}/b`, `${N}/D/a`, `${N}/D/b`, `${N}/E/x`, `${N2}/bdSeq`, `${N2}/Node Control/Rebirth`, `${N2}/y`];
  await waitUntil(() => leftovers.every((topic) => watch.last.get(topic)?.quality === 'good'), 10_000, 'first run mirrored');
  await first.kill();
  await waitUntil(() => (watch.status as { online?: boolean } | null)?.online === false, 5000, 'the Will of the killed mirror');
  assert.equal(watch.last.get(`${N}/D/b`)?.quality, 'good');

  // Second run: the scan finds every topic of the first; nothing is born yet, so they are all leftovers.
  const { mirror } = await startHostWithMirror(s, broker.url, { leftoverGraceMs: GRACE_MS });
  await waitUntil(() => mirror.leftoversPending === leftovers.length, 15_000, 'the scan');
  await waitUntil(() => leftovers.every((topic) => watch.last.get(topic)?.quality === 'stale'), 5000, 'leftovers stale');
  assert.equal(mirror.counters.leftovers, leftovers.length);

  // N births again with a only; D follows within the grace with a only; E and N2 never return.
  const born = Date.now();
  await n.nbirth(2, [{ name: 'a', alias: 1, type: 'Int64', value: 10 }]);
  await sleep(GRACE_MS / 4);
  await n.dbirth('D', [{ name: 'a', alias: 3, type: 'Int64', value: 20 }]);
  const gone = [`${N}/b`, `${N}/D/b`, `${N}/E/x`];
  await waitUntil(() => gone.every((topic) => watch.cleared.has(topic)), GRACE_MS + 10_000, 'leftovers cleared');
  for (const topic of gone) {
    const at = clearsOf(watch, topic);
    assert.equal(at.length, 1, topic);
    // Timers do not fire early; the observer's clock is the test's.
    assert.ok((at[0] ?? 0) - born >= GRACE_MS - 20, `${topic} cleared ${(at[0] ?? 0) - born} ms after the birth`);
  }
  await waitUntil(() => mirror.pending === 0, 5000, 'mirror idle');
  assert.equal(mirror.counters.leftoversCleared, gone.length);
  assert.equal(mirror.leftoversPending, 3, "N2's leftovers wait for its birth");
  for (const topic of [`${N}/a`, `${N}/D/a`]) assert.deepEqual(clearsOf(watch, topic), [], topic);

  // A fresh subscriber: N's current metrics good, N2's stale, nothing for the cleared ones.
  const late = await lateRetained(s, broker.url, 7);
  assert.deepEqual(
    [...late.last.keys()].sort(),
    [`${N}/bdSeq`, `${N}/Node Control/Rebirth`, `${N}/a`, `${N}/D/a`, `${N2}/bdSeq`, `${N2}/Node Control/Rebirth`, `${N2}/y`].sort(),
  );
  assert.deepEqual([late.last.get(`${N}/a`)?.value, late.last.get(`${N}/a`)?.quality], ['10', 'good']);
  assert.deepEqual([late.last.get(`${N}/D/a`)?.value, late.last.get(`${N}/D/a`)?.quality], ['20', 'good']);
  assert.deepEqual([late.last.get(`${N2}/y`)?.value, late.last.get(`${N2}/y`)?.quality], ['7', 'stale']);
  for (const topic of gone) assert.equal(late.count(topic), 0, topic);
});

test('a leftover topic that a node metric with a / in its name now maps to is kept (the model decides, not the topic); stale leftovers of a clean stop are cleared too', async (t) => {
  const s = lifo(t);
  const broker = await startMosquitto();
  s.after(() => broker.dispose());
  const watch = await Observer.connect(s, broker.url);
  const edge = await RawEdge.connect(s, broker.url, 'Plant1', 'N');
  const speed = `${N}/Motor/Speed`;
  const old = `${N}/Old`;

  // First run: Motor/Speed is device Motor's metric Speed. A clean stop leaves everything stale.
  const first = await startHostWithMirror(s, broker.url);
  await edge.nbirth(1, [{ name: 'Old', alias: 1, type: 'Int64', value: 1 }]);
  await edge.dbirth('Motor', [{ name: 'Speed', alias: 2, type: 'Double', value: 1.5 }]);
  await waitUntil(() => watch.last.get(speed)?.quality === 'good' && watch.last.get(old)?.quality === 'good', 5000, 'first run mirrored');
  await first.host.stop();
  await first.mirror.stop();
  await waitUntil(() => watch.last.get(speed)?.quality === 'stale', 5000, 'stale after the stop');

  const { mirror } = await startHostWithMirror(s, broker.url, { leftoverGraceMs: GRACE_MS / 2 });
  // bdSeq, Node Control/Rebirth, Old, Motor/Speed; already stale, so none is republished.
  await waitUntil(() => mirror.leftoversPending === 4, 15_000, 'the scan');
  assert.equal(mirror.counters.leftovers, 0);

  // Second run: Motor/Speed is now a node metric, and there is no device Motor.
  const reborn = watch.arrivals.length;
  await edge.nbirth(2, [{ name: 'Motor/Speed', alias: 1, type: 'Double', value: 3.5 }]);
  await waitUntil(() => watch.cleared.has(old), GRACE_MS + 10_000, 'Old cleared');
  await waitUntil(() => mirror.pending === 0, 5000, 'mirror idle');
  assert.equal(mirror.counters.leftoversCleared, 1);
  assert.equal(mirror.leftoversPending, 0);
  assert.deepEqual(
    watch.arrivals.slice(reborn).filter((a) => a.topic === speed).map((a) => a.value),
    [3.5],
  );
  const late = await lateRetained(s, broker.url, 3);
  assert.deepEqual([late.last.get(speed)?.value, late.last.get(speed)?.quality], [3.5, 'good']);
  assert.equal(late.count(old), 0);
});

test('a node that dies within the grace keeps its leftovers until it births again and the grace passes', async (t) => {
  const s = lifo(t);
  const broker = await startMosquitto();
  s.after(() => broker.dispose());
  const watch = await Observer.connect(s, broker.url);
  const old = `${N}/Old`;
  await watch.client.publishAsync(old, '{"value":"3","timestamp":5,"datatype":"Int64","quality":"good"}', { qos: 1, retain: true });
  const { host, mirror } = await startHostWithMirror(s, broker.url, { leftoverGraceMs: GRACE_MS / 2 });
  await waitUntil(() => mirror.leftoversPending === 1, 15_000, 'the scan');

  const edge = await RawEdge.connect(s, broker.url, 'Plant1', 'N');
  await edge.nbirth(1, [{ name: 'A', alias: 1, type: 'Int64', value: 1 }]);
  await edge.ndeath(1);
  await waitUntil(() => host.snapshot().groups['Plant1']?.nodes['N']?.online === false, 5000, 'NDEATH seen by the host');
  await sleep(GRACE_MS);
  assert.equal(watch.last.get(old)?.quality, 'stale');
  assert.equal(mirror.leftoversPending, 1);

  const born = Date.now();
  await edge.nbirth(2, [{ name: 'A', alias: 1, type: 'Int64', value: 2 }]);
  await waitUntil(() => watch.cleared.has(old), GRACE_MS + 10_000, 'Old cleared after the rebirth');
  assert.ok((clearsOf(watch, old)[0] ?? 0) - born >= GRACE_MS / 2 - 20);
  assert.equal(mirror.counters.leftoversCleared, 1);
  assert.equal(mirror.leftoversPending, 0);
});
