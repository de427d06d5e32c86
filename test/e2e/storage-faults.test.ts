/**
 * Scenario 9 of the e2e suite: the edge's storage fails under it. The built CLI (`sparkstate edge`)
 * runs as a child process with store-and-forward on and counters that step by 1 on every scan, so
 * every sample on the wire is checkable; a real Mosquitto is killed and restarted; an independent
 * MQTT observer records what reached the broker. The disk is a real tmpfs mounted by the test
 * (ENOSPC and EROFS from the kernel), skipped with a reason where mounting is not permitted.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import Database from 'better-sqlite3';
import { decodePayload } from '../../src/payload/index.js';
import { MAIN, spawnGroup, type GroupProcess } from '../cli/cli-process.js';
import { startMosquitto, type Broker } from '../helpers/mosquitto.js';
import { startObserver, type ObservedMessage, type Observer } from '../helpers/observer.js';
import { startTcpProxy } from '../helpers/proxy.js';
import { waitUntil } from '../helpers/wait.js';
import { lifo, tempDir, type Scope } from '../host/broker-helpers.js';
import { checkSamples, countingEdgeYaml, isLiveData, logLines, mountTmpfs, samplesOf, scrape, type EdgeYamlOptions } from './storage-helpers.js';

const G = 'Disk';
const DEVICE = 'D1';
const STORED = 'sparkstate_edge_metrics_stored_total';
const REPLAYED = 'sparkstate_edge_metrics_replayed_total';
const DISCARDED = 'sparkstate_edge_metrics_discarded_total';

interface RunningEdge {
  readonly proc: GroupProcess;
  /** Base URL of its health/metrics HTTP server. */
  readonly http: string;
  readonly errors: () => { level: number; msg: string; [key: string]: unknown }[];
}

async function startEdge(s: Scope, dir: string, o: EdgeYamlOptions): Promise<RunningEdge> {
  const file = join(dir, `${o.node}.yaml`);
  writeFileSync(file, countingEdgeYaml(o));
  const proc = spawnGroup(s, process.execPath, [MAIN, 'edge', '--config', file]);
  let http = '';
  await waitUntil(
    () => {
      http = String(logLines(proc.stderr()).find((l) => l.msg === 'health and metrics HTTP listening')?.['url'] ?? '');
      return http !== '' || proc.child.exitCode !== null;
    },
    15_000,
    'the edge HTTP server',
  );
  assert.ok(http !== '', `the edge did not start:\n${proc.stderr()}`);
  return { proc, http, errors: () => logLines(proc.stderr()).filter((l) => l.level >= 50) };
}

async function stopEdge(edge: RunningEdge): Promise<void> {
  edge.proc.signalGroup('SIGTERM');
  assert.deepEqual(await edge.proc.exited, { code: 0, signal: null }, edge.proc.stderr());
}

const bdSeqOf = (m: ObservedMessage): number => Number(decodePayload(m.payload).metrics?.find((x) => x.name === 'bdSeq')?.value);

async function brokerWithObserver(s: Scope): Promise<{ broker: Broker; observer: Observer }> {
  const broker = await startMosquitto();
  s.after(() => broker.dispose());
  const observer = await startObserver(broker.url);
  s.after(() => observer.close());
  return { broker, observer };
}

function skipWithoutMount(t: TestContext): void {
  t.skip('mount -t tmpfs is not permitted here (needs root or CAP_SYS_ADMIN)');
}

