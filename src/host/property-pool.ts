/**
 * Birth property sets shared between metrics. A plant's births repeat the same sets over and over
 * (every pump of a type has the same unit, limits and description on every edge node), and a
 * decoded set costs ~220 bytes (the set and one object per property): at 1,000,000 metrics that
 * alone was most of the host's memory. Equal flat sets (scalar values only) become one frozen
 * object; sets with nested sets or lists are kept as decoded.
 *
 * Bounded: the pool only finds equal sets, the tables hold them. When it reaches MAX_ENTRIES it is
 * dropped and refills from the births that follow; sets already shared stay shared.
 */
import type { Int64, PropertySet, PropertyValue } from '../payload/types.js';

const MAX_ENTRIES = 16384;

/**
 * A trie of Maps: per property, its key, then its type, then its value; the set found at the end
 * is under END. Map lookups by the decoder's strings (cached, so usually the same string objects,
 * hashed once) cost far less than building and hashing one key string per set.
 */
type Trie = Map<unknown, Trie | PropertySet<Int64>>;
const END = Symbol('end');
/** Map keys are compared as SameValueZero: -0 gets a key of its own. */
const NEG_ZERO = Symbol('-0');
let root: Trie = new Map();
let entries = 0;

function child(t: Trie, key: unknown): Trie {
  let c = t.get(key);
  if (c === undefined) {
    c = new Map();
    t.set(key, c);
  }
  return c as Trie;
}

function freeze(set: PropertySet<Int64>): PropertySet<Int64> {
  for (const k in set) Object.freeze(set[k] as PropertyValue<Int64>);
  return Object.freeze(set);
}

/**
 * `set`, or an equal set already in use (frozen: it is shared by every metric that has it). Only
 * sets of scalar values without `isNull` are shared; any other set is returned as decoded.
 */
export function sharedProperties(set: PropertySet<Int64>): PropertySet<Int64> {
  let t = root;
  for (const k in set) {
    const p = set[k];
    if (p === undefined || p.isNull !== undefined) return set;
    const v = p.value;
    if (typeof v === 'object' && v !== null) return set;
    t = child(child(child(t, k), p.type), Object.is(v, -0) ? NEG_ZERO : v);
  }
  const found = t.get(END);
  if (found !== undefined) return found as PropertySet<Int64>;
  if (entries >= MAX_ENTRIES) {
    // Start over (the sets in use stay in their tables); `t` belongs to the dropped trie.
    root = new Map();
    entries = 0;
    return freeze(set);
  }
  entries++;
  t.set(END, freeze(set));
  return set;
}
