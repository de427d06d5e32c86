/**
 * Payload codec throughput: sparkstate vs Eclipse Tahu's sparkplug-payload, same process, same
 * objects. Three workloads (alias-only NDATA, named DDATA, a large NBIRTH with properties);
 * each measurement runs ~0.6 s after warm-up, median of 5, reported as ops/s.
 */
import { createRequire } from 'node:module';
import { decodePayload, encodePayload, type Metric, type MetricTypeName, type Payload } from '../src/payload/index.js';

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

let sink = 0;

/** ops/s of `fn`, median of 5 runs of ~`ms` each after a warm-up. */
function measure(fn: () => unknown, ms = 600): number {
  const warmEnd = performance.now() + ms;
  let batch = 1;
  while (performance.now() < warmEnd) {
    for (let i = 0; i < batch; i++) fn();
    batch = Math.min(batch * 2, 1 << 16);
  }
  // Size a batch to ~10 ms so timer reads don't dominate.
  const t0 = performance.now();
  let n = 0;
  while (performance.now() - t0 < 50) {
    fn();
    n++;
  }
  batch = Math.max(1, Math.round(n / 5));
  const samples: number[] = [];
  for (let s = 0; s < 5; s++) {
    let ops = 0;
    const start = performance.now();
    let now = start;
    while (now - start < ms) {
      for (let i = 0; i < batch; i++) {
        const r = fn();
        if (r === undefined) sink++;
      }
      ops += batch;
      now = performance.now();
    }
    samples.push((ops * 1000) / (now - start));
  }
  samples.sort((a, b) => a - b);
  return samples[2] ?? 0;
}

function fmt(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}k` : n.toFixed(1);
}

export async function runCodecBench(): Promise<void> {
  if (tahu === null) throw new Error('sparkplug-payload has no spBv1.0 codec');
  const workloads: [string, Payload][] = [
    ['NDATA 10 aliased', ndata()],
    ['DDATA 100 named', ddata()],
    ['NBIRTH 2000 + props', nbirth()],
  ];
  const rows: string[][] = [['workload', 'op', 'bytes', 'sparkstate ops/s', 'Tahu ops/s', 'ratio']];
  for (const [name, payload] of workloads) {
    const ours = encodePayload(payload);
    const theirs = tahu.encodePayload(payload);
    const e1 = measure(() => encodePayload(payload));
    const e2 = measure(() => tahu.encodePayload(payload));
    rows.push([name, 'encode', String(ours.length), fmt(e1), fmt(e2), `${(e1 / e2).toFixed(2)}x`]);
    const d1 = measure(() => decodePayload(ours));
    const d2 = measure(() => tahu.decodePayload(theirs));
    rows.push([name, 'decode', String(theirs.length), fmt(d1), fmt(d2), `${(d1 / d2).toFixed(2)}x`]);
    await new Promise((r) => setImmediate(r));
  }
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length))) ?? [];
  for (const r of rows) process.stdout.write(`${r.map((cell, c) => (c < 2 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0))).join('  ')}\n`);
  if (sink < 0) process.stdout.write('');
}
