/** Shared parts of the OPC UA source tests: a recording sink, a captured logger, a source factory. */
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { pino, type Logger } from 'pino';
import type { OpcuaDeviceConfig, OpcuaMetricConfig } from '../../../src/config/opcua.js';
import type { MetricValue } from '../../../src/payload/types.js';
import { createOpcuaSource } from '../../../src/sources/opcua/index.js';
import type { OpcuaSource } from '../../../src/sources/opcua/index.js';
import type { BadQuality, ChangeSink } from '../../../src/sources/types.js';
import { waitUntil } from '../../helpers/wait.js';

export type SinkEvent =
  | { readonly kind: 'update'; readonly index: number; readonly value: MetricValue; readonly timestamp: number }
  | { readonly kind: 'invalidate'; readonly index: number; readonly quality: BadQuality; readonly status: string; readonly timestamp: number }
  | { readonly kind: 'connectivity'; readonly online: boolean; readonly at: number };

/** Records every call, and the source's connectivity events, in one ordered list. */
export class RecordingSink implements ChangeSink {
  readonly events: SinkEvent[] = [];
  /** Last value per metric (undefined after an invalidation), so bulk tests poll cheaply. */
  readonly #latest = new Map<number, MetricValue | undefined>();

  update(index: number, value: MetricValue, timestamp: number): void {
    this.events.push({ kind: 'update', index, value, timestamp });
    this.#latest.set(index, value);
  }

  invalidate(index: number, quality: BadQuality, status: string, timestamp: number): void {
    this.events.push({ kind: 'invalidate', index, quality, status, timestamp });
    this.#latest.set(index, undefined);
  }

  connectivity(online: boolean): void {
    this.events.push({ kind: 'connectivity', online, at: Date.now() });
  }

  /** The updates and invalidations of metric `index`, oldest first. */
  of(index: number): SinkEvent[] {
    return this.events.filter((e) => e.kind !== 'connectivity' && e.index === index);
  }

  /** The last reported value of metric `index` (undefined: none yet, or invalidated since). */
  value(index: number): MetricValue | undefined {
    return this.#latest.get(index);
  }
}

export interface LogLine {
  readonly level: number;
  readonly msg: string;
  readonly [key: string]: unknown;
}

export const LEVEL = { debug: 20, info: 30, warn: 40, error: 50 } as const;

/** A pino logger at debug level whose lines land in `lines`. */
export function captureLogger(): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) });
  return { logger, lines };
}

export function metric(name: string, nodeId: string, extra: Partial<OpcuaMetricConfig> = {}): OpcuaMetricConfig {
  return { name, nodeId, writable: false, ...extra };
}

export interface Started {
  readonly source: OpcuaSource;
  readonly sink: RecordingSink;
  readonly lines: LogLine[];
  readonly storeDir: string;
}

/** A config as the YAML loader would produce it, fast intervals for tests. */
export function deviceConfig(endpoint: string, metrics: OpcuaMetricConfig[], extra: Partial<OpcuaDeviceConfig> = {}): OpcuaDeviceConfig {
  return {
    id: 'Press',
    source: 'opcua',
    endpoint,
    securityMode: 'None',
    securityPolicy: 'None',
    acceptUnknownServerCertificate: false,
    publishingIntervalMs: 100,
    samplingMs: 0,
    metrics,
    ...extra,
  };
}

/** Creates a source with its own store dir (and `storeDir` reuse for PKI tests); stopped and removed after the test. */
export function makeSource(t: TestContext, config: OpcuaDeviceConfig, storeDir?: string): Started {
  const dir = storeDir ?? mkdtempSync(join(tmpdir(), 'sparkstate-opcua-store-'));
  const { logger, lines } = captureLogger();
  // A short back-off keeps reconnect tests fast; the schedule itself is Backoff's (transport tests).
  const source = createOpcuaSource(config, { storeDir: dir, logger, reconnect: { maxMs: 1_000 } });
  const sink = new RecordingSink();
  source.onConnectivity((online) => sink.connectivity(online));
  t.after(async () => {
    await source.stop();
    if (storeDir === undefined) rmSync(dir, { recursive: true, force: true });
  });
  return { source, sink, lines, storeDir: dir };
}

export async function waitFor(cond: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  await waitUntil(cond, timeoutMs, what, 10);
}

export interface Partition {
  readonly port: number;
  /** Both directions stop carrying, sockets stay open: a cable pulled somewhere between. */
  cut(): void;
  /** The link carries again; connections opened before the cut are reset, as routers do. */
  heal(): void;
  close(): Promise<void>;
}

/**
 * A TCP pass-through that can go silent in both directions (test/helpers/proxy.ts only holds
 * the client side, and the server still answers the requests it queued).
 */
export async function startPartition(targetPort: number): Promise<Partition> {
  const pairs = new Set<[Socket, Socket]>();
  let cut = false;
  const server = createServer((inbound) => {
    const outbound = createConnection({ port: targetPort, host: '127.0.0.1' });
    const pair: [Socket, Socket] = [inbound, outbound];
    pairs.add(pair);
    const teardown = (): void => {
      pairs.delete(pair);
      inbound.destroy();
      outbound.destroy();
    };
    inbound.on('error', teardown).on('close', teardown);
    outbound.on('error', teardown).on('close', teardown);
    if (cut) return;
    inbound.pipe(outbound).pipe(inbound);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('partition proxy: no TCP address');
  return {
    port: address.port,
    cut() {
      cut = true;
      for (const [inbound, outbound] of pairs) {
        inbound.unpipe(outbound);
        outbound.unpipe(inbound);
        inbound.pause();
        outbound.pause();
      }
    },
    heal() {
      cut = false;
      for (const [inbound, outbound] of pairs) {
        inbound.destroy();
        outbound.destroy();
      }
    },
    close() {
      for (const [inbound, outbound] of pairs) {
        inbound.destroy();
        outbound.destroy();
      }
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
