/**
 * UTF-8 → string for the decoder. Sparkplug strings are overwhelmingly short, ASCII and
 * repeated: metric names in every DDATA, property keys (engUnit, min, max) and unit values in
 * every birth. So short ASCII strings go through a small set-associative cache keyed by their
 * bytes: a hit costs one hash pass and one compare pass over the bytes (~30 ns for a 30-byte
 * name) and allocates nothing, where creating the string costs ~100+ ns (a call into C++ for
 * Buffer slicing, or ConsStrings from `+=` that V8 must flatten later). The returned strings
 * are ordinary flat strings. Bounded: 8192 names + 1024 keys of ≤ MAX_CACHED bytes (~580 KB
 * of byte copies, ~170 KB of tables, plus the strings themselves). A miss costs the hash and
 * compare pass on top of creating the string, so payloads of never-repeated names decode
 * slightly slower. A working set near 8192 names refills often (see `insert`).
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
const WAYS = 4;
const fcc = String.fromCharCode;

/**
 * Four-way set-associative cache of ASCII strings. Each slot keeps the string, its byte length
 * and its bytes as little-endian 32-bit words: a lookup hashes and compares words read from
 * the input with DataView (4 bytes per load) and touches the string object only on a hit.
 * Comparing via `charCodeAt` was slower (a representation dispatch per character, and a cache
 * miss on the string's header for every probe). Four ways per set because a direct-mapped
 * table of 4096 slots lost ~40% of a 2000-name birth to collisions (each a new string), and
 * two ways of 8192 slots still ~9% (three names cycling through one set of two miss every
 * time); four ways of 8192: ~2%. The table now has twice as many slots as there are entries,
 * so sets overflow less often still.
 */
class StringCache {
  /** Per slot of the hash table: the entry it holds, or −1. */
  private readonly table: Int32Array;
  /**
   * Entries, in the order they were created: string, byte length, bytes (WORDS per entry).
   * A birth's names are created in the order they arrive, and arrive in that order again in
   * the next birth, so the predicted entry (below) is usually the one after the last: its
   * bytes are the next 64 bytes of `words`, which the CPU has often prefetched. Kept by hash
   * slot instead, 2,000 names were ~2,000 random reads of each array per payload.
   */
  private readonly strings: string[];
  private readonly lengths: Int32Array;
  private readonly words: Int32Array;
  /** Entries created since the last reset; at capacity everything is dropped (see insert). */
  private used = 0;
  /** Selects the first slot of a set. */
  private readonly mask: number;
  /** Per set: the way the next miss replaces (first in, first out). */
  private readonly victim: Uint8Array;
  /**
   * Entry of the string looked up after each entry, and the entry of the last lookup. Names
   * arrive in the same order payload after payload (a device's DDATA lists its metrics the
   * same way each time), so the successor of the last name is checked first: on a hit that is
   * one compare pass over the bytes and no hash pass. A wrong guess costs a length compare, or
   * a partial word compare when the lengths happen to match. A successor may be an entry its
   * slot no longer points to: it still holds matching bytes and string, so a hit is right.
   */
  private readonly next: Int32Array;
  private last = 0;

  /** `bits`: log2 of the slots of the hash table; it holds up to half as many entries. */
  constructor(bits: number, private readonly internal: boolean) {
    const entries = 1 << (bits - 1);
    this.table = new Int32Array(1 << bits).fill(-1);
    this.strings = new Array<string>(entries).fill('');
    this.lengths = new Int32Array(entries).fill(-1);
    this.words = new Int32Array(entries * WORDS);
    this.mask = ((1 << bits) - 1) & ~(WAYS - 1);
    this.victim = new Uint8Array(1 << bits);
    this.next = new Int32Array(entries);
  }

  /** Whether entry `e` holds the `n` bytes at `start` (`full`: end of their whole words). */
  private matches(e: number, dv: DataView, start: number, full: number, n: number, tail: number): boolean {
    if (this.lengths[e] !== n) return false;
    const words = this.words;
    let base = e * WORDS;
    let i = start;
    while (i < full && words[base] === dv.getInt32(i, true)) {
      i += 4;
      base++;
    }
    return i === full && words[base] === tail;
  }

