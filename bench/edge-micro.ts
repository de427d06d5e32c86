/**
 * In-process microbenchmark of the edge node's own path (no broker, no MQTT.js): the fixed-rate
 * workload (10 devices × 1,000 Doubles, all changing) scanned by an EdgeNode over an in-memory
 * transport, beside the minimal source's polling alone. The difference is the edge's cost per
 * metric (taking the reports, report by exception, encoding), free of the socket's and the broker's noise.
 *
 * Mixed (EDGE_MICRO_MIXED=1): each device's metrics cycle through an Int64 counter, an Int32, a
 * Float, a Double and a Boolean (a plant's common shapes), all changing on every poll.
 *
 * Back to back (default) the data stays in the CPU caches. Paced (EDGE_MICRO_PACED=1: 10 scans a
 * second, as in the fixed-rate benchmark) every scan starts cold, which costs several times more
 * per metric; it reports CPU ms per second beside an idle process's.
 *
 *   node build/bench/edge-micro.js            (EDGE_MICRO_MS per sample, default 1500; 5 samples;
 *                                              EDGE_MICRO_METRICS per device, default 1000)
 *   node --cpu-prof build/bench/edge-micro.js  for a profile of the same loop
 */
import { EdgeNode, type EdgeTransport } from '../src/edge/index.js';
import { TypedEmitter } from '../src/events.js';
import type { MetricTypeName } from '../src/payload/types.js';
import type { ChangeSink } from '../src/sources/types.js';
import type { MqttSessionEvents } from '../src/transport/index.js';
import { metricConfigs, minimalSource, type PolledSource, type Workload } from './edge-contenders.js';
import { envInt, median, printRates } from './report.js';

const SAMPLE_MS = envInt('EDGE_MICRO_MS', 1500);
const SAMPLES = 5;
const WORKLOAD: Workload = { devices: 10, metricsPerDevice: envInt('EDGE_MICRO_METRICS', 1000), changeRate: 1, source: 'minimal' };
const MIXED = process.env['EDGE_MICRO_MIXED'] === '1';
const MIXED_TYPES: readonly MetricTypeName[] = ['Int64', 'Int32', 'Float', 'Double', 'Boolean'];
const SHAPE = MIXED ? 'mixed Int64/Int32/Float/Double/Boolean metrics' : 'Doubles';

/** Like the minimal source, with metric j of type MIXED_TYPES[j % 5]; every value changes on every poll. */
function mixedSource(deviceId: string, count: number, d: number): PolledSource {
  const values = Float64Array.from({ length: count }, (_, j) => d * 1000 + j);
  let sink: ChangeSink | undefined;
  let polls = 0;
  return {
    deviceId,
    metrics: Array.from({ length: count }, (_, j) => ({ name: `M${String(j + 1).padStart(5, '0')}`, type: MIXED_TYPES[j % 5] ?? 'Double', writable: false })),
    start: async (s) => {
      sink = s;
    },
    stop: async () => {
      sink = undefined;
    },
    isOnline: () => true,
    poll(now: number): void {
      if (sink === undefined) return;
      polls++;
      for (let j = 0; j < count; j++) {
        switch (j % 5) {
          case 0: // Int64 counter
          case 1: // Int32
            sink.update(j, (values[j] as number) + polls, now);
            break;
          case 2: // Float: a quarter step stays exact in binary32 at these magnitudes
          case 3:
            sink.update(j, (values[j] as number) + polls * 0.25, now);
            break;
          default:
            sink.update(j, (polls + j) % 2 === 0, now);
        }
      }
    },
    write: async () => {
      throw new Error('read-only');
    },
    onConnectivity: () => () => {},
  };
}

function source(d: number, metrics: ReturnType<typeof metricConfigs>): PolledSource {
  return MIXED ? mixedSource(`D${d + 1}`, metrics.length, d) : minimalSource(`D${d + 1}`, metrics, d);
}

/** Just enough of a session for the edge: connected at once, publishes counted and dropped. */
class MemoryTransport extends TypedEmitter<MqttSessionEvents> implements EdgeTransport {
  will: (() => ReturnType<EdgeNode['willMessage']>) | undefined;
  bytes = 0;
  private readonly done = Promise.resolve();
  async start(): Promise<void> {
    this.emit('connect', { server: 'memory://', serverIndex: 0, sessionId: 1, will: this.will?.() });
  }
  async stop(): Promise<void> {}
  async subscribe(): Promise<void> {}
  publish(_topic: string, payload: Uint8Array): Promise<void> {
    this.bytes += payload.byteLength;
    return this.done;
  }
  isConnected(): boolean {
    return true;
  }
  /** Nothing is held after publish: output buffers are reused, as over an idle TCP socket. */
  flushed(): boolean {
    return true;
  }
  async nextServer(): Promise<void> {}
}

