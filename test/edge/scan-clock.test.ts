/**
 * When the edge scans, over real Mosquitto: `scanIntervalMs: 0` scans back to back, each scan once
 * the previous one's messages are written, so a network that takes nothing stops the scans instead
 * of piling messages up in the process; and a normal start takes its first sample at the birth, so
 * nothing is stored (and replayed as history) for the moments before the first connection.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startMosquitto } from '../helpers/mosquitto.js';
import { startObserver, type ObservedMessage } from '../helpers/observer.js';
import { startTcpProxy } from '../helpers/proxy.js';
import { sleep, waitUntil } from '../helpers/wait.js';
import { isDevice, startEdge, Wire } from './helpers.js';

/** One device of 300 Int64 counters (~3 KB a message): each sample is the previous one + 1. */
const COUNTERS = 300;
const BODY = `devices:
  - id: Line
    metrics:
${Array.from({ length: COUNTERS }, (_, j) => `      - { name: C${j}, type: Int64, generator: counter, start: ${j * 1_000_000} }`).join('\n')}
`;

/** C0 of every Line message in order: the birth's value, then one per data message. */
function counterValues(messages: readonly ObservedMessage[]): number[] {
  const wire = new Wire();
  const out: number[] = [];
  for (const s of wire.decodeAll(messages.filter((m) => isDevice('DBIRTH', 'Line')(m) || isDevice('DDATA', 'Line')(m)))) {
    const c0 = (s.payload.metrics ?? []).find((m) => m.name === 'C0' || (m.alias !== undefined && wire.names.get(Number(m.alias)) === 'C0'));
    assert.ok(c0 !== undefined, `${s.type} carries C0`);
    out.push(Number(c0.value));
  }
  return out;
}

test('scanIntervalMs 0: scans back to back, paced by the socket; a held network stops them, nothing lost or repeated when it flows again', { timeout: 60_000 }, async (t) => {
  const broker = await startMosquitto();
  t.after(() => broker.dispose());
  const obs = await startObserver(broker.url);
  t.after(() => obs.close());
  const proxy = await startTcpProxy(broker.port);
  t.after(() => proxy.close());
  const { node } = await startEdge(t, { servers: [proxy.url], scanIntervalMs: 0, body: BODY });
  await obs.waitFor(isDevice('DBIRTH', 'Line'), 10_000);

  const data = (): number => obs.messages.filter(isDevice('DDATA', 'Line')).length;
  const from = data();
  await sleep(1000);
  // A 1 ms timer could not give more than ~1,000; the default interval gives 1.
  const perSecond = data() - from;
  assert.ok(perSecond > 100, `back-to-back scans publish many messages a second (got ${perSecond})`);

  proxy.hold(true);
  // The OS buffers fill within a moment; then the scan that waits for its message to be written waits.
  await sleep(1500);
  const held = node.stats.messagesPublished;
  await sleep(1000);
  const grew = node.stats.messagesPublished - held;
  assert.ok(grew <= 2, `no scans while the network takes nothing (${grew} messages handed to MQTT in 1 s)`);
  proxy.hold(false);

  // Everything handed to MQTT while held (less the NBIRTH and DBIRTH), then scans again.
  const target = node.stats.messagesPublished - 2 + 100;
  await waitUntil(() => data() >= target, 20_000, `the held messages and new ones to arrive (${target} DDATA)`);
  const values = counterValues(obs.messages);
  const gaps = values.slice(1).filter((v, i) => v !== (values[i] as number) + 1);
  assert.deepEqual(gaps, [], `every sample arrives once, in order (${values.length} messages)`);
});

test('a normal start: the first sample is the birth, nothing is stored for the moments before the first connection', { timeout: 30_000 }, async (t) => {
  const broker = await startMosquitto();
  t.after(() => broker.dispose());
  const obs = await startObserver(broker.url);
  t.after(() => obs.close());
  const { node } = await startEdge(t, { servers: [broker.url], scanIntervalMs: 5, body: BODY });
  await obs.waitFor(isDevice('DBIRTH', 'Line'), 10_000);
  await obs.waitForCount(20, isDevice('DDATA', 'Line'), 10_000);
  assert.equal(node.stats.metricsStored, 0, 'no sample kept for store-and-forward');
  const values = counterValues(obs.messages);
  assert.equal(values[0], 0, 'the DBIRTH carries the first sample');
  const gaps = values.slice(1).filter((v, i) => v !== (values[i] as number) + 1);
  assert.deepEqual(gaps, [], 'data continues from the birth, one sample a scan');
  const historical = new Wire()
    .decodeAll(obs.messages.filter(isDevice('DDATA')))
    .flatMap((s) => s.payload.metrics ?? [])
    .filter((m) => m.isHistorical === true);
  assert.equal(historical.length, 0, 'no historical metrics');
});