  /**
   * The string of the `n` ≤ MAX_CACHED bytes at `start`, or undefined when they are not ASCII.
   * `track`: the lookup takes part in the successor prediction (names and keys, not values,
   * whose few repeated strings — units like "degC" — would break up the chain of names).
   */
  get(src: TextSource, start: number, n: number, track: boolean): string | undefined {
    let buf = src.buf;
    let dv: DataView;
    let small = false;
    if (buf.length < VIEW_MIN_BYTES) {
      for (let i = 0; i < n; i++) scratch[i] = buf[start + i] ?? 0;
      buf = scratch;
      dv = scratchView;
      start = 0;
      small = true;
    } else dv = src.view();
    const full = start + (n & ~3);
    const tail = tailWord(dv, buf, full, n & 3);
    if (track) {
      const guess = this.next[this.last] ?? 0;
      // Equal bytes to a cached (ASCII) string: no ASCII check needed.
      if (this.matches(guess, dv, start, full, n, tail)) {
        this.last = guess;
        return this.strings[guess];
      }
    }
    let h = n;
    let acc = tail;
    for (let i = start; i < full; i += 4) {
      const w = dv.getInt32(i, true);
      acc |= w;
      h = Math.imul(h ^ w, 0x9e3779b1);
      h ^= h >>> 15;
    }
    if ((acc & 0x80808080) !== 0) return undefined;
    h = Math.imul(h ^ tail, 0x9e3779b1);
    const set = (h ^ (h >>> 15)) & this.mask;
    let slot = set;
    let e = this.table[slot] ?? -1;
    while (e < 0 || !this.matches(e, dv, start, full, n, tail)) {
      if (++slot === set + WAYS) {
        e = this.insert(small ? scratchSlicer : src.slicer(), buf, dv, start, n, set);
        break;
      }
      e = this.table[slot] ?? -1;
    }
    if (track) {
      this.next[this.last] = e;
      this.last = e;
    }
    return this.strings[e];
  }

  /** Creates the string of the bytes at `start` of `buf` (whose views are `slicer`, `dv`) as a new entry in the set's victim way; returns the entry. */
  private insert(slicer: Slicer | undefined, buf: Uint8Array, dv: DataView, start: number, n: number, set: number): number {
    if (this.used === this.lengths.length) {
      // Full (entries replaced in their slot are not reused): start again, as the encoder's
      // name cache does. Stale successors are harmless, see `next`.
      this.table.fill(-1);
      this.used = 0;
    }
    const e = this.used++;
    const way = this.victim[set] ?? 0;
    this.victim[set] = (way + 1) & (WAYS - 1);
    this.table[set + way] = e;
    let s: string;
    if (n <= SHORT) {
      s = '';
      for (let i = start; i < start + n; i++) s += fcc(buf[i] ?? 0);
    } else {
      s = slicer === undefined ? decoder.decode(buf.subarray(start, start + n)) : slicer.latin1Slice(start, start + n);
    }
    if (this.internal) s = internalize(s);
    this.strings[e] = s;
    this.lengths[e] = n;
    const full = start + (n & ~3);
    const words = this.words;
    let base = e * WORDS;
    for (let i = start; i < full; i += 4) words[base++] = dv.getInt32(i, true);
    words[base] = tailWord(dv, buf, full, n & 3);
    return e;
  }
}

/** The last `rem` (0..3) bytes at `at` as a little-endian word, zero-padded. */
export function tailWord(dv: DataView, buf: Uint8Array, at: number, rem: number): number {
  if (rem === 0) return 0;
  // Reading past the string is fine while inside the buffer: the extra bytes are masked off.
  if (at + 4 <= buf.length) return dv.getInt32(at, true) & ((1 << (rem * 8)) - 1);
  let w = 0;
  for (let k = 0; k < rem; k++) w |= (buf[at + k] ?? 0) << (k * 8);
  return w;
}

/**
 * Strings of payloads below VIEW_MIN_BYTES are looked up from a copy in `scratch`, whose
 * DataView and Buffer view are made once: making them for the payload costs ~100 ns each (a
 * call into C++), most of a one-metric NCMD decode, where copying a name costs ~10 ns.
 */
const VIEW_MIN_BYTES = 256;
const scratch = new Uint8Array(MAX_CACHED + 4);
const scratchView = new DataView(scratch.buffer);
const scratchSlicer = slicerOf(scratch);

const names = new StringCache(14, false);
/** Property keys are stored internalized (see `internalize`). */
const keys = new StringCache(11, true);

/** What a string is used as: it picks the cache and whether the lookup is predicted. */
export const STR_VALUE = 0;
export const STR_NAME = 1;
/** A property key (used as `obj[key] = …`). */
export const STR_KEY = 2;

/** Decodes the UTF-8 bytes start..end of `src.buf` (any length, any bytes). */
export function readString(src: TextSource, start: number, end: number, use: number): string {
  const n = end - start;
  if (n <= MAX_CACHED) {
    const s = (use === STR_KEY ? keys : names).get(src, start, n, use !== STR_VALUE);
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
