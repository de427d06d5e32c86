/**
 * Spawns a private Mosquitto per test on a free 127.0.0.1 port (never the machine's broker on 1883).
 *
 * Usage: `const broker = await startMosquitto(); t.after(() => broker.dispose());`
 * Tests should always dispose in `after`/`t.after`; as a safety net every broker still alive when
 * the test process exits is SIGKILLed and its temp dir removed (see `onExit` below).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sleep } from './wait.js';

const MOSQUITTO = '/usr/sbin/mosquitto';
const START_TIMEOUT_MS = 5_000;
const PORT_BUSY = Symbol('port busy');

export interface MosquittoOptions {
  /** `persistence true` in the temp dir, saved after every change so a SIGKILL loses nothing. */
  persistence?: boolean;
  /** Port of the plain listener; a free one is picked when absent. */
  port?: number;
  /** Default true. With false, give a `password_file` in `extraConfig`. */
  allowAnonymous?: boolean;
  /** Appended verbatim (extra listeners, TLS files, password_file). Use `freePort()` for ports. */
  extraConfig?: string;
  /**
   * A whole configuration (e.g. one written by config/mosquitto/dev-setup.sh) run instead of the
   * plain listener: only the log settings are added. Needs `port`, a listener of that config.
   */
  baseConfig?: string;
}

export interface Broker {
  readonly port: number;
  /** `mqtt://127.0.0.1:<port>` */
  readonly url: string;
  /** Temp dir holding the config, log and persistence file; tests may put certificates here. */
  readonly dir: string;
  /** Simulates a crash: SIGKILL and wait for the exit. */
  kill(): Promise<void>;
  /** Clean shutdown: SIGTERM and wait for the exit (Mosquitto saves persistence then). */
  stop(): Promise<void>;
  /** Starts again on the same port with the same config and persistence dir. */
  restart(): Promise<void>;
  /** Kill (if running) and remove the temp dir. Idempotent. */
  dispose(): Promise<void>;
  /** The broker's log so far (for failure messages). */
  log(): string;
  /** The running broker's process id (benchmarks read its CPU time from /proc). */
  pid(): number | undefined;
}

const live = new Set<ChildProcess>();
const dirs = new Set<string>();
let exitHookInstalled = false;

/** Last-resort cleanup: runs synchronously at process exit, so only sync calls are possible. */
function onExit(): void {
  for (const child of live) child.kill('SIGKILL');
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
}

/** A port that was free a moment ago (bind to 0, read it, close). Races are retried by callers. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => (port > 0 ? resolve(port) : reject(new Error('no port assigned'))));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = createConnection({ port, host: '127.0.0.1' });
    sock.once('connect', () => {
      sock.destroy();
      resolve(true);
    });
    sock.once('error', () => resolve(false));
  });
}

function waitExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

export async function startMosquitto(opts: MosquittoOptions = {}): Promise<Broker> {
  if (!exitHookInstalled) {
    process.on('exit', onExit);
    exitHookInstalled = true;
  }
  const dir = mkdtempSync(join(tmpdir(), 'sparkstate-mosq-'));
  dirs.add(dir);
  if (opts.baseConfig !== undefined && opts.port === undefined) throw new Error('baseConfig needs port');
  const port = opts.port ?? (await freePort());
  const logFile = join(dir, 'mosquitto.log');
  const listener =
    opts.baseConfig === undefined
      ? [
          `listener ${port} 127.0.0.1`,
          `allow_anonymous ${opts.allowAnonymous === false ? 'false' : 'true'}`,
          // Running as root, Mosquitto would drop to user "mosquitto", which cannot write our temp dir.
          ...(process.getuid?.() === 0 ? ['user root'] : []),
        ]
      : [opts.baseConfig];
  const conf = [
    ...listener,
    `log_dest file ${logFile}`,
    'log_type error',
    'log_type warning',
    'log_type notice',
    'log_type information',
    'connection_messages true',
    ...(opts.persistence === true
      ? ['persistence true', `persistence_location ${dir}/`, 'autosave_on_changes true', 'autosave_interval 1']
      : []),
    opts.extraConfig ?? '',
    '',
  ].join('\n');
  const confFile = join(dir, 'mosquitto.conf');
  writeFileSync(confFile, conf);

  let child: ChildProcess | undefined;
  const readLog = (): string => {
    try {
      return readFileSync(logFile, 'utf8');
    } catch {
      return '(no log file)';
    }
  };

  const spawnOnce = async (): Promise<void> => {
    const c = spawn(MOSQUITTO, ['-c', confFile], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    c.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    live.add(c);
    c.once('exit', () => live.delete(c));
    child = c;
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (c.exitCode !== null || c.signalCode !== null) {
        const text = `${stderr}\n${readLog()}`;
        throw new Error(`mosquitto exited early (code ${String(c.exitCode)}):\n${text}`, {
          cause: /address already in use/i.test(text) ? PORT_BUSY : undefined,
        });
      }
      if (await canConnect(port)) return;
      await sleep(20);
    }
    c.kill('SIGKILL');
    throw new Error(`mosquitto did not accept connections on ${port} within ${START_TIMEOUT_MS} ms:\n${readLog()}`);
  };

  // A just-killed broker's port can be briefly unavailable: retry that case a few times.
  const spawnWithRetry = async (): Promise<void> => {
    for (let attempt = 1; ; attempt++) {
      try {
        await spawnOnce();
        return;
      } catch (e: unknown) {
        if (attempt >= 5 || !(e instanceof Error) || e.cause !== PORT_BUSY) throw e;
        await sleep(100 * attempt);
      }
    }
  };

  const signal = async (sig: NodeJS.Signals): Promise<void> => {
    if (child === undefined) return;
    const c = child;
    c.kill(sig);
    await waitExit(c);
  };

  let disposed = false;
  await spawnWithRetry().catch((e: unknown) => {
    rmSync(dir, { recursive: true, force: true });
    dirs.delete(dir);
    throw e;
  });

  return {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    dir,
    kill: () => signal('SIGKILL'),
    stop: () => signal('SIGTERM'),
    restart: async () => {
      if (disposed) throw new Error('broker disposed');
      await signal('SIGKILL');
      await spawnWithRetry();
    },
    dispose: async () => {
      if (disposed) return;
      disposed = true;
      await signal('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
      dirs.delete(dir);
    },
    log: readLog,
    pid: () => child?.pid,
  };
}
