/**
 * Process plumbing of the CLI edge benchmark: starting a contender as a child process (the built
 * `sparkstate edge` CLI, the Tahu child or the plain MQTT.js ceiling), reading its CPU and RSS from /proc, stopping it, and
 * counting the metrics it delivers to the broker with a plain MQTT.js subscriber.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { connect, type MqttClient } from 'mqtt';
import { DataColumns, decodePayload, SCAN_HISTORICAL, scanDataPayload } from '../src/payload/index.js';
import { GROUP } from './edge-cli-workload.js';

const MAIN = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const TAHU = fileURLToPath(new URL('./edge-cli-tahu.js', import.meta.url));
const PLAIN = fileURLToPath(new URL('./edge-cli-plain.js', import.meta.url));
const CLK_TCK = 100;

const children = new Set<ChildProcess>();
// withBroker only knows its forked children; these are killed however the parent exits.
process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});

export function startCli(configFile: string, execArgv: readonly string[]): ChildProcess {
  return track(spawn(process.execPath, [...execArgv, MAIN, 'edge', '--config', configFile], { stdio: ['ignore', 'ignore', 'inherit'] }));
}

export function startTahu(job: Record<string, unknown>): ChildProcess {
  return track(spawn(process.execPath, [TAHU, JSON.stringify(job)], { stdio: ['ignore', 'inherit', 'inherit'] }));
}

export function startPlain(job: Record<string, unknown>): ChildProcess {
  return track(spawn(process.execPath, [PLAIN, JSON.stringify(job)], { stdio: ['ignore', 'inherit', 'inherit'] }));
}

function track(proc: ChildProcess): ChildProcess {
  children.add(proc);
  proc.once('exit', () => children.delete(proc));
  return proc;
}

/** SIGTERM (a clean stop, so --cpu-prof writes its profile), SIGKILL after 15 s. */
export async function stop(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGTERM');
  const timer = setTimeout(() => proc.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

/** CPU ms (utime + stime) and peak RSS in MB of a running process. */
export function procStat(pid: number): { cpuMs: number; peakRssMb: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of stat)
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const peakKb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return { cpuMs: (ticks * 1000) / CLK_TCK, peakRssMb: peakKb / 1024 };
}

/** Counts the metrics in the DDATA of one edge node at a time (the one under measurement). */
export class MetricCounter {
  private node = '';
  private count = 0;
  private messages = 0;
  /** Receive time − payload timestamp of the messages since the last lag() call. */
  private lagSum = 0;
  private lagMax = 0;
  private lagCount = 0;
  private readonly columns = new DataColumns();

  private constructor(private readonly client: MqttClient) {
    client.on('message', (topic, payload) => {
      // spBv1.0/<group>/DDATA/<node>/<device>
      if (topic.split('/')[3] !== this.node) return;
      this.count += this.live(payload);
      this.messages++;
      if (this.columns.timestamp >= 0) {
        const lag = Date.now() - this.columns.timestamp;
        this.lagSum += lag;
        this.lagCount++;
        if (lag > this.lagMax) this.lagMax = lag;
      }
    });
  }

  /**
   * Metrics of a DDATA that are not historical: what the CLI stored before it was online and
   * replays later (store-and-forward) is not part of the rate. The column scan reads the common
   * shape without objects; anything else is decoded in full.
   */
  private live(payload: Buffer): number {
    const c = this.columns;
    if (!scanDataPayload(payload, c)) return (decodePayload(payload).metrics ?? []).filter((m) => m.isHistorical !== true).length;
    let n = 0;
    for (let i = 0; i < c.length; i++) if (((c.flags[i] ?? 0) & SCAN_HISTORICAL) === 0) n++;
    return n;
  }

  static async connect(url: string): Promise<MetricCounter> {
    const client = connect(url, { clientId: 'bench-cli-counter', reconnectPeriod: 0 });
    await new Promise<void>((resolve, reject) => client.once('connect', () => resolve()).once('error', reject));
    await client.subscribeAsync(`spBv1.0/${GROUP}/DDATA/#`, { qos: 0 });
    return new MetricCounter(client);
  }

  /** Counts `node` from now on, from zero. */
  watch(node: string): void {
    this.node = node;
    this.count = 0;
    this.messages = 0;
  }

  delivered(): number {
    return this.count;
  }

  /** Mean and max ms from a DDATA's timestamp to its arrival here, since the last call. */
  lag(): { meanMs: number; maxMs: number } {
    const out = { meanMs: this.lagCount === 0 ? Number.NaN : this.lagSum / this.lagCount, maxMs: this.lagMax };
    this.lagSum = 0;
    this.lagMax = 0;
    this.lagCount = 0;
    return out;
  }

  /** DDATA messages of the watched node so far. */
  deliveredMessages(): number {
    return this.messages;
  }

  close(): Promise<void> {
    return this.client.endAsync();
  }
}
