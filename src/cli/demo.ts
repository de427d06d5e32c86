/**
 * `sparkstate demo`: an embedded MQTT broker (aedes), a host application with its HTTP API and live
 * web page, a simulated edge node that waits for that host (primary host), and a sniffer that
 * prints what goes over the wire. Needs nothing installed.
 */
import { createServer, type AddressInfo, type Server } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Aedes } from 'aedes';
import type { Logger } from 'pino';
import { parseEdgeConfig, parseHostConfig } from '../config/index.js';
import { createEdgeNode } from '../edge/from-config.js';
import { ErrorCodes, SparkplugError } from '../errors.js';
import { createHostApplication } from '../host/from-config.js';
import { createHttpServer, type HttpServer, type DemoControls } from '../web/index.js';
import type { HostApplication } from '../host/index.js';
import { createLogger } from './logger.js';
import { watchStopSignals } from './signals.js';
import { startSniffer } from './sniff.js';

// Short back-off: after "restart broker" the visitor should see everything come back within seconds.
const DEMO_EDGE = (url: string, storeDir: string): string => `
mqtt: { servers: ["${url}"], backoff: { initialMs: 200, maxMs: 1000 } }
sparkplug: { groupId: Demo, edgeNodeId: Line1, primaryHostId: demo-host }
scanIntervalMs: 1000
storeDir: ${JSON.stringify(storeDir)}
logLevel: warn
metrics:
  - { name: Uptime, type: Int64, generator: counter }
devices:
  - id: Filler
    metrics:
      - { name: Temperature, type: Double, generator: sine, min: 20, max: 80, periodMs: 60000, unit: "°C", deadband: { absolute: 0.5 } }
      - { name: Count, type: Int64, generator: counter }
      - { name: Setpoint, type: Float, generator: constant, value: 42, writable: true }
  - id: Capper
    metrics:
      - { name: Torque, type: Double, generator: randomWalk, min: 0, max: 10, step: 0.2 }
      - { name: Running, type: Boolean, generator: constant, value: true, writable: true }
`;

const DEMO_HOST = (url: string): string => `
mqtt: { servers: ["${url}"], backoff: { initialMs: 200, maxMs: 1000 } }
sparkplug: { hostId: demo-host }
logLevel: warn
`;

/** How long "restart broker" leaves the broker down: long enough to see the node turn stale. */
const BROKER_DOWN_MS = 2500;

export interface DemoOptions {
  /** Broker port (0 = any free port); when absent, MQTT_PORT, else any free port. */
  readonly port?: number | undefined;
  /** HTTP port (0 = any free port); when absent, HTTP_PORT, else 8080. */
  readonly httpPort?: number | undefined;
  /** Stop after this many seconds (tests); else run until SIGINT/SIGTERM. */
  readonly durationSec?: number | undefined;
}

function envPort(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const v = env[name];
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new SparkplugError(ErrorCodes.CONFIG, `${name}: expected a port number 0-65535, got ${JSON.stringify(v)}`);
  return n;
}

/** The ports to try: command-line option, else environment variable, else the default. */
export function demoPorts(opts: DemoOptions, env: NodeJS.ProcessEnv): { mqtt: number; http: number } {
  return { mqtt: opts.port ?? envPort(env, 'MQTT_PORT') ?? 0, http: opts.httpPort ?? envPort(env, 'HTTP_PORT') ?? 8080 };
}

function isAddressInUse(e: unknown): boolean {
  return e instanceof Error && 'code' in e && e.code === 'EADDRINUSE';
}

