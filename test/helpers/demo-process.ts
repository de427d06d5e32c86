/** `sparkstate demo` as a child process (the built CLI), with its stdout collected line by line. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

export interface DemoProcess {
  readonly child: ChildProcess;
  /** stdout so far. */
  readonly stdout: () => string;
  /** The page's URL from the first line, e.g. http://127.0.0.1:8080 (no trailing slash). */
  readonly url: string;
  /** Resolves with the first match of `re` in stdout (so far or to come). */
  waitFor(re: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** SIGTERM (a clean stop: NDEATH first) and wait for the exit; SIGKILL after 5 s. */
  stop(): Promise<void>;
}

export async function startDemo(args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<DemoProcess> {
  const child = spawn(process.execPath, [MAIN, 'demo', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const waiters = new Set<() => void>();
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    out += d;
    for (const w of [...waiters]) w();
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('exit', () => {
    for (const w of [...waiters]) w();
  });
  const waitFor = (re: RegExp, timeoutMs = 10_000): Promise<RegExpMatchArray> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const m = out.match(re);
        if (m !== null) {
          done();
          resolve(m);
        } else if (child.exitCode !== null || child.signalCode !== null) {
          done();
          reject(new Error(`demo exited (${String(child.exitCode ?? child.signalCode)}) before ${String(re)}\nstdout:\n${out}\nstderr:\n${err}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no ${String(re)} within ${timeoutMs} ms\nstdout:\n${out}\nstderr:\n${err}`));
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(killer);
  };
  try {
    const first = await waitFor(/^sparkstate demo: open (http:\/\/\S+?)\/ in a browser$/m);
    return { child, stdout: () => out, url: first[1] ?? '', waitFor, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
