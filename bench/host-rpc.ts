/**
 * Process plumbing for the host benchmark: forked children that answer commands (request/reply
 * over IPC), a private Mosquitto, and cleanup of both however the run ends.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CHILD = fileURLToPath(new URL('./host-child.js', import.meta.url));
const children = new Set<ChildProcess>();

export function killAllChildren(): void {
  for (const c of children) c.kill('SIGKILL');
  children.clear();
}

interface Reply {
  id: number;
  ok: boolean;
  data?: unknown;
  error?: string;
}

/** One forked child of bench/host-child.ts in a role; `call` sends a command and awaits its reply. */
export class Proc {
  readonly child: ChildProcess;
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private exited = false;
  readonly exit: Promise<void>;

  constructor(role: string, args: unknown, execArgv: string[] = []) {
    this.child = fork(CHILD, [role, JSON.stringify(args)], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    children.add(this.child);
    this.child.on('message', (m) => {
      const r = m as Reply;
      const w = this.waiting.get(r.id);
      if (w === undefined) return;
      this.waiting.delete(r.id);
      if (r.ok) w.resolve(r.data);
      else w.reject(new Error(`${role}: ${r.error ?? 'failed'}`));
    });
    this.exit = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.exited = true;
        children.delete(this.child);
        for (const w of this.waiting.values()) w.reject(new Error(`${role} child exited (${code ?? signal ?? '?'})`));
        this.waiting.clear();
        resolve();
      });
    });
  }

  call<T>(cmd: string, args: unknown = {}, timeoutMs = 120_000): Promise<T> {
    if (this.exited) return Promise.reject(new Error(`child exited before ${cmd}`));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(`${cmd} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v as T);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.child.send({ id, cmd, args });
    });
  }

  async kill(): Promise<void> {
    if (!this.exited) this.child.kill('SIGKILL');
    await this.exit;
  }
}

/** Child side: dispatches commands to handlers; the reply carries the handler's result or error. */
export function serve(handlers: Record<string, (args: Record<string, unknown>) => Promise<unknown> | unknown>): void {
  process.on('message', (m) => {
    const msg = m as { id: number; cmd: string; args: Record<string, unknown> };
    const h = handlers[msg.cmd];
    const reply = (r: Reply): void => {
      process.send?.(r);
    };
    if (h === undefined) {
      reply({ id: msg.id, ok: false, error: `unknown command ${msg.cmd}` });
      return;
    }
    Promise.resolve()
      .then(() => h(msg.args))
      .then(
        (data) => reply({ id: msg.id, ok: true, data }),
        (e: unknown) => reply({ id: msg.id, ok: false, error: e instanceof Error ? (e.stack ?? e.message) : String(e) }),
      );
  });
  process.on('disconnect', () => process.exit(0));
}
