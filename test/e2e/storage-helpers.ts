/**
 * A small tmpfs the storage tests mount as an edge's storeDir, so that "the disk is full" and "the
 * disk is read-only" are real kernel answers (ENOSPC, EROFS), not simulated ones. Needs root (or
 * CAP_SYS_ADMIN); `mountTmpfs` answers undefined where mounting is not permitted, for a clear skip.
 */
import { execFile } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { decodePayload } from '../../src/payload/index.js';

const run = promisify(execFile);

export interface TmpfsMount {
  readonly dir: string;
  /** Fills what is left of the tmpfs with a filler file (the write ends in ENOSPC, on purpose). */
  fill(): void;
  /** Removes the filler file. */
  free(): Promise<void>;
  /** Remounts read-only (EROFS for every write). */
  readOnly(): Promise<void>;
  /** Unmounts (lazily, so a process still holding a file cannot keep it mounted). Idempotent. */
  unmount(): Promise<void>;
}

export async function mountTmpfs(dir: string, sizeBytes: number): Promise<TmpfsMount | undefined> {
  try {
    await run('mount', ['-t', 'tmpfs', '-o', `size=${sizeBytes},mode=0755`, 'tmpfs', dir]);
  } catch {
    return undefined;
  }
  const filler = join(dir, 'filler');
  let mounted = true;
  return {
    dir,
    fill: () => {
      try {
        writeFileSync(filler, Buffer.alloc(sizeBytes));
      } catch (e) {
        if (!(e instanceof Error && 'code' in e && e.code === 'ENOSPC')) throw e;
      }
    },
    free: async () => rmSync(filler, { force: true }),
    readOnly: async () => {
      await run('mount', ['-o', 'remount,ro', dir]);
    },
    unmount: async () => {
      if (!mounted) return;
      mounted = false;
      await run('umount', ['-l', dir]);
    },
  };
}

export interface EdgeYamlOptions {
  readonly server: string;
  readonly storeDir: string;
  readonly group: string;
  readonly node: string;
  /** Counter metrics on device D1: each scan changes every one of them, by +1. */
  readonly counters?: number;
  readonly scanIntervalMs?: number;
  readonly maxPendingOnFailure?: number;
}

/** An edge whose every sample is checkable: counters that step by 1, names in data, metrics over HTTP. */
export function countingEdgeYaml(o: EdgeYamlOptions): string {
  const metrics = Array.from({ length: o.counters ?? 10 }, (_, i) => `      - { name: C${i}, type: Int64, generator: counter }`);
  return [
    'mqtt:',
    `  servers: [${JSON.stringify(o.server)}]`,
    '  keepaliveSec: 5',
    '  backoff: { initialMs: 100, maxMs: 300 }',
    'sparkplug:',
    `  groupId: ${o.group}`,
    `  edgeNodeId: ${o.node}`,
    '  sendNamesInData: true',
    `scanIntervalMs: ${o.scanIntervalMs ?? 20}`,
    `storeDir: ${JSON.stringify(o.storeDir)}`,
    'logLevel: info',
    'http: { port: 0 }',
    'storeAndForward:',
    '  flushIntervalMs: 100',
    '  replayRatePerSec: 20000',
    // Off: these tests count every sample exactly once; the resend window's copies are broker-crash.test.ts's subject.
    '  resendWindowMs: 0',
    `  maxPendingOnFailure: ${o.maxPendingOnFailure ?? 10_000}`,
    'devices:',
    '  - id: D1',
    '    metrics:',
    ...metrics,
    '',
  ].join('\n');
}

/** The edge's pino JSON lines (stderr), parsed; lines that are not JSON are skipped. */
export function logLines(stderr: string): { level: number; msg: string; [key: string]: unknown }[] {
  return stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { level: number; msg: string });
}

/** One counter of the edge's /metrics, by metric name (labels ignored). */
export async function scrape(baseUrl: string, name: string): Promise<number> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
  if (line === undefined) throw new Error(`${name} not in /metrics`);
  return Number(line.slice(line.lastIndexOf(' ') + 1));
}

/** What the wire shows of the counters: per metric, the live and the historical values in arrival order. */
export interface Samples {
  readonly live: Map<string, number[]>;
  readonly historical: Map<string, number[]>;
  /** Values carried by DBIRTHs: samples too, but a birth value may repeat in the next data message. */
  readonly births: Map<string, number[]>;
}

export interface SampleCheck {
  /** Values seen more than once (live or historical), over all metrics. */
  readonly duplicates: number;
  /** Values missing between each metric's first and last value seen. */
  readonly missing: number;
  /** Runs of consecutive missing values, longest first: [length, first missing value, metric]. */
  readonly gaps: [number, number, string][];
  /** Historical values that arrived out of order (per metric). */
  readonly historicalOutOfOrder: number;
  readonly historicalCount: number;
}

export function checkSamples(s: Samples): SampleCheck {
  let duplicates = 0;
  let missing = 0;
  let historicalOutOfOrder = 0;
  let historicalCount = 0;
  const gaps: [number, number, string][] = [];
  for (const [name, live] of s.live) {
    const hist = s.historical.get(name) ?? [];
    historicalCount += hist.length;
    for (let i = 1; i < hist.length; i++) if ((hist[i] ?? 0) <= (hist[i - 1] ?? 0)) historicalOutOfOrder++;
    const data = [...live, ...hist];
    duplicates += data.length - new Set(data).size;
    const all = [...new Set([...data, ...(s.births.get(name) ?? [])])].sort((a, b) => a - b);
    for (let i = 1; i < all.length; i++) {
      const step = (all[i] ?? 0) - (all[i - 1] ?? 0);
      if (step > 1) {
        missing += step - 1;
        gaps.push([step - 1, (all[i - 1] ?? 0) + 1, name]);
      }
    }
  }
  gaps.sort((a, b) => b[0] - a[0]);
  return { duplicates, missing, gaps, historicalOutOfOrder, historicalCount };
}

/** The counters' values in the DBIRTH/DDATA messages of `device`, in arrival order. */
export function samplesOf(messages: readonly { topic: string; payload: Uint8Array }[], group: string, node: string, device: string): Samples {
  const samples: Samples = { live: new Map(), historical: new Map(), births: new Map() };
  const add = (map: Map<string, number[]>, name: string, value: number): void => {
    const list = map.get(name) ?? [];
    list.push(value);
    map.set(name, list);
  };
  for (const m of messages) {
    const birth = m.topic === `spBv1.0/${group}/DBIRTH/${node}/${device}`;
    if (!birth && m.topic !== `spBv1.0/${group}/DDATA/${node}/${device}`) continue;
    for (const metric of decodePayload(m.payload).metrics ?? []) {
      if (metric.name === undefined || !/^C\d+$/.test(metric.name) || metric.value === undefined) continue;
      const value = Number(metric.value);
      if (birth) add(samples.births, metric.name, value);
      else if (metric.isHistorical === true) add(samples.historical, metric.name, value);
      else add(samples.live, metric.name, value);
    }
    if (birth) for (const name of samples.births.keys()) if (!samples.live.has(name)) samples.live.set(name, []);
  }
  return samples;
}

/** Whether a DDATA of `device` carries live (not historical) values. */
export function isLiveData(m: { topic: string; payload: Uint8Array }, group: string, node: string, device: string): boolean {
  if (m.topic !== `spBv1.0/${group}/DDATA/${node}/${device}`) return false;
  return (decodePayload(m.payload).metrics ?? []).some((x) => x.isHistorical !== true);
}
