/**
 * E2E: 50 edge nodes (50 `sparkstate edge` processes, one device each, a scan a second) reconnect
 * at once. The host asks nodes it has not seen born to rebirth, never faster than
 * `rebirth.maxPerSecond` (5 here, so that the limit shows), and its model ends whole.
 *
 * Two cases: the broker restarts (kill -9, no persistence) under edges whose primary host is ours
 * (they wait for its STATE and birth on their own: no request is needed), and the host restarts
 * (kill -9) under edges without a primary host (they keep publishing, so the new host process
 * meets every node it never saw born and must ask each). Fifty Node.js processes take about 5 GB
 * and a core's worth of CPU, which makes timing-sensitive tests running beside them fail on a
 * two-core machine, so `npm test` runs the same scenarios with 12 processes and the full fifty run
 * when asked: `E2E_STORM=1 node --test build/test/e2e/reconnect-storm.test.js`, alone (about 45 s each).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { test, type TestContext } from 'node:test';
import { sleep } from '../helpers/wait.js';
import { startPlant, report, type Plant } from './plant.js';
import { birthCounts, rebornAndWhole } from './watch.js';

const NODES = process.env.E2E_STORM === '1' ? 50 : 12;
const MAX_PER_SECOND = 5;
const BURST = 1;

/** Resident memory of a process in MB (VmRSS), 0 when it is gone. */
function rssMb(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m === null ? 0 : Number(m[1]) / 1024;
  } catch {
    return 0;
  }
}

/** The most requests in any window of `windowMs` (each request opens a window). */
function peakInWindow(times: readonly number[], windowMs: number): number {
  let peak = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while ((times[i] as number) - (times[j] as number) >= windowMs) j++;
    peak = Math.max(peak, i - j + 1);
  }
  return peak;
}


interface StormCase {
  readonly name: string;
  readonly primaryHost: boolean;
  /** Breaks the plant; resolves with the moment it was repaired. */
  readonly fault: (plant: Plant) => Promise<number>;
  /** Whether the case must produce requests (so that the limit is exercised). */
  readonly expectRequests: boolean;
}

async function storm(t: TestContext, c: StormCase): Promise<void> {
  const startedAt = Date.now();
  const plant = await startPlant(t, {
    nodes: NODES,
    devices: 1,
    edge: { scanIntervalMs: 1000, ...(c.primaryHost ? {} : { primaryHostId: null }) },
    host: { extraYaml: `rebirth:\n  maxPerSecond: ${MAX_PER_SECOND}\n` },
    startTimeoutMs: 120_000,
  });
  const startMs = Date.now() - startedAt;
  const edgeRss = plant.edges.reduce((n, e) => n + rssMb(e.pid), 0);
  const hostRss = rssMb(plant.host.pid);
  await sleep(2000);
  const load = loadavg()[0] ?? 0;
  const requestsBefore = plant.ledger.rebirthRequestTimes().length;
  const births = birthCounts(plant);

  const back = await c.fault(plant);
  const recoveryMs = await rebornAndWhole(plant, births, back, 120_000);
  await sleep(3000); // late requests and the replay of what was stored meanwhile
  const times = plant.ledger.rebirthRequestTimes().slice(requestsBefore);
  const peak = peakInWindow(times, 1000);
  const spanMs = times.length > 1 ? (times.at(-1) as number) - (times[0] as number) : 0;
  const account = plant.account();
  report(`${NODES} nodes: ${c.name}`, {
    recoveryMs,
    account,
    rebirthRequests: times.length,
    extra: `peak ${peak} requests in 1 s (limit ${MAX_PER_SECOND}/s, burst ${BURST}) over ${spanMs} ms; start ${startMs} ms, edges ${Math.round(edgeRss)} MB RSS in all (${Math.round(edgeRss / NODES)} MB each), host ${Math.round(hostRss)} MB, load ${load.toFixed(1)}`,
  });
  // A token bucket of rate r and capacity b lets at most b + r through in any second.
  assert.ok(peak <= MAX_PER_SECOND + BURST, `peak ${peak} rebirth requests in one second: ${times.map((x) => x - (times[0] ?? 0)).join(', ')}`);
  if (c.expectRequests) assert.ok(times.length >= NODES / 2, `${times.length} rebirth requests: the limit was not exercised`);
  assert.equal(account.duplicates, 0, JSON.stringify(account.details));
  assert.equal(account.outOfOrder, 0, JSON.stringify(account.details));
  // QoS 0 data written to a broker as it died is lost; one scan's worth per counter at most.
  assert.ok(account.lost <= account.counters, `lost ${account.lost}`);
}

test(`e2e: ${NODES} edge nodes reconnect at once after a broker restart — they birth on the primary host's STATE, requests stay within rebirth.maxPerSecond, the model is whole`, { timeout: 300_000 }, (t) =>
  storm(t, { name: 'broker kill -9 and restart', primaryHost: true, expectRequests: false, fault: (plant) => plant.crashBroker(1500) }),
);

test(`e2e: ${NODES} edge nodes without a primary host meet a restarted host — it asks each to rebirth, never faster than rebirth.maxPerSecond, and ends whole`, { timeout: 300_000 }, (t) =>
  storm(t, {
    name: 'host kill -9 and restart (edges without a primary host)',
    primaryHost: false,
    expectRequests: true,
    fault: async (plant) => {
      await plant.host.kill9();
      await sleep(1000);
      plant.host.start();
      await plant.host.ready(30_000);
      return Date.now();
    },
  }),
);
