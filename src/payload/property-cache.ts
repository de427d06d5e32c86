/**
 * Metric property sets by their encoded bytes, for `DecodeOptions.shareProperties`. Births repeat
 * the same sets over and over (every metric of a type has the same unit, limits and description on
 * every edge node): a set whose bytes equal those of a set decoded recently is that same frozen
 * object, found with one hash pass and one compare pass over the bytes (~0.1 µs for a 100-byte
 * set) instead of decoding ~5 objects that a host would otherwise find equal and drop.
 *
 * Bounded like the string cache: up to MAX_ENTRIES sets of ≤ MAX_SET_BYTES bytes, their bytes in
 * one arena of ARENA_WORDS words (allocated on first use; 512 KiB + ~100 KiB of tables). When
 * either is full everything is dropped and refills from the births that follow.
 */
import type { Int64, PropertySet, PropertyValue } from './types.js';
import type { Reader } from './reader.js';
import { readPropertySet } from './property-decode.js';
import { tailWord } from './strings.js';

const MAX_ENTRIES = 4096;
/** Larger sets are rare and unlikely to repeat: decoded (and frozen) without the cache. */
const MAX_SET_BYTES = 1024;
const ARENA_WORDS = 1 << 17;
/** Slots of the hash table (twice the entries), in sets of WAYS (see strings.ts). */
const BITS = 13;
const WAYS = 4;
const MASK = ((1 << BITS) - 1) & ~(WAYS - 1);

interface Tables {
  /** Per slot: the entry it holds, or −1. */
  readonly table: Int32Array;
  /** Per set of slots: the way the next miss replaces. */
  readonly victim: Uint8Array;
  /** Per entry: byte length, first arena word, the set. */
  readonly lengths: Int32Array;
  readonly offsets: Int32Array;
  readonly sets: (PropertySet<Int64> | undefined)[];
  readonly arena: Int32Array;
  /**
   * Per entry: the entry looked up after it. Births list their metrics in the same order every
   * time, so the successor of the last set is tried first: a hit is one compare pass, no hash
   * pass. A successor dropped with the cache has no set (or, refilled, bytes and set of its own).
   */
  readonly next: Int32Array;
}

let tables: Tables | undefined;
let entries = 0;
let used = 0;
let last = 0;

function allocate(): Tables {
  return {
    table: new Int32Array(1 << BITS).fill(-1),
    victim: new Uint8Array(1 << BITS),
    lengths: new Int32Array(MAX_ENTRIES),
    offsets: new Int32Array(MAX_ENTRIES),
    sets: new Array<PropertySet<Int64> | undefined>(MAX_ENTRIES).fill(undefined),
    arena: new Int32Array(ARENA_WORDS),
    next: new Int32Array(MAX_ENTRIES),
  };
}

/**
 * The property set of a top-level metric at `r.pos`..`end`, frozen with everything in it, and the
 * same object as an earlier set of equal bytes while that one is in the cache. Equal bytes decode
 * to equal sets (at the same depth), and only sets that decoded without error are stored.
 */
export function sharedPropertySet(r: Reader, end: number): PropertySet<Int64> {
  const at = r.pos;
  const n = end - at;
  if (n > MAX_SET_BYTES) return freezeSet(readPropertySet(r, end, 1));
  const t = (tables ??= allocate());
  const dv = r.view();
  const full = at + (n & ~3);
  const tail = tailWord(dv, r.buf, full, n & 3);
  const guess = t.next[last] ?? 0;
  if (matches(t, guess, dv, at, full, n, tail)) {
    last = guess;
    r.pos = end;
    return t.sets[guess] as PropertySet<Int64>;
  }
  let h = n;
  for (let i = at; i < full; i += 4) {
    h = Math.imul(h ^ dv.getInt32(i, true), 0x9e3779b1);
    h ^= h >>> 15;
  }
  h = Math.imul(h ^ tail, 0x9e3779b1);
  const slot = (h ^ (h >>> 15)) & MASK;
  for (let w = slot; w < slot + WAYS; w++) {
    const e = t.table[w] ?? -1;
    if (e >= 0 && matches(t, e, dv, at, full, n, tail)) {
      t.next[last] = e;
      last = e;
      r.pos = end;
      return t.sets[e] as PropertySet<Int64>;
    }
  }
  const set = freezeSet(readPropertySet(r, end, 1));
  const words = (n >> 2) + 1;
  if (entries === MAX_ENTRIES || used + words > ARENA_WORDS) {
    // Full (entries replaced in their slot are not reused): start again, releasing the sets.
    t.table.fill(-1);
    t.sets.fill(undefined);
    entries = 0;
    used = 0;
  }
  const e = entries++;
  const way = t.victim[slot] ?? 0;
  t.victim[slot] = (way + 1) & (WAYS - 1);
  t.table[slot + way] = e;
  t.lengths[e] = n;
  t.offsets[e] = used;
  t.sets[e] = set;
  const arena = t.arena;
  for (let i = at; i < full; i += 4) arena[used++] = dv.getInt32(i, true);
  arena[used++] = tail;
  t.next[last] = e;
  last = e;
  return set;
}

/** Whether entry `e` holds a set of the `n` bytes at `at` (`full`: end of their whole words). */
function matches(t: Tables, e: number, dv: DataView, at: number, full: number, n: number, tail: number): boolean {
  if (t.lengths[e] !== n || t.sets[e] === undefined) return false;
  const arena = t.arena;
  let word = t.offsets[e] ?? 0;
  let i = at;
  while (i < full && arena[word] === dv.getInt32(i, true)) {
    i += 4;
    word++;
  }
  return i === full && arena[word] === tail;
}

/** Freezes the set, its values and any sets or lists nested in them. */
function freezeSet(set: PropertySet<Int64>): PropertySet<Int64> {
  for (const k in set) freezeValue(set[k] as PropertyValue<Int64>);
  return Object.freeze(set);
}

function freezeValue(p: PropertyValue<Int64>): void {
  const v = p.value;
  if (Array.isArray(v)) {
    for (const s of v) freezeSet(s);
    Object.freeze(v);
  } else if (typeof v === 'object' && v !== null) freezeSet(v);
  Object.freeze(p);
}
