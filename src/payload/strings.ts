/**
 * UTF-8 → string for the decoder. Sparkplug strings are overwhelmingly short, ASCII and
 * repeated: metric names in every DDATA, property keys (engUnit, min, max) and unit values in
 * every birth. So short ASCII strings go through a small direct-mapped cache keyed by their
 * bytes: a hit costs one hash pass and one compare pass over the bytes (~30 ns for a 30-byte
 * name) and allocates nothing, where creating the string costs ~100+ ns (a call into C++ for
 * Buffer slicing, or ConsStrings from `+=` that V8 must flatten later). The returned strings
 * are ordinary flat strings. Bounded: 4096 name slots + 1024 key slots of ≤ MAX_CACHED bytes
 * (~320 KB of byte copies plus the strings themselves). A miss costs the hash and compare pass
 * on top of creating the string, so payloads of never-repeated names decode slightly slower.
 */

// Invalid UTF-8 becomes U+FFFD (fatal: false), as in TextDecoder's default and protobufjs.
const decoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

/**
 * Node's Buffer string slicers. Undocumented but long-standing (protobufjs relies on
 * utf8Slice); they skip `toString`'s encoding-name dispatch. latin1Slice is exact for ASCII
 * bytes; utf8Slice replaces invalid UTF-8 exactly as TextDecoder does (maximal subparts, BOM
 * kept).
 */
export interface Slicer {
  latin1Slice(start: number, end: number): string;
  utf8Slice(start: number, end: number): string;
}

const hasSlicers = typeof Buffer === 'function' && typeof (Buffer.prototype as unknown as Partial<Slicer>).latin1Slice === 'function';

/** A no-copy Buffer view of `buf` for the slicers (undefined outside Node). */
export function slicerOf(buf: Uint8Array): Slicer | undefined {
  if (!hasSlicers) return undefined;
  return Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength) as unknown as Slicer;
}

/**
 * The input as the string decoder needs it. The views are made on first use (by the Reader),
 * so a payload without strings — alias-only NDATA — pays for neither (~0.3 µs together).
 */
export interface TextSource {
  readonly buf: Uint8Array;
  /** DataView over exactly `buf`. */
  view(): DataView;
  /** Buffer view of `buf`, or undefined outside Node. */
  slicer(): Slicer | undefined;
}

/** Below V8's 13-character ConsString threshold `+=` yields flat strings and no C++ call is made. */
const SHORT = 12;
/** Longer strings are rarely repeated names; they bypass the cache. */
const MAX_CACHED = 64;
const WORDS = MAX_CACHED / 4;
const fcc = String.fromCharCode;

/**
 * Direct-mapped cache of ASCII strings. Each slot keeps the string, its byte length and its
 * bytes as little-endian 32-bit words: a lookup hashes and compares words read from the input
 * with DataView (4 bytes per load) and touches the string object only on a hit. Comparing via
 * `charCodeAt` was slower (a representation dispatch per character, and a cache miss on the
 * string's header for every probe).
 */
class StringCache {
  private readonly strings: string[];
  private readonly lengths: Int32Array;
  private readonly words: Int32Array;
  private readonly mask: number;

  constructor(bits: number, private readonly internal: boolean) {
    this.strings = new Array<string>(1 << bits).fill('');
    this.lengths = new Int32Array(1 << bits).fill(-1);
    this.words = new Int32Array((1 << bits) * WORDS);
    this.mask = (1 << bits) - 1;
  }

  /** The string of the `n` ≤ MAX_CACHED bytes at `start`, or undefined when they are not ASCII. */
  get(src: TextSource, start: number, n: number): string | undefined {
    const buf = src.buf;
    const dv = src.view();
    const full = start + (n & ~3);
    let h = n;
    let acc = 0;
    for (let i = start; i < full; i += 4) {
      const w = dv.getInt32(i, true);
      acc |= w;
      h = Math.imul(h ^ w, 0x9e3779b1);
      h ^= h >>> 15;
    }
    const tail = tailWord(dv, buf, full, n & 3);
    acc |= tail;
    if ((acc & 0x80808080) !== 0) return undefined;
    h = Math.imul(h ^ tail, 0x9e3779b1);
    const slot = (h ^ (h >>> 15)) & this.mask;
    const words = this.words;
    let base = slot * WORDS;
    if (this.lengths[slot] === n) {
      let i = start;
      while (i < full && words[base] === dv.getInt32(i, true)) {
        i += 4;
        base++;
      }
      if (i === full && words[base] === tail) return this.strings[slot];
      base = slot * WORDS;
    }
    let s: string;
    if (n <= SHORT) {
      s = '';
      for (let i = start; i < start + n; i++) s += fcc(buf[i] ?? 0);
    } else {
      const slicer = src.slicer();
      s = slicer === undefined ? decoder.decode(buf.subarray(start, start + n)) : slicer.latin1Slice(start, start + n);
    }
    if (this.internal) s = internalize(s);
    this.strings[slot] = s;
    this.lengths[slot] = n;
    for (let i = start; i < full; i += 4) words[base++] = dv.getInt32(i, true);
    words[base] = tail;
    return s;
  }
}

/** The last `rem` (0..3) bytes at `at` as a little-endian word, zero-padded. */
function tailWord(dv: DataView, buf: Uint8Array, at: number, rem: number): number {
  if (rem === 0) return 0;
  // Reading past the string is fine while inside the buffer: the extra bytes are masked off.
  if (at + 4 <= buf.length) return dv.getInt32(at, true) & ((1 << (rem * 8)) - 1);
  let w = 0;
  for (let k = 0; k < rem; k++) w |= (buf[at + k] ?? 0) << (k * 8);
  return w;
}

const names = new StringCache(12, false);
/** Property keys are stored internalized (see `internalize`). */
const keys = new StringCache(10, true);

/**
 * Decodes the UTF-8 bytes start..end of `src.buf` (any length, any bytes). `key`: the string
 * is a property key (used as `obj[key] = …`).
 */
export function readString(src: TextSource, start: number, end: number, key: boolean): string {
  const n = end - start;
  if (n <= MAX_CACHED) {
    const s = (key ? keys : names).get(src, start, n);
    if (s !== undefined) return s;
  }
  return utf8Decode(src.buf, start, end, src.slicer());
}

/** Decodes UTF-8 without the cache (any length, any bytes). */
export function utf8Decode(buf: Uint8Array, start: number, end: number, slicer?: Slicer): string {
  if (slicer === undefined) return decoder.decode(buf.subarray(start, end));
  let acc = 0;
  for (let i = start; i < end; i++) acc |= buf[i] ?? 0;
  return acc < 0x80 ? slicer.latin1Slice(start, end) : slicer.utf8Slice(start, end);
}

/**
 * The internalized (string-table) copy of `s`: V8 hands out property names internalized, so
 * `for…in` over a one-property object returns it. Cached keys are then used by `obj[k] = v`
 * without a string-table lookup per store.
 */
function internalize(s: string): string {
  const o: Record<string, number> = { [s]: 0 };
  for (const k in o) return k;
  return s;
}
