/**
 * E2E: an edge process dies by kill -9 and a supervisor starts it again with the same config and
 * store directory. The broker delivers its Will (the NDEATH with the bdSeq of the birth it ends),
 * the host marks the node offline, the new process births with the next bdSeq, and what the old
 * process had queued on disk arrives as historical data. Only samples not yet flushed to disk
 * (flushIntervalMs 100 in the harness) may be lost; the test measures how many.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sleep, waitUntil } from '../helpers/wait.js';
import type { CounterReport } from './ledger.js';
import { startPlant, report, summarize, type Plant, type PlantAccount } from './plant.js';
import { deviceIds } from './processes.js';
import { birthCounts, hostSeesOffline, lastSampledAt, listening, rebornAndWhole, wireSeesDeath } from './watch.js';

const NEW_RUN = 100_000;
const SCAN_MS = 100;

/** Loss and duplicate accounting over one node's counters, for values in [from, upTo]. */
function nodeAccount(plant: Plant, node: string, from: number, upTo: number): PlantAccount {
  const edge = plant.edges.find((e) => e.spec.node === node);
  assert.ok(edge !== undefined);
  const details: Record<string, CounterReport> = {};
  for (const [device, name] of [['', 'Uptime'], ...deviceIds(edge.spec).map((d) => [d, 'Count'])] as [string, string][]) {
    details[`${node}/${device}/${name}`] = plant.ledger.counter(node, device, name, from, upTo);
  }
  return summarize(details);
}

/** Two accounts of the same counters over different runs: their keys are told apart by run. */
const plus = (a: PlantAccount, b: PlantAccount): PlantAccount =>
  summarize({
    ...Object.fromEntries(Object.entries(a.details).map(([k, v]) => [`first run ${k}`, v])),
    ...Object.fromEntries(Object.entries(b.details).map(([k, v]) => [`second run ${k}`, v])),
  });

/**
 * Values of one counter missing in [from, upTo], split at its first historical sample: those before
 * it were in flight (QoS 0) when the link failed, those after it are losses of the store.
 */
function gaps(plant: Plant, node: string, device: string, name: string, from: number, upTo: number): { inFlight: number; stored: number } {
  const samples = plant.ledger.samplesOf(node, device, name).filter((x) => Number(x.value) >= from && Number(x.value) <= upTo);
  const seen = new Set(samples.map((x) => Number(x.value)));
  const firstStored = Math.min(...samples.filter((x) => x.historical).map((x) => Number(x.value)));
  const out = { inFlight: 0, stored: 0 };
  for (let v = Math.min(...seen); v <= Math.max(...seen); v++) if (!seen.has(v)) out[v < firstStored ? 'inFlight' : 'stored']++;
  return out;
}

function assertClean(a: PlantAccount, what: string): void {
  assert.equal(a.duplicates, 0, `${what}: ${JSON.stringify(a.details)}`);
  assert.equal(a.lost, 0, `${what}: ${JSON.stringify(a.details)}`);
  assert.equal(a.outOfOrder, 0, `${what}: ${JSON.stringify(a.details)}`);
}

test('e2e: edge kill -9 while live and restart — the broker sends its Will with the old bdSeq, the next NBIRTH has bdSeq + 1, the host is whole [tck-id-payloads-ndeath-bdseq]', async (t) => {
  const plant = await startPlant(t, { nodes: 2 });
  const [e1] = plant.edges;
  assert.ok(e1 !== undefined);
  await sleep(1000);
  const requestsBefore = plant.ledger.rebirthRequests();
  const bdSeq = plant.ledger.node('E1').bdSeqs.at(-1);
  assert.ok(bdSeq !== undefined);

  const killedAt = Date.now();
  await e1.kill9();
  const willMs = await wireSeesDeath(plant, 'E1', killedAt);
  const offlineMs = await hostSeesOffline(plant, 'E1', killedAt);

  e1.reconfigure({ counterStart: NEW_RUN });
  const births = birthCounts(plant, ['E1']);
  const restartedAt = Date.now();
  e1.start();
  const recoveryMs = await rebornAndWhole(plant, births, restartedAt);
  assert.equal(plant.ledger.node('E1').bdSeqs.at(-1), (bdSeq + 1) % 256, 'the new process births with the next bdSeq');
  await sleep(1000);

  const oldRun = nodeAccount(plant, 'E1', 0, NEW_RUN - 1);
  const newRun = nodeAccount(plant, 'E1', NEW_RUN, Number.POSITIVE_INFINITY);
  const other = nodeAccount(plant, 'E2', 0, Number.POSITIVE_INFINITY);
  report('edge kill -9 while live', {
    recoveryMs,
    account: plus(plus(oldRun, newRun), other),
    rebirthRequests: plant.ledger.rebirthRequests() - requestsBefore,
    extra: `Will on the wire ${willMs} ms after the kill, host offline after ${offlineMs} ms`,
  });
  assertClean(oldRun, 'old run');
  assertClean(newRun, 'new run');
  assertClean(other, 'the other node');
  assert.ok(recoveryMs < 10_000, `whole again ${recoveryMs} ms after the restart`);
});

