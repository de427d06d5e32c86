/** Shared parts of the OPC UA source tests: a recording sink, a captured logger, a source factory. */
import { mkdtempSync, rmSync } from 'node:fs';
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

  update(index: number, value: MetricValue, timestamp: number): void {
    this.events.push({ kind: 'update', index, value, timestamp });
  }

  invalidate(index: number, quality: BadQuality, status: string, timestamp: number): void {
    this.events.push({ kind: 'invalidate', index, quality, status, timestamp });
  }

  connectivity(online: boolean): void {
    this.events.push({ kind: 'connectivity', online, at: Date.now() });
  }

  /** The updates and invalidations of metric `index`, oldest first. */
  of(index: number): SinkEvent[] {
    return this.events.filter((e) => e.kind !== 'connectivity' && e.index === index);
  }

  /** The last reported value of metric `index` (undefined: none yet). */
  value(index: number): MetricValue | undefined {
    const last = this.of(index).at(-1);
    return last?.kind === 'update' ? last.value : undefined;
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
