/**
 * The host against hand-built payloads from a raw MQTT.js edge (no sparkstate edge code): births,
 * data by alias, deaths with matching and stale bdSeq, seq gaps and data from unknown nodes.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { HostApplication } from '../../src/host/index.js';
import { decodePayload, type Metric } from '../../src/payload/index.js';
import { startMosquitto } from '../helpers/mosquitto.js';
import { startObserver, type ObservedMessage, type Observer } from '../helpers/observer.js';
import { sleep, waitUntil } from '../helpers/wait.js';
import { lifo, RawEdge, startHostOn, type Scope } from './broker-helpers.js';

const G = 'Plant1';
const N = 'Line4';
const BIG = 2n ** 53n + 1n;
const REORDER_MS = 300;

const isRebirth = (m: ObservedMessage, node = N): boolean =>
  m.topic === `spBv1.0/${G}/NCMD/${node}` &&
  decodePayload(m.payload).metrics?.some((x) => x.name === 'Node Control/Rebirth' && x.type === 'Boolean' && x.value === true) === true;

const NODE_METRICS: Metric[] = [
  { name: 'Temperature', alias: 1, type: 'Double', value: 21.5 },
  { name: 'Total', alias: 2, type: 'UInt64', value: BIG },
];
const FILLER: Metric[] = [{ name: 'Speed', alias: 3, type: 'UInt16', value: 10 }];

interface Rig {
  readonly host: HostApplication;
  readonly edge: RawEdge;
  readonly cmds: Observer;
}

async function rig(s: Scope, url: string): Promise<Rig> {
  const cmds = await startObserver(url, { topics: ['spBv1.0/+/NCMD/#'] });
  s.after(() => cmds.close());
  const host = await startHostOn(s, [url], { reorderWindowMs: REORDER_MS });
  const edge = await RawEdge.connect(s, url, G, N);
  return { host, edge, cmds };
}

function node(host: HostApplication) {
  return host.snapshot().groups[G]?.nodes[N];
}

test('births, data by alias, NDEATH with a stale bdSeq ignored, with the current bdSeq node and devices offline and stale [tck-id-operational-behavior-edge-node-termination-host-action-ndeath-node-offline] [tck-id-operational-behavior-edge-node-termination-host-action-ndeath-node-tags-stale] [tck-id-operational-behavior-edge-node-termination-host-action-ndeath-devices-offline] [tck-id-operational-behavior-edge-node-termination-host-action-ndeath-devices-tags-stale] [tck-id-payloads-alias-data-cmd-requirement]', async (t) => {
  const s = lifo(t);
  const broker = await startMosquitto();
  s.after(() => broker.dispose());
  const { host, edge, cmds } = await rig(s, broker.url);
  await edge.nbirth(3, NODE_METRICS);
  await edge.dbirth('Filler', FILLER);
  await edge.ndata([{ alias: 1, type: 'Double', value: 22.5 }]);
  await edge.ddata('Filler', [{ alias: 3, type: 'UInt16', value: 11 }]);
  await waitUntil(() => node(host)?.devices['Filler']?.metrics['Speed']?.value === 11, 3000, 'DDATA applied');
  let n = node(host);
  assert.ok(n !== undefined);
  assert.equal(n.online, true);
  assert.equal(n.bdSeq, 3);
  assert.equal(n.metrics['Temperature']?.value, 22.5);
  assert.equal(n.metrics['Total']?.value, BIG.toString());
  assert.equal(n.metrics['Temperature']?.stale, false);

  // HP-1: a Will of an older session (bdSeq 2) does not end the session born with bdSeq 3.
  await edge.ndeath(2);
  await waitUntil(() => host.counters.staleDeaths === 1, 3000, 'stale NDEATH counted');
  assert.equal(node(host)?.online, true);

  const before = Date.now();
  await edge.ndeath(3);
  await waitUntil(() => node(host)?.online === false, 3000, 'node offline');
  n = node(host);
  assert.ok(n !== undefined);
  assert.equal(n.stale, true);
  assert.ok(typeof n.staleSince === 'number' && n.staleSince >= before, 'offline at host receive time (HP-3)');
  assert.equal(n.metrics['Temperature']?.stale, true);
  assert.equal(n.metrics['Temperature']?.value, 22.5, 'last value kept, marked stale');
  assert.equal(n.devices['Filler']?.online, false);
  assert.equal(n.devices['Filler']?.metrics['Speed']?.stale, true);
  assert.equal(cmds.messages.filter((m) => isRebirth(m)).length, 0, 'no rebirth for a clean session');
  assert.equal(host.counters.rebirthsRequested, 0);
});

test('a dropped message (skipped seq) leads to exactly one rebirth request and a consistent model after the rebirth [tck-id-operational-behavior-host-reordering-start] [tck-id-operational-behavior-host-reordering-rebirth] [tck-id-operational-behavior-data-commands-ncmd-rebirth-name] [tck-id-operational-behavior-data-commands-ncmd-rebirth-value] [tck-id-operational-behavior-data-commands-ncmd-rebirth-verb]', async (t) => {
  const s = lifo(t);
  const broker = await startMosquitto();
  s.after(() => broker.dispose());
  const { host, edge, cmds } = await rig(s, broker.url);
  // The edge answers a rebirth request the way a compliant edge does: NBIRTH (seq 0) + DBIRTHs with current values.
  let temperature = 21.5;
  let rebirthsAnswered = 0;
  await edge.client.subscribeAsync(`spBv1.0/${G}/NCMD/${N}`, { qos: 0 });
  edge.client.on('message', (topic, payload) => {
    if (!isRebirth({ topic, payload, qos: 0, retain: false, receivedAt: 0 })) return;
    rebirthsAnswered++;
    void edge.nbirth(4, [{ name: 'Temperature', alias: 1, type: 'Double', value: temperature }, NODE_METRICS[1] ?? assert.fail()]).then(() =>
      edge.dbirth('Filler', FILLER),
    );
  });
  await edge.nbirth(4, NODE_METRICS);
  await edge.dbirth('Filler', FILLER);
  await waitUntil(() => node(host)?.devices['Filler']?.online === true, 3000, 'births applied');

  const sentAt = Date.now();
  edge.next(); // this seq is "lost" on the way
  temperature = 30;
  await edge.ndata([{ alias: 1, type: 'Double', value: temperature }]);
  await cmds.waitFor((m) => isRebirth(m), 3000);
  const elapsed = Date.now() - sentAt;
  assert.ok(elapsed >= REORDER_MS - 20, `rebirth only after the reorder window (${elapsed} ms)`);
  await waitUntil(() => rebirthsAnswered === 1 && node(host)?.devices['Filler']?.online === true, 3000, 'rebirth answered and applied');
  // Then data in order again: the model follows, and no further request is made.
  temperature = 31;
  await edge.ndata([{ alias: 1, type: 'Double', value: temperature }]);
  await waitUntil(() => node(host)?.metrics['Temperature']?.value === 31, 3000, 'data after the rebirth');
  await sleep(2 * REORDER_MS);
  const n = node(host);
  assert.ok(n !== undefined);
  assert.equal(cmds.messages.filter((m) => isRebirth(m)).length, 1, 'exactly one rebirth request');
  assert.equal(host.counters.rebirthsRequested, 1);
  assert.equal(host.counters.gaps, 1);
  assert.equal(n.counters.gaps, 1);
  assert.equal(n.online && !n.stale, true);
  assert.equal(n.lastSeq, edge.seq);
  assert.equal(n.metrics['Total']?.value, BIG.toString());
  assert.equal(n.devices['Filler']?.metrics['Speed']?.value, 10);
});

test('a gap filled within the reorder window is applied in order without a rebirth [tck-id-operational-behavior-host-reordering-success]', async (t) => {
  const s = lifo(t);
  const broker = await startMosquitto();
  s.after(() => broker.dispose());
  const { host, edge, cmds } = await rig(s, broker.url);
  await edge.nbirth(0, NODE_METRICS);
  await waitUntil(() => node(host)?.online === true, 3000, 'NBIRTH applied');
  const late = edge.next();
  await edge.ndata([{ alias: 1, type: 'Double', value: 2 }]); // seq late + 1 arrives first
  await sleep(REORDER_MS / 3);
  await edge.ndata([{ alias: 1, type: 'Double', value: 1 }], late);
  await waitUntil(() => node(host)?.lastSeq === late + 1, 3000, 'gap closed');
  await sleep(2 * REORDER_MS);
  assert.equal(node(host)?.metrics['Temperature']?.value, 2, 'applied in seq order: the later message wins');
  assert.equal(host.counters.gaps, 1);
  assert.equal(cmds.messages.filter((m) => isRebirth(m)).length, 0);
});

test('data from an edge node the host has no birth for leads to a rebirth request (HP-7)', async (t) => {
  const s = lifo(t);
  const broker = await startMosquitto();
  s.after(() => broker.dispose());
  const { host, cmds } = await rig(s, broker.url);
  const stranger = await RawEdge.connect(s, broker.url, G, 'Stranger');
  stranger.seq = 41; // mid-session: the host missed the NBIRTH
  await stranger.ndata([{ alias: 1, type: 'Double', value: 5 }]);
  await stranger.ddata('Pump', [{ alias: 7, type: 'Boolean', value: true }]);
  const req = await cmds.waitFor((m) => isRebirth(m, 'Stranger'), 3000);
  assert.equal(req.qos, 0);
  assert.equal(req.retain, false);
  await sleep(300);
  assert.equal(cmds.messages.filter((m) => isRebirth(m, 'Stranger')).length, 1, 'de-duplicated per node');
  await stranger.nbirth(0, NODE_METRICS);
  await waitUntil(() => host.snapshot().groups[G]?.nodes['Stranger']?.online === true, 3000, 'stranger born');
  assert.equal(host.snapshot().groups[G]?.nodes['Stranger']?.metrics['Temperature']?.value, 21.5);
});
