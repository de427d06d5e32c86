/**
 * E2E: a network cut without a TCP reset — the proxy of one link stops forwarding in both
 * directions and lets no FIN or RST through, so each side finds out only by MQTT keepalive
 * (2 s in the harness: silence is noticed after 1.5 × 2 s). Samples the edge writes into the dead
 * link before it notices are lost once the broker has given up on that connection (QoS 0, nothing
 * acknowledges them): the test counts them. A cut healed before the broker gives up delivers them
 * late instead, as TCP retransmission would.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sleep, waitUntil } from '../helpers/wait.js';
import type { TcpProxy } from '../helpers/proxy.js';
import { startPlant, report, type Plant } from './plant.js';
import { GROUP } from './processes.js';
import { birthCounts, hostSeesOffline, rebornAndWhole, wireSeesDeath } from './watch.js';

const SCAN_MS = 100;
/**
 * Longer than either side needs to notice, so both have given up before the heal: the clients
 * (MQTT.js) after 1.5 × keepalive of silence; Mosquitto 2.0.11 was seen to take 6 to 8.5 s with
 * a 2 s keepalive (its keepalive check is coarse), two to three times what the 1.5 × rule gives.
 */
const CUT_MS = 12_000;
/** What each side may take to notice: the clients' rule plus a ping interval and load; the broker's as observed, plus slack. */
const CLIENT_NOTICES_MS = 6000;
const BROKER_NOTICES_MS = 11_000;

function linkOf(plant: Plant, id: string): TcpProxy {
  const link = plant.links.get(id);
  assert.ok(link !== undefined, id);
  return link;
}

/** Polls until `cond` holds; the ms since `since`. */
async function after(since: number, cond: () => Promise<boolean>, what: string): Promise<number> {
  await waitUntil(
    async () => {
      try {
        return await cond();
      } catch {
        return false;
      }
    },
    15_000,
    what,
    25,
  );
  return Date.now() - since;
}

test("e2e: an edge's link cut without a reset — keepalive on both sides, the Will, storage meanwhile, historical after the heal", async (t) => {
  const plant = await startPlant(t, { nodes: 2 });
  const [e1] = plant.edges;
  assert.ok(e1 !== undefined);
  await sleep(1000);
  const requestsBefore = plant.ledger.rebirthRequests();
  const births = birthCounts(plant, ['E1']);
  const link = linkOf(plant, 'E1');

  link.cut(true);
  const cutAt = Date.now();
  const [edgeMs, willMs, hostMs] = await Promise.all([
    after(cutAt, async () => (await e1.healthz()).status !== 200, 'the edge to notice the cut'),
    wireSeesDeath(plant, 'E1', cutAt),
    hostSeesOffline(plant, 'E1', cutAt),
  ]);
  await sleep(Math.max(0, cutAt + CUT_MS - Date.now()));
  link.cut(false);
  const healedAt = Date.now();
  const recoveryMs = await rebornAndWhole(plant, births, healedAt);
  await sleep(1500); // the replay of what was stored meanwhile ends
  const account = plant.account();
  const e1Lost = Object.entries(account.details).filter(([k]) => k.startsWith('E1/')).reduce((n, [, r]) => n + r.lost, 0);
  const e1Historical = Object.entries(account.details).filter(([k]) => k.startsWith('E1/')).reduce((n, [, r]) => n + r.historical, 0);
  report('edge link cut without reset', {
    recoveryMs,
    account,
    rebirthRequests: plant.ledger.rebirthRequests() - requestsBefore,
    extra: `detected by the edge after ${edgeMs} ms, by the broker (Will on the wire) after ${willMs} ms, host offline after ${hostMs} ms; lost = written into the dead link`,
  });
  assert.equal(account.duplicates, 0, JSON.stringify(account.details));
  assert.equal(account.outOfOrder, 0, JSON.stringify(account.details));
  assert.equal(account.lost - e1Lost, 0, `only the cut node loses samples: ${JSON.stringify(account.details)}`);
  assert.ok(e1Historical > 0, 'what the edge stored after it noticed arrives as historical');
  // At most what it sampled between the cut and noticing it (3 counters, one sample per scan each), with slack for a loaded machine.
  const bound = (Math.ceil(edgeMs / SCAN_MS) + 5) * 3;
  assert.ok(e1Lost <= bound, `lost ${e1Lost} > ${bound}, the samples of ${edgeMs} ms`);
  // Keepalive 2 s: the clients notice after 3 s of silence at most (plus load); the broker later, see BROKER_NOTICES_MS.
  assert.ok(edgeMs < CLIENT_NOTICES_MS && willMs < BROKER_NOTICES_MS, `detection: edge ${edgeMs} ms, broker ${willMs} ms`);
  assert.ok(recoveryMs < 10_000, `whole ${recoveryMs} ms after the heal`);
});

