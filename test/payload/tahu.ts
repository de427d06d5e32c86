/** Eclipse Tahu's JavaScript codec (sparkplug-payload 1.0.3), the independent reference. */
import { createRequire } from 'node:module';

export interface TahuCodec {
  encodePayload(p: unknown): Uint8Array;
  decodePayload(b: Uint8Array): TahuPayload;
}
export interface TahuPayload {
  timestamp?: unknown;
  seq?: unknown;
  metrics?: { name?: string; type?: string; value?: unknown; [k: string]: unknown }[];
}

const require = createRequire(import.meta.url);
const lib = require('sparkplug-payload') as { get(ns: string): TahuCodec | null };
const codec = lib.get('spBv1.0');
if (codec === null) throw new Error('sparkplug-payload has no spBv1.0 codec');
export const tahu: TahuCodec = codec;

function isLong(v: unknown): v is { low: number; high: number; unsigned: boolean } {
  return typeof v === 'object' && v !== null && 'low' in v && 'high' in v && 'unsigned' in v;
}

/** Tahu's decoded values with long.js Longs turned into our number-or-bigint form. */
export function normalise(v: unknown): unknown {
  if (isLong(v)) {
    const u = (BigInt(v.high >>> 0) << 32n) | BigInt(v.low >>> 0);
    const b = v.unsigned ? u : BigInt.asIntN(64, u);
    return b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b;
  }
  if (v instanceof Uint8Array) return new Uint8Array(v);
  if (Array.isArray(v)) return v.map(normalise);
  if (typeof v === 'object' && v !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = normalise(x);
    return out;
  }
  return v;
}
