/**
 * Payload codec throughput: sparkstate's public `encodePayload`/`decodePayload` vs Eclipse Tahu's
 * sparkplug-payload, same process, each with the objects its user builds (bench/codec-workloads.ts)
 * and each decoding its own encoder's bytes. The five workloads of issue #17. Throughput is per
 * CPU-second of this process (process.cpuUsage user + system), measured in interleaved rounds;
 * the ratio column is the median of the per-round ratios, so a burst of load on the shared
 * machine skews one round, not the result (goals on every workload: encode ≥ 6x, decode ≥ 4x).
 */
import { deepStrictEqual } from 'node:assert';
import { createRequire } from 'node:module';
import { decodePayload, encodePayload, type Payload } from '../src/payload/index.js';
import { fmt, median, printTable } from './report.js';
import { dbirthArrays, ddataAlias50, ddataNamed1000, nbirth500, ncmd, tahuShape } from './codec-workloads.js';

interface TahuCodec {
  encodePayload(p: unknown): Uint8Array;
  decodePayload(b: Uint8Array): unknown;
}

const require = createRequire(import.meta.url);
const tahu = (require('sparkplug-payload') as { get(ns: string): TahuCodec | null }).get('spBv1.0');

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

function row(name: string, op: string, bytes: string, c: Comparison, goal: number): string[] {
  const verdict = c.ratio >= goal ? 'ok' : 'MISS';
  return [name, op, bytes, fmt(c.ours), fmt(c.theirs), `${c.ratio.toFixed(2)}x`, `${c.low.toFixed(2)}–${c.high.toFixed(2)}`, `${goal}x ${verdict}`];
}

export async function runCodecBench(): Promise<void> {
  if (tahu === null) throw new Error('sparkplug-payload has no spBv1.0 codec');
  const workloads: [string, Payload][] = [
    ['NBIRTH 500 mixed + 4 props', nbirth500()],
    ['DDATA 50 by alias', ddataAlias50()],
    ['DDATA 1000 by name', ddataNamed1000()],
    ['DBIRTH arrays + DataSet', dbirthArrays()],
    ['NCMD 1 metric', ncmd()],
  ];
  const rows: string[][] = [['workload', 'op', 'bytes (ours/Tahu)', 'sparkstate ops/s', 'Tahu ops/s', 'ratio', 'round range', 'goal']];
  for (const [name, payload] of workloads) {
    const theirInput = tahuShape(payload);
    const ours = encodePayload(payload);
    const theirs = tahu.encodePayload(theirInput);
    // The timed calls must do the whole job: our output decodes back to the input.
    deepStrictEqual(decodePayload(ours), payload, `${name}: sparkstate round trip`);
    tahu.decodePayload(theirs);
    const bytes = `${ours.length}/${theirs.length}`;
    rows.push(row(name, 'encode', bytes, compare(() => encodePayload(payload), () => tahu.encodePayload(theirInput)), ENCODE_GOAL));
    await new Promise((r) => setImmediate(r));
    rows.push(row(name, 'decode', bytes, compare(() => decodePayload(ours), () => tahu.decodePayload(theirs)), DECODE_GOAL));
    await new Promise((r) => setImmediate(r));
  }
  printTable(rows);
  if (sink < 0) process.stdout.write('');
}
