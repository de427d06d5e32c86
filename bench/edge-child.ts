/**
 * One contender of the edge benchmark in its own process (forked by bench/edge.ts), so that its
 * CPU time (process.cpuUsage) and peak RSS (resourceUsage().maxRSS) are its own. It connects, says
 * `ready`, then runs what the parent asks, one command at a time, so the parent can interleave the
 * contenders' runs (background load then hits them alike). Job as JSON in argv[2].
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { performance } from 'node:perf_hooks';
import { createContender, type Contender, type ContenderName, type Workload } from './edge-contenders.js';

export interface EdgeJob {
  mode: 'worker';
  contender: ContenderName;
  url: string;
  workload: Workload;
}

/** Parent → worker. */
export type EdgeCommand =
  | { cmd: 'saturate'; ms: number }
  | { cmd: 'paced'; ms: number; scansPerSec: number }
  | { cmd: 'profile'; file: string | undefined }
  | { cmd: 'close' };

export interface RunSample {
  metrics: number;
  messages: number;
  bytes: number;
  wallMs: number;
  cpuUs: number;
}

/** Worker → parent. */
export type ChildMessage =
  | { type: 'ready' }
  | { type: 'sample'; sample: RunSample }
  | { type: 'ok' }
  | { type: 'closed'; maxRssKb: number };

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function send(msg: ChildMessage): Promise<void> {
  return new Promise((resolve, reject) => {
    if (process.send === undefined) {
      process.stdout.write(`${JSON.stringify(msg)}\n`);
      resolve();
      return;
    }
    process.send(msg, undefined, {}, (e) => (e === null ? resolve() : reject(e)));
  });
}

function mark(c: Contender): () => RunSample {
  const m = c.metricsPublished();
  const n = c.messagesPublished();
  const b = c.bytesPublished();
  const cpu = process.cpuUsage();
  const t = performance.now();
  return () => {
    const d = process.cpuUsage(cpu);
    return {
      metrics: c.metricsPublished() - m,
      messages: c.messagesPublished() - n,
      bytes: c.bytesPublished() - b,
      wallMs: performance.now() - t,
      cpuUs: d.user + d.system,
    };
  };
}

/** As fast as the transport accepts: round after round, one event-loop turn between rounds. */
async function saturate(c: Contender, ms: number): Promise<RunSample> {
  const end = mark(c);
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    await c.round();
    await tick();
  }
  return end();
}

/** Paced rounds on an absolute schedule (no drift) for `ms`. */
async function paced(c: Contender, scansPerSec: number, ms: number): Promise<RunSample> {
  const interval = 1000 / scansPerSec;
  const end = mark(c);
  const t0 = performance.now();
  for (let k = 1; ; k++) {
    await c.round();
    const next = t0 + k * interval;
    if (next >= t0 + ms) {
      await sleep(t0 + ms - performance.now());
      return end();
    }
    const wait = next - performance.now();
    if (wait > 0) await sleep(wait);
    else await tick();
  }
}

/** CPU profile of the measured runs only (not start-up or warm-up), via the inspector. */
class Profiler {
  private session: Session | undefined;
  async start(): Promise<void> {
    const s = new Session();
    s.connect();
    await s.post('Profiler.enable');
    await s.post('Profiler.setSamplingInterval', { interval: 250 });
    await s.post('Profiler.start');
    this.session = s;
  }
  async stop(file: string): Promise<void> {
    const s = this.session;
    if (s === undefined) return;
    const { profile } = await s.post('Profiler.stop');
    writeFileSync(file, JSON.stringify(profile));
    s.disconnect();
    this.session = undefined;
  }
}

async function worker(job: Extract<EdgeJob, { mode: 'worker' }>): Promise<void> {
  const id = `${job.contender}-${job.workload.metricsPerDevice}-${process.pid}`;
  const c = await createContender(job.contender, job.url, job.workload, id);
  const profiler = new Profiler();
  const commands: EdgeCommand[] = [];
  let wake: (() => void) | undefined;
  process.on('message', (m) => {
    commands.push(m as EdgeCommand);
    wake?.();
  });
  await send({ type: 'ready' });
  for (;;) {
    while (commands.length === 0) await new Promise<void>((r) => (wake = r));
    const cmd = commands.shift() as EdgeCommand;
    switch (cmd.cmd) {
      case 'saturate':
        await send({ type: 'sample', sample: await saturate(c, cmd.ms) });
        break;
      case 'paced':
        await send({ type: 'sample', sample: await paced(c, cmd.scansPerSec, cmd.ms) });
        break;
      case 'profile':
        if (cmd.file === undefined) await profiler.start();
        else await profiler.stop(cmd.file);
        await send({ type: 'ok' });
        break;
      case 'close':
        await c.close();
        await send({ type: 'closed', maxRssKb: process.resourceUsage().maxRSS });
        return;
      default: {
        const unreachable: never = cmd;
        throw new Error(`unknown command ${JSON.stringify(unreachable)}`);
      }
    }
  }
}

async function main(): Promise<void> {
  // An orphaned child (the parent died) must not keep publishing.
  process.on('disconnect', () => process.exit(1));
  const job = JSON.parse(process.argv[2] ?? '{}') as EdgeJob;
  await worker(job);
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`edge bench child failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
