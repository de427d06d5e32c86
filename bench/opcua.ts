/**
 * OPC UA source benchmark: a node-opcua server (child process) with N variables that all change
 * every T ms, and two contenders measured one after the other against it:
 *  - sparkstate: the built CLI, `sparkstate edge --config x.yaml`, one OPC UA device with N metrics,
 *    publishing through Mosquitto; a subscriber counts the metrics that reach the broker;
 *  - the ceiling: a plain node-opcua client that subscribes the same way and only counts.
 * Each contender's CPU (utime + stime from /proc) and RSS are its own process's. Reported per run:
 * changes produced by the server and delivered per second, CPU µs per change, RSS, and the
 * latency from source timestamp to arrival at the start and the end of the window (a growing
 * latency would mean a backlog).
 *
 *   npm run bench -- opcua      (OPCUA_ITEMS=10000 OPCUA_INTERVAL_MS=100 OPCUA_RUN_MS=20000 OPCUA_RUNS=2)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { connect } from 'mqtt';
import { decodePayload } from '../src/payload/index.js';
import { startOpcuaServer, type OpcuaTestServer } from '../test/helpers/opcua-server.js';
import { bulkName } from '../test/helpers/opcua-variables.js';
import { withBroker } from './edge-proc.js';
import { envInt, median, printTable } from './report.js';

const MAIN = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const COUNTER = fileURLToPath(new URL('./opcua-counter.js', import.meta.url));
const CLK_TCK = 100;

interface Sample {
  producedPerSec: number;
  deliveredPerSec: number;
  cpuUsPerChange: number;
  rssMb: number;
  latencyStartMs: number;
  latencyEndMs: number;
}

/** CPU ms and RSS MB of a process, from /proc. */
function procStat(pid: number): { cpuMs: number; rssMb: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of stat)
  const rss = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return { cpuMs: (ticks * 1000) / CLK_TCK, rssMb: Number(rss?.[1] ?? 0) / 1024 };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Counts what a contender delivered and keeps arrival latencies per second. */
interface Tally {
  delivered(): Promise<number>;
  /** Mean latency (arrival − source timestamp) of the metrics that arrived since the last call. */
  takeLatency(): Promise<number>;
}

async function measure(proc: ChildProcess, tally: Tally, server: OpcuaTestServer, items: number, warmupMs: number, runMs: number): Promise<Sample> {
  const pid = proc.pid ?? 0;
  await sleep(warmupMs);
  const t0 = Date.now();
  const s0 = procStat(pid);
  const d0 = await tally.delivered();
  const k0 = (await server.bulkStats()).ticks;
  await tally.takeLatency();
  await sleep(1000);
  const latencyStartMs = await tally.takeLatency();
  await sleep(Math.max(0, runMs - 2000));
  await tally.takeLatency();
  await sleep(1000);
  const latencyEndMs = await tally.takeLatency();
  const s1 = procStat(pid);
  const d1 = await tally.delivered();
  const k1 = (await server.bulkStats()).ticks;
  const secs = (Date.now() - t0) / 1000;
  const delivered = d1 - d0;
  return {
    producedPerSec: ((k1 - k0) * items) / secs,
    deliveredPerSec: delivered / secs,
    cpuUsPerChange: ((s1.cpuMs - s0.cpuMs) * 1000) / Math.max(1, delivered),
    rssMb: s1.rssMb,
    latencyStartMs,
    latencyEndMs,
  };
}

