/**
 * `sparkstate demo`: an embedded MQTT broker (aedes), a host application with its HTTP API, a
 * simulated edge node that waits for that host (primary host), and a sniffer that prints what
 * goes over the wire. Needs nothing installed.
 */
import { createServer, type AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Aedes } from 'aedes';
import { parseEdgeConfig, parseHostConfig } from '../config/index.js';
import { createEdgeNode } from '../edge/from-config.js';
import { createHostApplication } from '../host/from-config.js';
import { createHttpServer } from '../web/index.js';
import { createLogger } from './logger.js';
import { runUntilSignal } from './signals.js';
import { startSniffer } from './sniff.js';

const DEMO_EDGE = (url: string, storeDir: string): string => `
mqtt: { servers: ["${url}"] }
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
mqtt: { servers: ["${url}"] }
sparkplug: { hostId: demo-host }
http: { port: 0 }
logLevel: warn
`;

export async function demoCommand(opts: { port: number; httpPort: number; durationSec?: number }): Promise<void> {
  const log = createLogger('warn', 'sparkstate-demo');
  const broker = await Aedes.createBroker();
  const server = createServer(broker.handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `mqtt://127.0.0.1:${port}`;
  const storeDir = await mkdtemp(join(tmpdir(), 'sparkstate-demo-'));
  process.stdout.write(`sparkstate demo: embedded MQTT broker on ${url} (Ctrl-C to stop)\n`);
  const sniffer = await startSniffer(url, log, (line) => process.stdout.write(`${line}\n`));
  const host = createHostApplication(await parseHostConfig(DEMO_HOST(url), {}, 'demo-host.yaml'), { logger: log });
  // 8080 is often taken on a developer's machine: the demo then takes any free port rather than failing.
  const http = await createHttpServer(host, { port: opts.httpPort, host: '127.0.0.1', logger: log }).catch((e: unknown) => {
    if (e instanceof Error && 'code' in e && e.code === 'EADDRINUSE') {
      return createHttpServer(host, { port: 0, host: '127.0.0.1', logger: log });
    }
    throw e;
  });
  process.stdout.write(`host application "demo-host": live model at ${http.url}/api/state, metrics at ${http.url}/metrics\n`);
  await host.start();
  const node = await createEdgeNode(await parseEdgeConfig(DEMO_EDGE(url, storeDir), {}, 'demo.yaml'), { logger: log });
  await node.start();
  const shutdown = async (): Promise<void> => {
    await node.stop();
    await host.stop();
    await http.close();
    await sniffer.stop();
    await new Promise<void>((resolve) => broker.close(() => resolve()));
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await rm(storeDir, { recursive: true, force: true });
  };
  if (opts.durationSec !== undefined) {
    await new Promise((r) => setTimeout(r, opts.durationSec === undefined ? 0 : opts.durationSec * 1000));
    await shutdown();
    return;
  }
  await runUntilSignal(log, shutdown);
}