test('e2e: edge kill -9 while storing (its link down) and restart — the queue survives on disk and arrives as historical, loss only what was not flushed', async (t) => {
  const plant = await startPlant(t, { nodes: 2 });
  const [e1] = plant.edges;
  const link = plant.links.get('E1');
  assert.ok(e1 !== undefined && link !== undefined);
  await sleep(1000);
  const requestsBefore = plant.ledger.rebirthRequests();
  const bdSeq = plant.ledger.node('E1').bdSeqs.at(-1);
  assert.ok(bdSeq !== undefined);

  // The link fails: the broker sends the Will, the edge stores what it samples.
  link.open = false;
  const cutAt = Date.now();
  link.dropAll();
  const willMs = await wireSeesDeath(plant, 'E1', cutAt);
  const offlineMs = await hostSeesOffline(plant, 'E1', cutAt);
  await sleep(1500);
  const killedAt = Date.now();
  await e1.kill9();

  // A supervisor starts it again at once; it stores too until the link is back.
  e1.reconfigure({ counterStart: NEW_RUN });
  const births = birthCounts(plant, ['E1']);
  e1.start();
  await listening(e1);
  await sleep(1000);
  link.open = true;
  const back = Date.now();
  const recoveryMs = await rebornAndWhole(plant, births, back);
  assert.equal(plant.ledger.node('E1').bdSeqs.at(-1), (bdSeq + 1) % 256, 'the NBIRTH after the restart carries the next bdSeq');

  // The old process's queue is replayed after the birth: wait until its newest stored sample is in.
  const lastBeforeCut = (): number => lastSampledAt(plant, 'E1', 'D1', 'Count', 0, NEW_RUN - 1);
  await waitUntil(() => killedAt - lastBeforeCut() < 2000, 15_000, 'the old queue to be replayed', 50);
  await sleep(1000);
  const oldRun = nodeAccount(plant, 'E1', 0, NEW_RUN - 1);
  const newRun = nodeAccount(plant, 'E1', NEW_RUN, Number.POSITIVE_INFINITY);
  const other = nodeAccount(plant, 'E2', 0, Number.POSITIVE_INFINITY);
  // Samples taken after the last one on disk died with the process: one per scan per counter.
  const oldGaps = [['', 'Uptime'], ...deviceIds(e1.spec).map((d) => [d, 'Count'])]
    .map(([device, name]) => gaps(plant, 'E1', device as string, name as string, 0, NEW_RUN - 1))
    .reduce((a, b) => ({ inFlight: a.inFlight + b.inFlight, stored: a.stored + b.stored }));
  const unflushedMs = killedAt - lastBeforeCut();
  const unflushed = Math.floor(unflushedMs / SCAN_MS) * oldRun.counters;
  report('edge kill -9 while storing', {
    recoveryMs,
    account: plus(plus(oldRun, newRun), other),
    rebirthRequests: plant.ledger.rebirthRequests() - requestsBefore,
    extra: `Will ${willMs} ms after the link failed, host offline after ${offlineMs} ms; lost in flight when the link failed ${oldGaps.inFlight}, from the store ${oldGaps.stored}; not on disk at the kill: newest stored sample ${unflushedMs} ms old, ≈ ${unflushed} samples`,
  });
  assert.equal(oldRun.duplicates + oldRun.outOfOrder, 0, JSON.stringify(oldRun.details));
  assert.equal(oldGaps.stored, 0, `samples lost from the queue that survived the kill: ${JSON.stringify(oldRun.details)}`);
  // The link failing loses what was on its way (QoS 0; the resend window's business): a few scans at most.
  assert.ok(oldGaps.inFlight <= oldRun.counters * 5, `in flight at the link failure: ${oldGaps.inFlight}`);
  assertClean(newRun, 'new run');
  assertClean(other, 'the other node');
  assert.ok(oldRun.historical > 0, 'the old process queue arrives as historical');
  assert.ok(newRun.historical > 0, 'what the new process stored before the link came back arrives as historical');
  // flushIntervalMs 100 plus a scan and slack for a loaded machine.
  assert.ok(unflushedMs < 1000, `the newest sample on disk was ${unflushedMs} ms old at the kill`);
  assert.ok(recoveryMs < 10_000, `whole again ${recoveryMs} ms after the link came back`);
});