/** The least a sink can do and still take every value: count them (the source's own cost, without the edge's inbox). */
class CountingSink implements ChangeSink {
  count = 0;
  update(): void {
    this.count++;
  }
  /** The minimal source never invalidates. */
  invalidate(): void {}
}

/**
 * Runs `batch` until SAMPLE_MS of CPU time passed; metrics per CPU second. Microtasks run after
 * each batch, as they do after each timer-driven scan (else every publish's promise reaction,
 * and the payload it holds, would pile up for the whole sample).
 */
async function sample(batch: () => number): Promise<number> {
  const start = process.cpuUsage();
  let metrics = 0;
  let us = 0;
  while (us < SAMPLE_MS * 1000) {
    metrics += batch();
    await null;
    const d = process.cpuUsage(start);
    us = d.user + d.system;
  }
  return metrics / (us / 1e6);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, Math.max(0, ms)));

/** CPU ms per second while `scan` runs 10 times a second on an absolute schedule for SAMPLE_MS. */
async function paced(scan: () => void): Promise<number> {
  const start = process.cpuUsage();
  const t0 = performance.now();
  for (let k = 1; k * 100 < SAMPLE_MS; k++) {
    scan();
    await sleep(t0 + k * 100 - performance.now());
  }
  await sleep(t0 + SAMPLE_MS - performance.now());
  const d = process.cpuUsage(start);
  return (d.user + d.system) / SAMPLE_MS;
}

async function main(): Promise<void> {
  const metrics = metricConfigs(WORKLOAD);
  const sources = Array.from({ length: WORKLOAD.devices }, (_, d) => source(d, metrics));
  const transport = new MemoryTransport();
  const node = new EdgeNode({
    groupId: 'Micro',
    edgeNodeId: 'E1',
    transport,
    bdSeq: { peek: () => 0, confirm: () => {} },
    devices: sources,
    scanIntervalMs: 2 ** 30,
  });
  transport.will = () => node.willMessage();
  await node.start();
  await new Promise((r) => setImmediate(r));
  if (node.state !== 'online') throw new Error(`edge ${node.state}`);

  const perScan = WORKLOAD.devices * WORKLOAD.metricsPerDevice;
  // Sources like the node's, polled alone: the node's own sources report into its inboxes, which
  // only a scan empties.
  const sink = new CountingSink();
  const alone = Array.from({ length: WORKLOAD.devices }, (_, d) => source(d, metrics));
  await Promise.all(alone.map((s) => s.start(sink)));
  const pollBatch = (): number => {
    const now = Date.now();
    for (const s of alone) s.poll(now);
    return perScan;
  };
  const before = node.stats.metricsPublished;
  let scans = 0;
  const nodeBatch = (): number => {
    node.scan();
    scans++;
    return perScan;
  };
  if (process.env['EDGE_MICRO_PACED'] === '1') {
    const runs: [string, () => void, number[]][] = [
      ['idle process', () => {}, []],
      ['minimal source poll() only', () => pollBatch(), []],
      ['EdgeNode.scan (poll, RBE, encode, publish)', () => node.scan(), []],
    ];
    await paced(() => node.scan()); // warm-up
    for (let s = 0; s < SAMPLES; s++) for (const [, scan, xs] of runs) xs.push(await paced(scan));
    const idle = median(runs[0]?.[2] ?? []);
    process.stdout.write(`edge micro, paced: ${WORKLOAD.devices} devices × ${WORKLOAD.metricsPerDevice} ${SHAPE}, 10 scans/s, median of ${SAMPLES} windows of ${SAMPLE_MS} ms\n`);
    for (const [label, , xs] of runs) {
      const ms = median(xs);
      // CPU ms per second above idle, per metric polled each second.
      const ns = ((ms - idle) * 1e6) / (perScan * 10);
      process.stdout.write(`  ${label.padEnd(46)} ${ms.toFixed(2).padStart(6)} CPU ms/s${label === 'idle process' ? '' : ` (${ns.toFixed(0)} ns per metric above idle)`}\n`);
    }
    await node.stop();
    return;
  }
  const rows: [string, number[]][] = [
    ['minimal source poll() only', []],
    ['EdgeNode.scan (poll, RBE, encode, publish)', []],
  ];
  for (let s = 0; s < SAMPLES; s++) {
    rows[0]?.[1].push(await sample(pollBatch));
    rows[1]?.[1].push(await sample(nodeBatch));
  }
  if (node.stats.metricsPublished - before !== scans * perScan) throw new Error('not every metric was published');
  process.stdout.write(`edge micro: ${WORKLOAD.devices} devices × ${WORKLOAD.metricsPerDevice} ${SHAPE}, ${SAMPLES} samples of ${SAMPLE_MS} ms CPU (${(transport.bytes / 1e6).toFixed(0)} MB encoded, sink ${sink.count > 0 ? 'ok' : '0'})\n`);
  printRates(rows);
  await node.stop();
}

await main();
