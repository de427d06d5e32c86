/**
 * Runs a real node-opcua server (`opcua-server-process.ts`) in a child process per test, on a free
 * 127.0.0.1 port, with its certificate stores in a private temp dir.
 *
 * Usage: `const server = await startOpcuaServer(); t.after(() => server.dispose());`
 * A child process, so a test can SIGKILL the server like a crashed PLC and restart it on the same
 * port with the same certificate. As with `mosquitto.ts`, every server still alive when the test
 * process exits is SIGKILLed and its temp dir removed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './mosquitto.js';
import type { BulkStats, ReadyMessage, ServerProcessOptions, ServerReply, ServerRequest } from './opcua-server-process.js';
import { OPCUA_NAMESPACE_URI } from './opcua-variables.js';

const SCRIPT = fileURLToPath(new URL('./opcua-server-process.js', import.meta.url));
/** A start is ~1–2 s; the first one also creates the certificate, and a loaded CI box is slower. */
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 5_000;
const PORT_BUSY = Symbol('port busy');

export interface OpcuaServerOptions {
  /** A free one is picked when absent. */
  port?: number;
  /** Sign / SignAndEncrypt with Basic256Sha256 and user op/secret only; default: None, anonymous. */
  security?: boolean;
  /** `count` Double variables Bulk.00000… under Objects/Plant/Bulk, all changed every `intervalMs`. */
  bulk?: { count: number; intervalMs: number };
  /** OperationLimits.MaxMonitoredItemsPerCall (node-opcua's default is 10,000). */
  maxMonitoredItemsPerCall?: number;
}

export interface OpcuaTestServer {
  readonly port: number;
  /** `opc.tcp://127.0.0.1:<port>` */
  readonly endpoint: string;
  /** Namespace ns=1: 'urn:sparkstate:test'. */
  readonly namespaceUri: string;
  /** Temp dir holding the server's certificate stores (`pki/`); tests may put files here. */
  readonly dir: string;
  /** The server's application certificate (PEM file path) — what a client must trust. */
  readonly certificateFile: string;
  /** Sets a variable from the source side; `status` is 'Good' | 'Bad' | 'Uncertain' or a StatusCode name. */
  set(name: string, value: unknown, status?: string): Promise<void>;
  /** The current value as opcua-variables.ts describes it (bigint, Buffer, Date …). */
  read(name: string): Promise<unknown>;
  /** How long the bulk timer takes to set every bulk variable (zero ticks without `bulk`). */
  bulkStats(): Promise<BulkStats>;
  /** Simulates a crash: SIGKILL and wait for the exit. */
  kill(): Promise<void>;
  /** Starts again (after a kill if running) on the same port and dir, so with the same certificate. */
  restart(): Promise<void>;
  /** Clean shutdown: SIGTERM, the server closes its endpoints. */
  stop(): Promise<void>;
  /** Kill (if running) and remove the temp dir. Idempotent. */
  dispose(): Promise<void>;
  /** The server process's stdout and stderr so far (for failure messages). */
  log(): string;
}

const live = new Set<ChildProcess>();
const dirs = new Set<string>();
let exitHookInstalled = false;