test("e2e: the host's link cut without a reset — the broker sends its STATE Will, the edges store and forward, the host back makes it whole [tck-id-operational-behavior-edge-node-termination-host-offline]", async (t) => {
  const plant = await startPlant(t, { nodes: 2 });
  await sleep(1000);
  const requestsBefore = plant.ledger.rebirthRequests();
  const births = birthCounts(plant);
  const link = linkOf(plant, 'host');

  link.cut(true);
  const cutAt = Date.now();

  const [hostMs, ...edgeMs] = await Promise.all([
    after(cutAt, async () => (await plant.host.state()).state !== 'online', 'the host to notice the cut'),
    // An edge that sees the host's STATE Will ends its session with an NDEATH and stores from then on.
    ...plant.nodeIds.map((n) => wireSeesDeath(plant, n, cutAt)),
  ]);
  await sleep(Math.max(0, cutAt + CUT_MS - Date.now()));
  link.cut(false);
  const healedAt = Date.now();
  const recoveryMs = await rebornAndWhole(plant, births, healedAt);
  await sleep(1500);
  const account = plant.account();
  // What the edges published live while the host was cut off and the broker still took it for
  // connected: on the wire, never at the host, and not stored by the edges (they heard of no outage).
  const state = await plant.host.state();
  const hostMissed = plant.nodeIds.reduce(
    (n, id) => n + plant.ledger.node(id).messages - (state.groups[GROUP]?.nodes[id]?.counters.messages ?? 0),
    0,
  );
  report('host link cut without reset', {
    recoveryMs,
    account,
    rebirthRequests: plant.ledger.rebirthRequests() - requestsBefore,
    extra: `detected by the host after ${hostMs} ms, edges storing (their NDEATH after the STATE Will) after ${Math.max(...edgeMs)} ms; messages on the wire the host never got: ${hostMissed}`,
  });
  assert.equal(account.duplicates, 0, JSON.stringify(account.details));
  assert.equal(account.outOfOrder, 0, JSON.stringify(account.details));
  assert.equal(account.lost, 0, `the edges' own links never failed: ${JSON.stringify(account.details)}`);
  assert.ok(account.historical > 0, 'what the edges stored while the host was away arrives as historical');
  assert.ok(hostMs < CLIENT_NOTICES_MS && Math.max(...edgeMs) < BROKER_NOTICES_MS, `detection: host ${hostMs} ms, edges ${edgeMs.join(', ')} ms`);
  assert.ok(recoveryMs < 10_000, `whole ${recoveryMs} ms after the heal`);
});

test("e2e: an edge's link cut shorter than the broker's patience — the edge's new session takes the old one over, the host follows the new bdSeq", async (t) => {
  const plant = await startPlant(t, { nodes: 2 });
  const [e1] = plant.edges;
  assert.ok(e1 !== undefined);
  await sleep(1000);
  const requestsBefore = plant.ledger.rebirthRequests();
  const births = birthCounts(plant, ['E1']);
  const bdSeq = plant.ledger.node('E1').bdSeqs.at(-1);
  assert.ok(bdSeq !== undefined);
  const link = linkOf(plant, 'E1');

  link.cut(true);
  const cutAt = Date.now();
  const edgeMs = await after(cutAt, async () => (await e1.healthz()).status !== 200, 'the edge to notice the cut');
  // Healed after the edge gave up but before Mosquitto would: its held reconnect takes the old session over.
  await sleep(500);
  assert.equal(plant.ledger.node('E1').dead, false, 'the broker has not given up yet');
  link.cut(false);
  const healedAt = Date.now();
  const recoveryMs = await rebornAndWhole(plant, births, healedAt);
  await sleep(1500);
  const account = plant.account();
  const e1Lost = Object.entries(account.details).filter(([k]) => k.startsWith('E1/')).reduce((n, [, r]) => n + r.lost, 0);
  report('edge link cut shorter than the broker keepalive', {
    recoveryMs,
    account,
    rebirthRequests: plant.ledger.rebirthRequests() - requestsBefore,
    extra: `detected by the edge after ${edgeMs} ms, healed after ${healedAt - cutAt} ms, old session's Will on the wire: ${plant.ledger.node('E1').deaths > 0 ? 'yes' : 'no'}`,
  });
  assert.equal(plant.ledger.node('E1').bdSeqs.at(-1), (bdSeq + 1) % 256, 'the new session births with the next bdSeq');
  assert.equal(account.duplicates, 0, JSON.stringify(account.details));
  assert.equal(account.outOfOrder, 0, JSON.stringify(account.details));
  assert.equal(account.lost - e1Lost, 0, JSON.stringify(account.details));
  assert.ok(e1Lost <= (Math.ceil(edgeMs / SCAN_MS) + 5) * 3, `lost ${e1Lost} in ${edgeMs} ms`);
  assert.ok(recoveryMs < 10_000, `whole ${recoveryMs} ms after the heal`);
});