test('e2e storage: disk full under storeDir — ONE error line, the samples it could not store counted on /metrics, no crash; the broker back while the disk is still full: live data and the replay of what the file holds; the disk freed: everything stored replayed in order, none twice', async (t) => {
  const s = lifo(t);
  const base = tempDir(s, 'sparkstate-e2e-diskfull-');
  const mount = await mountTmpfs(base, 16 * 1024 * 1024);
  if (mount === undefined) return skipWithoutMount(t);
  s.after(() => mount.unmount());
  const { broker, observer } = await brokerWithObserver(s);
  // The door lets the observer re-attach after the broker restart before the edge is let back in.
  const proxy = await startTcpProxy(broker.port);
  s.after(() => proxy.close());
  const node = 'Full';
  const edge = await startEdge(s, base, { server: proxy.url, storeDir: join(mount.dir, 'store'), group: G, node, maxPendingOnFailure: 1000 });
  await observer.waitFor((m) => isLiveData(m, G, node, DEVICE), 15_000);

  proxy.open = false;
  await broker.kill();
  await waitUntil(async () => (await scrape(edge.http, STORED)) >= 1500, 30_000, 'the edge to queue 1500 samples');
  mount.fill();
  await waitUntil(async () => (await scrape(edge.http, DISCARDED)) >= 1000, 30_000, 'samples refused for want of disk');
  const failures = edge.errors().filter((l) => /cannot be written \(disk full\?\)/.test(l.msg));
  assert.equal(failures.length, 1, `one error line for the whole failure:\n${edge.proc.stderr()}`);
  assert.equal(failures[0]?.['file'], join(mount.dir, 'store', 'forward.sqlite'));
  assert.equal(edge.proc.child.exitCode, null, 'the edge is still running');

  await broker.restart();
  const after = await startObserver(broker.url);
  s.after(() => after.close());
  const back = Date.now();
  proxy.open = true;
  await after.waitFor((m) => isLiveData(m, G, node, DEVICE), 15_000);
  const liveAgainMs = Date.now() - back;
  // Still full: what the file held before the disk filled (>= 1500 less one unflushed interval) is replayed all the same.
  const historicalOnWire = (): number => checkSamples(samplesOf(after.messages, G, node, DEVICE)).historicalCount;
  await waitUntil(() => historicalOnWire() >= 1400, 30_000, 'the file backlog replayed while the disk is full');
  const fileReplayedMs = Date.now() - back;
  assert.equal(edge.proc.child.exitCode, null, 'the edge is still running');

  await mount.free();
  const freed = Date.now();
  await waitUntil(async () => (await scrape(edge.http, REPLAYED)) >= (await scrape(edge.http, STORED)), 30_000, 'the backlog to be replayed');
  const restReplayedMs = Date.now() - freed;
  const discarded = await scrape(edge.http, DISCARDED);
  const stored = await scrape(edge.http, STORED);
  await stopEdge(edge);

  const check = checkSamples(samplesOf([...observer.messages, ...after.messages], G, node, DEVICE));
  // QoS 0 data in flight when the broker was killed is lost on the wire, not in storage: such a gap
  // starts right after the last live value the first observer saw. Every other gap must be reported.
  const beforeKill = samplesOf(observer.messages, G, node, DEVICE).live;
  const atKill = check.gaps.filter(([, first, name]) => first === Math.max(...(beforeKill.get(name) ?? [])) + 1);
  const inFlight = atKill.reduce((sum, [n]) => sum + n, 0);
  t.diagnostic(`disk full: live again ${liveAgainMs} ms after the broker (disk still full), the file's backlog replayed within ${fileReplayedMs} ms, the rest within ${restReplayedMs} ms of freeing the disk; stored ${stored}, replayed ${check.historicalCount}, refused (reported) ${discarded}, missing on the wire ${check.missing} (of which in flight at the broker kill ${inFlight}), duplicates ${check.duplicates}`);
  assert.ok(logLines(edge.proc.stderr()).some((l) => /writable again; \d+ record\(s\) could not be stored/.test(l.msg)), 'the recovery says what it cost');
  assert.equal(check.duplicates, 0, 'no sample twice');
  assert.equal(check.historicalOutOfOrder, 0, 'history replayed oldest first');
  assert.equal(check.historicalCount, stored, 'every stored sample replayed');
  assert.equal(check.missing - inFlight, discarded, `every sample missing from the wire (but those in flight at the kill) is one the edge reported; gaps ${JSON.stringify(check.gaps)}`);
});