/** Last-resort cleanup: runs synchronously at process exit, so only sync calls are possible. */
function onExit(): void {
  for (const child of live) child.kill('SIGKILL');
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

function waitExit(child: ChildProcess): Promise<void> {
  if (exited(child)) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

function isReady(m: unknown): m is ReadyMessage {
  return typeof m === 'object' && m !== null && Reflect.get(m, 'ready') === true;
}

function isReply(m: unknown): m is ServerReply {
  return typeof m === 'object' && m !== null && typeof Reflect.get(m, 'id') === 'number';
}

type Pending = { resolve: (value: unknown) => void; reject: (e: Error) => void };
type RequestBody = { op: 'set'; name: string; value: unknown; status?: string } | { op: 'read'; name: string } | { op: 'bulkStats' };

export async function startOpcuaServer(opts: OpcuaServerOptions = {}): Promise<OpcuaTestServer> {
  if (!exitHookInstalled) {
    process.on('exit', onExit);
    exitHookInstalled = true;
  }
  const dir = mkdtempSync(join(tmpdir(), 'sparkstate-opcua-'));
  dirs.add(dir);
  const childOpts = (port: number): ServerProcessOptions => ({
    port,
    pkiDir: join(dir, 'pki'),
    security: opts.security === true,
    ...(opts.bulk === undefined ? {} : { bulk: opts.bulk }),
    ...(opts.maxMonitoredItemsPerCall === undefined ? {} : { maxMonitoredItemsPerCall: opts.maxMonitoredItemsPerCall }),
  });

  let output = '';
  let child: ChildProcess | undefined;
  let nextId = 1;
  const pending = new Map<number, Pending>();

  const spawnOnce = (port: number): Promise<ReadyMessage> => {
    const c = spawn(process.execPath, [SCRIPT, JSON.stringify(childOpts(port))], {
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      // bigint, Date, Buffer and typed arrays cross the IPC channel unchanged.
      serialization: 'advanced',
      // Errors only: node-opcua warns at every start (e.g. W27 about PKCS#1 v1.5 on Node 20).
      env: { ...process.env, NODEOPCUA_LOG_LEVEL: '3' },
    });
    live.add(c);
    child = c;
    const append = (d: Buffer): void => void (output += d.toString());
    c.stdout?.on('data', append);
    c.stderr?.on('data', append);
    c.on('message', (m: unknown) => {
      if (!isReply(m)) return;
      const p = pending.get(m.id);
      pending.delete(m.id);
      if (m.ok) p?.resolve(m.value);
      else p?.reject(new Error(m.error));
    });
    c.once('exit', (code, sig) => {
      live.delete(c);
      output += `[opcua-server-process exited: ${sig ?? `code ${String(code)}`}]\n`;
      for (const p of pending.values()) p.reject(new Error('OPC UA test server exited'));
      pending.clear();
    });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        c.kill('SIGKILL');
        reject(new Error(`OPC UA server did not get ready on ${port} within ${START_TIMEOUT_MS} ms:\n${output}`));
      }, START_TIMEOUT_MS);
      c.on('message', (m: unknown) => {
        if (!isReady(m)) return;
        clearTimeout(timer);
        resolve(m);
      });
      c.once('exit', (code) => {
        clearTimeout(timer);
        reject(
          new Error(`OPC UA server exited before it was ready (code ${String(code)}):\n${output}`, {
            cause: /EADDRINUSE/.test(output) ? PORT_BUSY : undefined,
          }),
        );
      });
    });
  };

  // Another process may take a free port before the server listens on it: then try another one.
  const spawnOnFreePort = async (): Promise<{ port: number; ready: ReadyMessage }> => {
    for (let attempt = 1; ; attempt++) {
      const port = opts.port ?? (await freePort());
      try {
        return { port, ready: await spawnOnce(port) };
      } catch (e: unknown) {
        if (opts.port !== undefined || attempt >= 5 || !(e instanceof Error) || e.cause !== PORT_BUSY) throw e;
      }
    }
  };

  const signal = async (sig: NodeJS.Signals): Promise<void> => {
    if (child === undefined || exited(child)) return;
    const c = child;
    c.kill(sig);
    if (sig === 'SIGKILL') return waitExit(c);
    // A graceful shutdown that hangs must not hang the test.
    const timer = setTimeout(() => c.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await waitExit(c);
    clearTimeout(timer);
  };

  const request = (body: RequestBody): Promise<unknown> => {
    const c = child;
    if (c === undefined || exited(c) || !c.connected) return Promise.reject(new Error('OPC UA test server is not running'));
    const id = nextId++;
    const req: ServerRequest = { id, ...body };
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      c.send(req);
    });
  };

  let disposed = false;
  const removeDir = (): void => {
    rmSync(dir, { recursive: true, force: true });
    dirs.delete(dir);
  };
  const { port, ready } = await spawnOnFreePort().catch((e: unknown) => {
    removeDir();
    throw e;
  });

  return {
    port,
    endpoint: ready.endpoint,
    namespaceUri: OPCUA_NAMESPACE_URI,
    dir,
    certificateFile: ready.certificateFile,
    set: async (name, value, status) => {
      await request(status === undefined ? { op: 'set', name, value } : { op: 'set', name, value, status });
    },
    read: (name) => request({ op: 'read', name }),
    bulkStats: async () => (await request({ op: 'bulkStats' })) as BulkStats,
    kill: () => signal('SIGKILL'),
    stop: () => signal('SIGTERM'),
    restart: async () => {
      if (disposed) throw new Error('OPC UA test server disposed');
      await signal('SIGKILL');
      // The killed server's listening socket closed with its process: the port is free again.
      await spawnOnce(port);
    },
    dispose: async () => {
      if (disposed) return;
      disposed = true;
      await signal('SIGKILL');
      removeDir();
    },
    log: () => output,
  };
}