async function runCounter(server: OpcuaTestServer, items: number, intervalMs: number, dir: string, warmupMs: number, runMs: number): Promise<Sample> {
  const proc = spawn(process.execPath, [COUNTER, server.endpoint, String(items), String(intervalMs), join(dir, 'counter-pki')], { stdio: ['pipe', 'pipe', 'ignore'] });
  try {
    const lines = createInterface({ input: proc.stdout });
    const waiting: ((reply: [number, number]) => void)[] = [];
    const ready = new Promise<void>((resolve) =>
      lines.on('line', (line) => {
        const [word, count, latency] = line.split(' ');
        if (word === 'ready') resolve();
        else if (word === 'count') waiting.shift()?.([Number(count), Number(latency)]);
      }),
    );
    await ready;
    const ask = (): Promise<[number, number]> =>
      new Promise((resolve) => {
        waiting.push(resolve);
        proc.stdin?.write('\n');
      });
    const tally: Tally = {
      delivered: async () => (await ask())[0],
      takeLatency: async () => (await ask())[1],
    };
    return await measure(proc, tally, server, items, warmupMs, runMs);
  } finally {
    const exited = new Promise((r) => proc.once('exit', r));
    proc.stdin?.write('quit\n');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
}

async function runEdge(server: OpcuaTestServer, brokerUrl: string, items: number, intervalMs: number, dir: string, warmupMs: number, runMs: number): Promise<Sample> {
  const config = join(dir, 'edge.yaml');
  const metrics = Array.from({ length: items }, (_, i) => `      - { name: ${bulkName(i)}, nodeId: "ns=1;s=${bulkName(i)}" }`);
  writeFileSync(
    config,
    [
      'mqtt:',
      `  servers: [${JSON.stringify(brokerUrl)}]`,
      'sparkplug: { groupId: Bench, edgeNodeId: Edge }',
      `scanIntervalMs: ${intervalMs}`,
      'storeDir: ./store',
      'logLevel: warn',
      'devices:',
      '  - id: Bulk',
      '    source: opcua',
      `    endpoint: ${server.endpoint}`,
      `    publishingIntervalMs: ${intervalMs}`,
      '    samplingMs: 0',
      '    metrics:',
      ...metrics,
      '',
    ].join('\n'),
  );
  let delivered = 0;
  let latencySum = 0;
  let latencyCount = 0;
  const sub = connect(brokerUrl, { reconnectPeriod: 0 });
  await new Promise<void>((resolve, reject) => sub.once('connect', () => resolve()).once('error', reject));
  await sub.subscribeAsync('spBv1.0/Bench/DDATA/Edge/Bulk', { qos: 0 });
  sub.on('message', (_topic, payload) => {
    const now = Date.now();
    const metrics = decodePayload(payload).metrics ?? [];
    delivered += metrics.length;
    const ts = Number(metrics[0]?.timestamp ?? now);
    latencySum += (now - ts) * metrics.length;
    latencyCount += metrics.length;
  });
  const proc = spawn(process.execPath, [MAIN, 'edge', '--config', config], { stdio: ['ignore', 'ignore', 'inherit'] });
  try {
    const tally: Tally = {
      delivered: async () => delivered,
      takeLatency: async () => {
        const mean = latencyCount === 0 ? Number.NaN : latencySum / latencyCount;
        latencySum = 0;
        latencyCount = 0;
        return mean;
      },
    };
    const started = Date.now();
    while (delivered === 0 && Date.now() - started < 60_000) await sleep(200);
    return await measure(proc, tally, server, items, warmupMs, runMs);
  } finally {
    proc.kill('SIGTERM');
    await new Promise((r) => proc.once('exit', r));
    await sub.endAsync();
  }
}

export async function runOpcuaBench(): Promise<void> {
  const items = envInt('OPCUA_ITEMS', 10_000);
  const intervalMs = envInt('OPCUA_INTERVAL_MS', 100);
  const runMs = envInt('OPCUA_RUN_MS', 20_000);
  const warmupMs = envInt('OPCUA_WARMUP_MS', 5_000);
  const runs = envInt('OPCUA_RUNS', 2);
  await withBroker(async (broker) => {
    const server = await startOpcuaServer({ bulk: { count: items, intervalMs } });
    const dir = mkdtempSync(join(tmpdir(), 'sparkstate-opcua-bench-'));
    try {
      process.stdout.write(`${items} variables changing every ${intervalMs} ms; warm-up ${warmupMs} ms, ${runs} runs of ${runMs} ms each, contenders interleaved\n`);
      const edge: Sample[] = [];
      const counter: Sample[] = [];
      for (let r = 0; r < runs; r++) {
        counter.push(await runCounter(server, items, intervalMs, dir, warmupMs, runMs));
        edge.push(await runEdge(server, broker.url, items, intervalMs, dir, warmupMs, runMs));
      }
      const row = (name: string, xs: Sample[]): string[] => [
        name,
        '',
        median(xs.map((x) => x.producedPerSec)).toFixed(0),
        median(xs.map((x) => x.deliveredPerSec)).toFixed(0),
        median(xs.map((x) => x.cpuUsPerChange)).toFixed(2),
        median(xs.map((x) => x.rssMb)).toFixed(0),
        median(xs.map((x) => x.latencyStartMs)).toFixed(0),
        median(xs.map((x) => x.latencyEndMs)).toFixed(0),
      ];
      printTable([
        ['contender', '', 'produced/s', 'delivered/s', 'CPU µs/change', 'RSS MB', 'latency start ms', 'latency end ms'],
        row('sparkstate edge (CLI → Mosquitto)', edge),
        row('node-opcua counting client', counter),
      ]);
      const ratio = median(edge.map((x) => x.cpuUsPerChange)) / median(counter.map((x) => x.cpuUsPerChange));
      process.stdout.write(`edge CPU per change = ${ratio.toFixed(2)}x the counting client's (goal ≤ 2x); per run: ${edge.map((e, i) => (e.cpuUsPerChange / (counter[i]?.cpuUsPerChange ?? NaN)).toFixed(2)).join(', ')}\n`);
    } finally {
      await server.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