for (const damage of ['truncated', 'garbage'] as const) {
  test(`e2e storage: ${damage} forward.sqlite — ONE error line naming the file and where it was moved, a new queue${damage === 'truncated' ? ' with the readable records replayed' : ''}, the node births and publishes live data`, async (t) => {
    const s = lifo(t);
    const dir = tempDir(s, 'sparkstate-e2e-fwd-');
    const { broker, observer } = await brokerWithObserver(s);
    const proxy = await startTcpProxy(broker.port);
    s.after(() => proxy.close());
    proxy.open = false; // first run: no broker reachable, so everything is queued
    const node = `Fwd${damage}`;
    const storeDir = join(dir, 'store');
    const o = { server: proxy.url, storeDir, group: G, node };
    const first = await startEdge(s, dir, o);
    await waitUntil(async () => (await scrape(first.http, STORED)) >= 1000, 30_000, 'the edge to queue 1000 samples');
    await stopEdge(first);
    const file = join(storeDir, 'forward.sqlite');
    const queued = countRows(file);
    if (damage === 'truncated') truncateSync(file, Math.floor(statSync(file).size / 2));
    else writeFileSync(file, Buffer.alloc(statSync(file).size, 0x5a));

    proxy.open = true;
    const started = Date.now();
    const edge = await startEdge(s, dir, o);
    await observer.waitFor((m) => isLiveData(m, G, node, DEVICE), 15_000);
    const liveMs = Date.now() - started;
    const damaged = edge.errors().filter((l) => /forward\.sqlite|queue file is damaged/.test(l.msg));
    assert.equal(damaged.length, 1, edge.proc.stderr());
    const line = damaged[0];
    assert.ok(line !== undefined);
    assert.equal(line['file'], file);
    const movedTo = String(line['movedTo']);
    assert.match(movedTo, /forward\.sqlite\.corrupt-\d{4}-\d\d-\d\dT[\d-]+Z$/);
    assert.ok(existsSync(movedTo), 'the damaged file is kept for a person to look at');
    const salvaged = Number(line['salvaged']);
    await waitUntil(async () => (await scrape(edge.http, REPLAYED)) >= salvaged, 30_000, 'the salvaged records to be replayed');
    await stopEdge(edge);

    // The counters restart with the process: the second run's live values repeat the first run's, so only history is checked.
    const { historical } = samplesOf(observer.messages, G, node, DEVICE);
    const check = checkSamples({ live: new Map([...historical.keys()].map((k) => [k, []])), historical, births: new Map() });
    t.diagnostic(`${damage} forward.sqlite: live ${liveMs} ms after start; queued ${queued}, salvaged ${salvaged}, replayed ${check.historicalCount}, lost ${queued - salvaged} (reported by the log line), duplicates ${check.duplicates}`);
    assert.equal(check.historicalCount, salvaged, 'every salvaged record replayed, and nothing else');
    assert.equal(check.duplicates, 0);
    assert.equal(check.historicalOutOfOrder, 0);
    if (damage === 'truncated') assert.ok(salvaged > 0, 'a truncated file still gives back its readable part');
    else assert.equal(salvaged, 0);
  });
}

function countRows(file: string): number {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare<[], number>('SELECT COUNT(*) FROM records').pluck().get() ?? 0;
  } finally {
    db.close();
  }
}