/** `listen(port)`, or `listen(0)` when that port is taken; `taken` says which happened. */
async function withFallback<T>(port: number, listen: (port: number) => Promise<T>): Promise<{ value: T; taken: boolean }> {
  try {
    return { value: await listen(port), taken: false };
  } catch (e) {
    if (port === 0 || !isAddressInUse(e)) throw e;
    return { value: await listen(0), taken: true };
  }
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** The embedded aedes broker, restartable on the same port. */
class EmbeddedBroker {
  private restarting = false;
  private stopped = false;

  private constructor(
    private broker: Aedes,
    private server: Server,
    readonly port: number,
  ) {}

  static async start(port: number): Promise<{ value: EmbeddedBroker; taken: boolean }> {
    return withFallback(port, async (p) => {
      const broker = await Aedes.createBroker();
      const server = createServer(broker.handle);
      try {
        return new EmbeddedBroker(broker, server, await listen(server, p));
      } catch (e) {
        await new Promise<void>((resolve) => broker.close(() => resolve()));
        throw e;
      }
    });
  }

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  /** Every client is dropped (then `down()` is called); after `downMs` a fresh broker (nothing retained) listens on the same port. */
  async restart(downMs: number, down: () => void): Promise<void> {
    if (this.restarting || this.stopped) throw new SparkplugError(ErrorCodes.LIFECYCLE, this.stopped ? 'the demo is stopping' : 'the broker is already restarting');
    this.restarting = true;
    try {
      await this.close();
      down();
      await new Promise((r) => setTimeout(r, downMs));
      if (this.stopped) throw new SparkplugError(ErrorCodes.LIFECYCLE, 'the demo is stopping');
      this.broker = await Aedes.createBroker();
      this.server = createServer(this.broker.handle);
      await listen(this.server, this.port);
    } finally {
      this.restarting = false;
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.close();
  }

  private async close(): Promise<void> {
    await new Promise<void>((resolve) => this.broker.close(() => resolve()));
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

async function startHttp(host: HostApplication, port: number, demo: DemoControls, log: Logger): Promise<{ value: HttpServer; taken: boolean }> {
  return withFallback(port, (p) => createHttpServer(host, { port: p, host: '127.0.0.1', logger: log, demo }));
}

/** What a visitor can try, printed right after the page's URL. */
function tips(http: HttpServer, broker: EmbeddedBroker, notes: readonly string[]): string {
  return [
    `sparkstate demo: open ${http.url}/ in a browser`,
    ...notes.map((n) => `  (${n})`),
    '  Try: expand Demo > Line1 > Filler and watch Temperature and Count change live',
    '       "Write" on Filler/Setpoint (e.g. 55.5) sends a DCMD; the new value comes back in DDATA',
    '       "Rebirth" on Line1 asks for a new NBIRTH: the rebirth counter and the birth time change',
    '       "Restart broker" drops every MQTT client: Line1 turns STALE, then births again',
    `  Also: ${http.url}/api/state (JSON), ${http.url}/metrics (Prometheus), MQTT broker ${broker.url}`,
    '  Ctrl-C stops (NDEATH and the offline STATE go out first). Decoded Sparkplug traffic follows:',
    '',
  ].join('\n');
}

export async function demoCommand(opts: DemoOptions): Promise<void> {
  const log = createLogger('warn', 'sparkstate-demo');
  // Listening before start-up: a Ctrl-C while the demo starts still ends in NDEATH and offline STATE.
  const stop = watchStopSignals(log);
  const ports = demoPorts(opts, process.env);
  const out = (line: string): void => void process.stdout.write(`${line}\n`);
  const broker = await EmbeddedBroker.start(ports.mqtt);
  const mqtt = broker.value;
  const storeDir = await mkdtemp(join(tmpdir(), 'sparkstate-demo-'));
  const host = createHostApplication(await parseHostConfig(DEMO_HOST(mqtt.url), {}, 'demo-host.yaml'), { logger: log });
  const demo: DemoControls = {
    restartBroker: async () => {
      await mqtt.restart(BROKER_DOWN_MS, () => out(`demo: MQTT broker down for ${BROKER_DOWN_MS / 1000} s`));
      out(`demo: MQTT broker back on ${mqtt.url}`);
    },
  };
  const http = await startHttp(host, ports.http, demo, log);
  const notes: string[] = [];
  if (http.taken) notes.push(`HTTP port ${ports.http} is taken: using ${http.value.port}`);
  if (broker.taken) notes.push(`MQTT port ${ports.mqtt} is taken: using ${mqtt.port}`);
  process.stdout.write(tips(http.value, mqtt, notes));
  const sniffer = await startSniffer(mqtt.url, log, out);
  await host.start();
  const node = await createEdgeNode(await parseEdgeConfig(DEMO_EDGE(mqtt.url, storeDir), {}, 'demo.yaml'), { logger: log });
  await node.start();
  const shutdown = async (): Promise<void> => {
    await node.stop();
    await host.stop();
    await http.value.close();
    await sniffer.stop();
    await mqtt.stop();
    await rm(storeDir, { recursive: true, force: true });
  };
  if (opts.durationSec !== undefined) {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([new Promise((r) => (timer = setTimeout(r, (opts.durationSec ?? 0) * 1000))), stop.received]);
    clearTimeout(timer);
    await shutdown();
    return;
  }
  await stop.stopWith(shutdown);
}
