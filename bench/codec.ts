/**
 * Payload codec throughput: sparkstate vs Eclipse Tahu's sparkplug-payload, same process, same
 * objects, Tahu's normal API. Three workloads (alias-only NDATA, named DDATA, a large NBIRTH with
 * properties). Throughput is per CPU-second of this process (process.cpuUsage user + system),
 * measured in interleaved rounds; the ratio column is the median of the per-round ratios, so a
 * burst of load on the shared machine skews one round, not the result (issue 2 goals: encode ≥
 * 6x, decode ≥ 4x).
 */
import { createRequire } from 'node:module';
import { decodePayload, encodePayload, type Metric, type MetricTypeName, type Payload } from '../src/payload/index.js';
import { fmt, median, printTable } from './report.js';

interface TahuCodec {
  encodePayload(p: unknown): Uint8Array;
  decodePayload(b: Uint8Array): unknown;
}

const require = createRequire(import.meta.url);
const tahu = (require('sparkplug-payload') as { get(ns: string): TahuCodec | null }).get('spBv1.0');

const TS = 1700000000000;
const MIXED: MetricTypeName[] = ['Int32', 'Double', 'Boolean', 'Int64'];

function value(type: MetricTypeName, i: number): number | boolean {
  switch (type) {
    case 'Int32':
      return (i * 7919) % 100000 - 50000;
    case 'Double':
      return i * 1.37 + 0.5;
    case 'Boolean':
      return i % 3 === 0;
    default:
      return TS + i;
  }
}

/** (a) NDATA: 10 metrics by alias only, with metric timestamps. */
function ndata(): Payload {
  const metrics: Metric[] = [];
  for (let i = 0; i < 10; i++) {
    const type = MIXED[i % 4] ?? 'Int32';
    metrics.push({ alias: i + 1, timestamp: TS + i, type, value: value(type, i) });
  }
  return { timestamp: TS, seq: 7, metrics };
}

/** (b) DDATA: 100 mixed metrics with names and timestamps. */
function ddata(): Payload {
  const metrics: Metric[] = [];
  for (let i = 0; i < 100; i++) {
    const type = MIXED[i % 4] ?? 'Int32';
    metrics.push({ name: `Line 3/Station ${i >> 3}/Sensor ${i}`, timestamp: TS + i, type, value: value(type, i) });
  }
  return { timestamp: TS, seq: 8, metrics };
}

/** (c) NBIRTH: 2,000 metrics with names, aliases and properties. */
function nbirth(): Payload {
  const metrics: Metric[] = [
    { name: 'bdSeq', timestamp: TS, type: 'Int64', value: 0 },
    { name: 'Node Control/Rebirth', timestamp: TS, type: 'Boolean', value: false },
  ];
  for (let i = 0; i < 2000; i++) {
    const type = MIXED[i % 4] ?? 'Int32';
    metrics.push({
      name: `Area ${i >> 6}/Machine ${i >> 3}/Tag ${i}`,
      alias: i + 10,
      timestamp: TS,
      type,
      value: value(type, i),
      properties: {
        engUnit: { type: 'String', value: i % 2 === 0 ? 'degC' : 'bar' },
        min: { type: 'Double', value: -100 },
        max: { type: 'Double', value: 100 + i },
      },
    });
  }
  return { timestamp: TS, seq: 0, metrics };
}

const ENCODE_GOAL = 6;
const DECODE_GOAL = 4;

let sink = 0;

/** CPU time (user + system, µs) this process has used: unlike wall time, it does not grow while
 * the OS runs other jobs on our core, which on a shared 2-core machine is most of the noise. */
function cpuMicros(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

/** Runs `fn` `n` times; returns the CPU µs it took. */
function timed(fn: () => unknown, n: number): number {
  const c0 = cpuMicros();
  for (let i = 0; i < n; i++) {
    if (fn() === undefined) sink++;
  }
  return cpuMicros() - c0;
}

/** Warms `fn` up for ~`ms` of CPU, then returns how many calls take ~`roundMs` of CPU. */
function calibrate(fn: () => unknown, ms: number, roundMs: number): number {
  let n = 1;
  let spent = 0;
  while (spent < ms * 1000) {
    spent += timed(fn, n);
    n = Math.min(n * 2, 1 << 16);
  }
  const probe = Math.max(1, Math.round(n / 4));
  const us = Math.max(1, timed(fn, probe));
  return Math.max(1, Math.round((probe * roundMs * 1000) / us));
}

interface Comparison {
  ours: number;
  theirs: number;
  /** Median, lowest and highest of the per-round ratios ours/theirs. */
  ratio: number;
  low: number;
  high: number;
}

/**
 * Interleaved rounds: each round times one batch of ours and one of Tahu's (order alternating,
 * A B B A …, so drift and GC debt fall on both sides alike), on CPU time; the result is the
 * median of the per-round throughput ratios plus the median ops per CPU-second of each side.
 */
function compare(ours: () => unknown, theirs: () => unknown, rounds = 15, roundMs = 40): Comparison {
  const nA = calibrate(ours, 300, roundMs);
  const nB = calibrate(theirs, 300, roundMs);
  const a: number[] = [];
  const b: number[] = [];
  const ratios: number[] = [];
  for (let r = 0; r < rounds; r++) {
    let usA: number;
    let usB: number;
    if (r % 2 === 0) {
      usA = timed(ours, nA);
      usB = timed(theirs, nB);
    } else {
      usB = timed(theirs, nB);
      usA = timed(ours, nA);
    }
    const opsA = (nA * 1e6) / Math.max(1, usA);
    const opsB = (nB * 1e6) / Math.max(1, usB);
    a.push(opsA);
    b.push(opsB);
    ratios.push(opsA / opsB);
  }
  return { ours: median(a), theirs: median(b), ratio: median(ratios), low: Math.min(...ratios), high: Math.max(...ratios) };
}

function row(name: string, op: string, bytes: number, c: Comparison, goal: number): string[] {
  const verdict = c.ratio >= goal ? 'ok' : 'MISS';
  return [name, op, String(bytes), fmt(c.ours), fmt(c.theirs), `${c.ratio.toFixed(2)}x`, `${c.low.toFixed(2)}–${c.high.toFixed(2)}`, `${goal}x ${verdict}`];
}

export async function runCodecBench(): Promise<void> {
  if (tahu === null) throw new Error('sparkplug-payload has no spBv1.0 codec');
  const workloads: [string, Payload][] = [
    ['NDATA 10 aliased', ndata()],
    ['DDATA 100 named', ddata()],
    ['NBIRTH 2000 + props', nbirth()],
  ];
  const rows: string[][] = [['workload', 'op', 'bytes', 'sparkstate ops/s', 'Tahu ops/s', 'ratio', 'round range', 'goal']];
  for (const [name, payload] of workloads) {
    const ours = encodePayload(payload);
    const theirs = tahu.encodePayload(payload);
    rows.push(row(name, 'encode', ours.length, compare(() => encodePayload(payload), () => tahu.encodePayload(payload)), ENCODE_GOAL));
    await new Promise((r) => setImmediate(r));
    rows.push(row(name, 'decode', theirs.length, compare(() => decodePayload(ours), () => tahu.decodePayload(theirs)), DECODE_GOAL));
    await new Promise((r) => setImmediate(r));
  }
  printTable(rows);
  if (sink < 0) process.stdout.write('');
}
