/**
 * Growable protobuf output buffer. One instance is reused across encodes (see `acquireWriter`),
 * so steady-state encoding allocates only the returned copy (a view of a pooled slab up to
 * 256 KiB, see output-pool.ts). Nested messages get a one-byte
 * length placeholder that is patched afterwards; the rare message ≥ 128 bytes is shifted right.
 */
import { pooledCopy } from './output-pool.js';

const encoder = new TextEncoder();

/** Strings up to this length are UTF-8 encoded by hand; longer ones go through TextEncoder. */
const SHORT_STRING = 64;
const KEEP_CAPACITY = 1 << 20;

export class Writer {
  buf: Uint8Array;
  view: DataView;
  pos = 0;

  constructor(capacity = 4096) {
    this.buf = new Uint8Array(capacity);
    this.view = new DataView(this.buf.buffer);
  }

  ensure(n: number): void {
    if (this.pos + n > this.buf.length) this.grow(n);
  }

  private grow(n: number): void {
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.pos + n + 1024));
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  /** Unsigned 32-bit varint (callers pass `v >>> 0` for negative 32-bit patterns). */
  uint32(v: number): void {
    this.ensure(5);
    const buf = this.buf;
    let pos = this.pos;
    while (v > 127) {
      buf[pos++] = (v & 127) | 128;
      v >>>= 7;
    }
    buf[pos++] = v;
    this.pos = pos;
  }

  /** 64-bit varint from unsigned 32-bit halves. */
  uint64(lo: number, hi: number): void {
    if (hi === 0) {
      this.uint32(lo);
      return;
    }
    this.ensure(10);
    this.pos = putUint64(this.buf, this.pos, lo, hi);
  }

  /** Varint of a non-negative safe integer (timestamps): no BigInt, no validation. */
  uintN(v: number): void {
    this.ensure(8);
    this.pos = putUintN(this.buf, this.pos, v);
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }

  /** Two-byte tag (fields 16..2047 — only Metric fields 16..19 here). */
  tag2(b0: number, b1: number): void {
    this.ensure(2);
    this.buf[this.pos++] = b0;
    this.buf[this.pos++] = b1;
  }

  float(v: number): void {
    this.ensure(4);
    this.view.setFloat32(this.pos, v, true);
    this.pos += 4;
  }

  double(v: number): void {
    this.ensure(8);
    this.view.setFloat64(this.pos, v, true);
    this.pos += 8;
  }

  /** Length-delimited bytes. */
  bytes(v: Uint8Array): void {
    this.uint32(v.length);
    this.ensure(v.length);
    this.buf.set(v, this.pos);
    this.pos += v.length;
  }

  /** Length-delimited UTF-8 string. */
  string(s: string): void {
    const n = s.length;
    if (n <= 42) {
      // ≤ 42 UTF-16 units encode to ≤ 126 bytes: the length always fits in one byte.
      this.ensure(1 + n * 3);
      const start = this.pos + 1;
      this.pos = start;
      this.utf8(s);
      this.buf[start - 1] = this.pos - start;
    } else {
      const len = utf8Length(s);
      this.uint32(len);
      this.ensure(len);
      if (n <= SHORT_STRING) this.utf8(s);
      else {
        encoder.encodeInto(s, this.buf.subarray(this.pos, this.pos + len));
        this.pos += len;
      }
    }
  }

  /** Raw UTF-8 of `s` (no length); capacity must already be ensured (3 bytes per unit). */
  utf8(s: string): void {
    const buf = this.buf;
    let pos = this.pos;
    const n = s.length;
    // ASCII prefix (almost always the whole string) in a tight loop: one compare per unit.
    let i = 0;
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) break;
      buf[pos + i] = c;
    }
    pos += i;
    for (; i < n; i++) {
      let c = s.charCodeAt(i);
      if (c < 0x80) buf[pos++] = c;
      else if (c < 0x800) {
        buf[pos++] = 0xc0 | (c >> 6);
        buf[pos++] = 0x80 | (c & 63);
      } else {
        if (c >= 0xd800 && c <= 0xdfff) {
          const d = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
          if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
            c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
            i++;
            buf[pos++] = 0xf0 | (c >> 18);
            buf[pos++] = 0x80 | ((c >> 12) & 63);
            buf[pos++] = 0x80 | ((c >> 6) & 63);
            buf[pos++] = 0x80 | (c & 63);
            continue;
          }
          c = 0xfffd; // lone surrogate: same replacement TextEncoder uses
        }
        buf[pos++] = 0xe0 | (c >> 12);
        buf[pos++] = 0x80 | ((c >> 6) & 63);
        buf[pos++] = 0x80 | (c & 63);
      }
    }
    this.pos = pos;
  }

  /** Reserves a one-byte length prefix; returns the content start for `endLen`. */
  beginLen(): number {
    this.ensure(1);
    return ++this.pos;
  }

  /** Patches the length prefix reserved by `beginLen`, shifting the content when ≥ 128 bytes. */
  endLen(start: number): void {
    const len = this.pos - start;
    if (len < 128) {
      this.buf[start - 1] = len;
      return;
    }
    const extra = varintSize(len) - 1;
    this.ensure(extra);
    const buf = this.buf;
    buf.copyWithin(start + extra, start, this.pos);
    let p = start - 1;
    let v = len;
    while (v > 127) {
      buf[p++] = (v & 127) | 128;
      v >>>= 7;
    }
    buf[p] = v;
    this.pos += extra;
  }

  /**
   * A copy of the bytes written so far that no other output shares: callers may keep it, and
   * nothing writes into it again. Up to 64 bytes V8 keeps the array on its heap and `slice`
   * (one builtin call) beats a new array plus a copy loop by ~10% of a one-metric encode;
   * larger outputs are views of a pooled slab up to 256 KiB (see output-pool.ts).
   */
  finish(): Uint8Array {
    const n = this.pos;
    const buf = this.buf;
    if (n <= 64) return buf.slice(0, n);
    return pooledCopy(buf, n);
  }
}