test('e2e storage: truncated or garbage bdseq.json — ONE warning naming the file, and the next NBIRTH bdSeq is the next one, never one this node used [tck-id-topics-nbirth-bdseq-increment]', async (t) => {
  const s = lifo(t);
  const dir = tempDir(s, 'sparkstate-e2e-bdseq-');
  const { broker, observer } = await brokerWithObserver(s);
  const node = 'Seq';
  const storeDir = join(dir, 'store');
  const bdseqFile = join(storeDir, 'bdseq.json');
  const run = async (): Promise<{ bdSeq: number; stderr: string }> => {
    const seen = observer.messages.length;
    const edge = await startEdge(s, dir, { server: broker.url, storeDir, group: G, node, counters: 1, scanIntervalMs: 200 });
    const nbirth = await observer.waitFor((m) => m.topic === `spBv1.0/${G}/NBIRTH/${node}` && observer.messages.indexOf(m) >= seen, 15_000);
    await stopEdge(edge);
    return { bdSeq: bdSeqOf(nbirth), stderr: edge.proc.stderr() };
  };
  const used = [(await run()).bdSeq, (await run()).bdSeq];
  for (const damage of ['truncated', 'garbage'] as const) {
    const text = readFileSync(bdseqFile, 'utf8');
    writeFileSync(bdseqFile, damage === 'truncated' ? text.slice(0, Math.floor(text.length / 2)) : '\u0000\u00ff#garbage');
    const { bdSeq, stderr } = await run();
    const warnings = logLines(stderr).filter((l) => /bdSeq file/.test(l.msg));
    assert.equal(warnings.length, 1, stderr);
    assert.equal(warnings[0]?.['path'], bdseqFile);
    assert.match(warnings[0]?.msg ?? '', /corrupt; continuing from its backup/);
    assert.ok(!used.includes(bdSeq), `${damage}: bdSeq ${bdSeq} was already used (${used.join(', ')})`);
    assert.equal(bdSeq, ((used.at(-1) ?? 0) + 1) % 256, 'the next one: +1');
    used.push(bdSeq);
  }
  t.diagnostic(`NBIRTH bdSeq over the runs: ${used.join(', ')}`);

  // Both records damaged: no way to know; said in ONE error line, and the sequence restarts at 0.
  writeFileSync(bdseqFile, '{"bdS');
  writeFileSync(join(storeDir, 'bdseq.backup.json'), '');
  const { bdSeq, stderr } = await run();
  const errors = logLines(stderr).filter((l) => l.level >= 50);
  assert.equal(errors.length, 1, stderr);
  assert.match(errors[0]?.msg ?? '', /both unusable; starting again at bdSeq 0: hosts may see a bdSeq this edge node already used/);
  assert.equal(bdSeq, 0);
});

test('e2e storage: a missing storeDir is created; a read-only one stops the start with ONE clear error naming the directory', async (t) => {
  const s = lifo(t);
  const dir = tempDir(s, 'sparkstate-e2e-ro-');
  const { broker, observer } = await brokerWithObserver(s);
  const missing = join(dir, 'not', 'yet', 'there');
  const edge = await startEdge(s, dir, { server: broker.url, storeDir: missing, group: G, node: 'Missing', counters: 1, scanIntervalMs: 200 });
  await observer.waitFor((m) => m.topic === `spBv1.0/${G}/NBIRTH/Missing`, 15_000);
  await stopEdge(edge);
  assert.deepEqual(readdirSync(missing).filter((n) => n.startsWith('bdseq')).sort(), ['bdseq.backup.json', 'bdseq.json']);

  for (const prior of ['empty', 'used before'] as const) {
    const mountDir = join(dir, `ro-${prior === 'empty' ? 'empty' : 'used'}`);
    mkdirSync(mountDir);
    const mount = await mountTmpfs(mountDir, 4 * 1024 * 1024);
    if (mount === undefined) return skipWithoutMount(t);
    s.after(() => mount.unmount());
    const o = { server: broker.url, storeDir: mountDir, group: G, node: 'ReadOnly', counters: 1 };
    if (prior === 'used before') {
      const before = await startEdge(s, dir, o);
      await waitUntil(() => /NBIRTH/.test(observer.messages.map((m) => m.topic).join()), 15_000, 'a birth');
      await stopEdge(before);
    }
    await mount.readOnly();
    const file = join(dir, 'ro.yaml');
    writeFileSync(file, countingEdgeYaml(o));
    const proc = spawnGroup(s, process.execPath, [MAIN, 'edge', '--config', file]);
    const exit = await proc.exited;
    const last = proc.stderr().trim().split('\n').at(-1) ?? '';
    t.diagnostic(`read-only storeDir (${prior}): exit ${exit.code}; ${last}`);
    assert.equal(exit.code, 1);
    assert.match(last, /^sparkstate: SPB_ERR_STORE: /);
    assert.ok(last.includes(mountDir), last);
    assert.match(last, /read-only/i);
  }
});
