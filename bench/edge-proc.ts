/**
 * Process plumbing for the edge benchmark: a private Mosquitto, forked children, and cleanup of
 * both on normal exit, on Ctrl-C / SIGTERM and on a thrown error.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startMosquitto, type Broker } from '../test/helpers/mosquitto.js';
import type { ChildMessage, EdgeCommand, EdgeJob } from './edge-child.js';

const CHILD = fileURLToPath(new URL('./edge-child.js', import.meta.url));
const children = new Set<ChildProcess>();

function killAll(): void {
  for (const c of children) c.kill('SIGKILL');
}

/**
 * Runs `body` with a fresh broker; the broker and every child still running are killed when it
 * ends, however it ends (startMosquitto's own exit hook removes its temp dir).
 */
export async function withBroker<T>(body: (broker: Broker) => Promise<T>): Promise<T> {
  const broker = await startMosquitto();
  const onSignal = (sig: NodeJS.Signals): void => {
    killAll();
    process.stderr.write(`\nedge bench: ${sig}, stopped children and broker\n`);
    // The exit hook of the Mosquitto helper kills the broker and removes its dir.
    process.exit(130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('exit', killAll);
  try {
    return await body(broker);
  } finally {
    killAll();
    await broker.dispose();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('exit', killAll);
  }
}

/** A forked worker that runs one command at a time (see EdgeCommand); each answers with one message. */
export class Worker {
  private readonly child: ChildProcess;
  private readonly inbox: ChildMessage[] = [];
  private waiting: { resolve: (m: ChildMessage) => void; reject: (e: Error) => void } | undefined;
  private failure: Error | undefined;

  constructor(job: Extract<EdgeJob, { mode: 'worker' }>) {
    const child = fork(CHILD, [JSON.stringify(job)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    children.add(child);
    this.child = child;
    child.on('message', (m) => {
      const w = this.waiting;
      this.waiting = undefined;
      if (w === undefined) this.inbox.push(m as ChildMessage);
      else w.resolve(m as ChildMessage);
    });
    child.once('exit', (code, signal) => {
      children.delete(child);
      this.failure = new Error(`edge bench worker ${job.contender} exited (${code ?? signal ?? '?'})`);
      this.waiting?.reject(this.failure);
      this.waiting = undefined;
    });
  }

  /** The next message from the worker (rejects if it exits or takes longer than `timeoutMs`). */
  next(timeoutMs = 120_000): Promise<ChildMessage> {
    const queued = this.inbox.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.failure !== undefined) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('edge bench worker did not answer in time')), timeoutMs);
      this.waiting = {
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
    });
  }

  async request(cmd: EdgeCommand): Promise<ChildMessage> {
    this.child.send(cmd);
    return this.next();
  }

  async close(): Promise<number> {
    const m = await this.request({ cmd: 'close' });
    await new Promise<void>((r) => (this.child.exitCode === null ? this.child.once('exit', () => r()) : r()));
    return m.type === 'closed' ? m.maxRssKb : 0;
  }
}