/**
 * Writes the varint of a non-negative safe integer at `pos` (≤ 8 bytes; capacity must be
 * ensured) and returns the position after it. Values ≥ 2^32 (millisecond timestamps) are
 * split once into 32-bit halves and written without a loop over 64-bit shifts.
 */
export function putUintN(buf: Uint8Array, pos: number, v: number): number {
  if (v < 0x80) {
    buf[pos] = v;
    return pos + 1;
  }
  if (v <= 0xffffffff) {
    while (v > 127) {
      buf[pos++] = (v & 127) | 128;
      v >>>= 7;
    }
    buf[pos] = v;
    return pos + 1;
  }
  const lo = v >>> 0;
  let hi = (v - lo) / 4294967296; // < 2^21
  buf[pos] = (lo & 127) | 128;
  buf[pos + 1] = ((lo >>> 7) & 127) | 128;
  buf[pos + 2] = ((lo >>> 14) & 127) | 128;
  buf[pos + 3] = ((lo >>> 21) & 127) | 128;
  pos += 4;
  // Bits 28..31 of lo and 0..2 of hi make the fifth group.
  let b = (lo >>> 28) | ((hi & 7) << 4);
  hi >>>= 3;
  while (hi !== 0) {
    buf[pos++] = b | 128;
    b = hi & 127;
    hi >>>= 7;
  }
  buf[pos] = b;
  return pos + 1;
}

export function varintSize(v: number): number {
  return v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x200000 ? 3 : v < 0x10000000 ? 4 : 5;
}

/** UTF-8 byte length of a string (lone surrogates count as the 3-byte U+FFFD). */
export function utf8Length(s: string): number {
  let len = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) len += 1;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        len += 2; // 2 units → 4 bytes
        i++;
      } else len += 2;
    } else len += 2;
  }
  return len;
}

let shared: Writer | undefined;
let busy = false;

/**
 * The shared writer, or a private one when an encode is already running (re-entrancy through
 * user getters must not corrupt the shared buffer). Pair with `releaseWriter`.
 */
export function acquireWriter(): Writer {
  if (busy) return new Writer(1024);
  busy = true;
  shared ??= new Writer();
  shared.pos = 0;
  return shared;
}

export function releaseWriter(w: Writer): void {
  if (w !== shared) return;
  busy = false;
  // Don't pin a huge buffer after one exceptional payload.
  if (w.buf.length > KEEP_CAPACITY) shared = undefined;
}

/** Writes the varint of the 64-bit value `hi`·2^32 + `lo` (unsigned halves) at `pos`; returns the end. */
export function putUint64(buf: Uint8Array, pos: number, lo: number, hi: number): number {
  while (hi !== 0) {
    buf[pos++] = (lo & 127) | 128;
    lo = ((lo >>> 7) | (hi << 25)) >>> 0;
    hi >>>= 7;
  }
  while (lo > 127) {
    buf[pos++] = (lo & 127) | 128;
    lo >>>= 7;
  }
  buf[pos] = lo;
  return pos + 1;
}
