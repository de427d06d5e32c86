/**
 * In-process fan-in microbenchmark of the host's own path (no broker, no MQTT parsing): the fan-in
 * DDATA (100 metrics by alias, no datatype) handed to a HostApplication through an in-memory
 * transport, beside `decodePayload` alone with the same birth datatypes. The difference is the
 * host's cost per metric; the machine-wide noise of the broker benchmark does not reach it.
 *
 *   node build/bench/host-micro.js            (HOST_MICRO_MS per sample, default 1500; 5 samples)
 *   node --cpu-prof build/bench/host-micro.js  for a profile of the same loop
 */
import { TypedEmitter } from '../src/events.js';
import { HostApplication, type HostTransport } from '../src/host/index.js';
import { decodePayload, type MetricTypeName } from '../src/payload/index.js';
import type { MqttSessionEvents } from '../src/transport/index.js';
import { aliasOf, dbirthBody, ddataBody, nbirthBody, topicOf, withHeader } from './host-wire.js';
import { envInt, printRates } from './report.js';

const NODES = 100;
const DEVICES = 10;
const METRICS = 100;
const SAMPLE_MS = envInt('HOST_MICRO_MS', 1500);
const SAMPLES = 5;

/** Just enough of a session for the host: connected at once, publishes dropped. */
class MemoryTransport extends TypedEmitter<MqttSessionEvents> implements HostTransport {
  will: (() => ReturnType<HostApplication['willMessage']>) | undefined;
  async start(): Promise<void> {
    const will = this.will?.();
    this.emit('connect', { server: 'memory://', serverIndex: 0, sessionId: 1, will });
  }
  async stop(): Promise<void> {}
  async subscribe(): Promise<void> {}
  async publish(): Promise<void> {}
  isConnected(): boolean {
    return true;
  }
  deliver(topic: string, payload: Uint8Array): void {
    this.emit('message', topic, payload, { qos: 0, retain: false });
  }
}

/** Runs `batch` until SAMPLE_MS of CPU time passed; metrics per CPU second. */
function sample(batch: () => number): number {
  const start = process.cpuUsage();
  let metrics = 0;
  let us = 0;
  while (us < SAMPLE_MS * 1000) {
    metrics += batch();
    const d = process.cpuUsage(start);
    us = d.user + d.system;
  }
  return metrics / (us / 1e6);
}

async function main(): Promise<void> {
  const transport = new MemoryTransport();
  const host = new HostApplication({ hostId: 'micro', transport, rebirth: { enabled: false } });
  transport.will = () => host.willMessage();
  await host.start();
  await new Promise((r) => setImmediate(r));
  if (host.state !== 'online') throw new Error(`host ${host.state}`);

  // Births: seq 0 = NBIRTH, 1..DEVICES = DBIRTHs; data then continues each node's counter.
  const now = Date.now();
  for (let i = 0; i < NODES; i++) {
    transport.deliver(topicOf('NBIRTH', i), withHeader(now, 0, nbirthBody(1)));
    for (let j = 0; j < DEVICES; j++) transport.deliver(topicOf('DBIRTH', i, j), withHeader(now, j + 1, dbirthBody(j, METRICS)));
  }
  if (host.stats().devicesOnline !== NODES * DEVICES) throw new Error('births not applied');
  // Every node sends the same bytes for the same (seq, device): one buffer per pair, shared by all nodes.
  const bodies = Array.from({ length: DEVICES }, (_, j) => [0, 1].map((v) => ddataBody(j, METRICS, 0, METRICS, v)));
  const bySeq = Array.from({ length: 256 }, (_, seq) => bodies.map((b, j) => withHeader(now, seq, b[(seq + j) % 2] ?? new Uint8Array())));
  const topics = Array.from({ length: NODES }, (_, i) => Array.from({ length: DEVICES }, (_, j) => topicOf('DDATA', i, j)));
  let seq = DEVICES + 1;
  const hostBatch = (): number => {
    // One round: every node sends one DDATA per device, seq continuing per node.
    for (let j = 0; j < DEVICES; j++) {
      const bytes = bySeq[(seq + j) & 0xff]?.[j] ?? new Uint8Array();
      for (let i = 0; i < NODES; i++) transport.deliver(topics[i]?.[j] ?? '', bytes);
    }
    seq = (seq + DEVICES) & 0xff;
    return NODES * DEVICES * METRICS;
  };
  // decodePayload alone, with the datatypes of device j's birth looked up by alias in a Map.
  const types = Array.from({ length: DEVICES }, (_, j) => {
    const m = new Map<number, MetricTypeName>();
    for (let k = 0; k < METRICS; k++) m.set(aliasOf(j, METRICS, k), (['Double', 'Int32', 'Boolean', 'Int64'] as const)[k % 4] ?? 'Double');
    return { resolveType: (x: { alias?: number | bigint }): MetricTypeName | undefined => (typeof x.alias === 'number' ? m.get(x.alias) : undefined) };
  });
  let sink = 0;
  const decodeBatch = (): number => {
    for (let j = 0; j < DEVICES; j++) {
      const bytes = bySeq[(seq + j) & 0xff]?.[j] ?? new Uint8Array();
      const opts = types[j] ?? {};
      for (let i = 0; i < NODES; i++) sink += decodePayload(bytes, opts).metrics?.length ?? 0;
    }
    return NODES * DEVICES * METRICS;
  };

  const rows: [string, number[]][] = [
    ['decodePayload only (Map resolveType)', []],
    ['HostApplication (transport message → model)', []],
  ];
  for (let s = 0; s < SAMPLES; s++) {
    rows[0]?.[1].push(sample(decodeBatch));
    rows[1]?.[1].push(sample(hostBatch));
  }
  if (host.counters.gaps !== 0 || host.counters.rebirthsRequested !== 0) throw new Error(`gaps ${host.counters.gaps}`);
  process.stdout.write(`host micro: ${NODES}×${DEVICES} DDATA of ${METRICS} metrics, ${SAMPLES} samples of ${SAMPLE_MS} ms CPU (sink ${sink > 0 ? 'ok' : '0'})\n`);
  printRates(rows);
  await host.stop();
}

await main();
