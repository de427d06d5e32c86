/**
 * A command run as its own process group (`detached: true`), signalled the way a terminal's Ctrl-C
 * or `docker stop` signals it: to the whole group. Output is collected; SIGKILLed after the test.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Scope } from '../host/broker-helpers.js';
import { waitUntil } from '../helpers/wait.js';

/** build/test/cli/ → build/src/cli/main.js (what `npm test` compiles). */
export const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

export interface GroupProcess {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Exit code, or the signal that killed it. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Sends `signal` to every process of the group, `times` times in a row (no delay). */
  signalGroup(signal: NodeJS.Signals, times?: number): void;
  /** Waits until stdout matches, failing with both outputs. */
  waitForStdout(pattern: RegExp, timeoutMs: number): Promise<void>;
}

export function spawnGroup(s: Scope, command: string, args: readonly string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): GroupProcess {
  const child = spawn(command, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'], cwd: opts.cwd, env: opts.env ?? process.env });
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not spawn ${command}`);
  const signalGroup = (signal: NodeJS.Signals, times = 1): void => {
    for (let i = 0; i < times; i++) process.kill(-pid, signal);
  };
  s.after(() => {
    try {
      signalGroup('SIGKILL'); // whatever is left of the group (npm's children included)
    } catch {
      // the group is gone already
    }
  });
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    signalGroup,
    waitForStdout: (pattern, timeoutMs) =>
      waitUntil(() => pattern.test(out), timeoutMs, `stdout to match ${String(pattern)}`, 50).catch((e: unknown) => {
        throw new Error(`${String(e)}\nstdout:\n${out}\nstderr:\n${err}`);
      }),
  };
}
