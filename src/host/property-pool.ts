/**
 * Birth property sets shared between metrics. A plant's births repeat the same sets over and over
 * (every pump of a type has the same unit, limits and description on every edge node), and a
 * decoded set costs ~220 bytes (the set and one object per property): at 1,000,000 metrics that
 * alone was most of the host's memory. Equal flat sets (scalar values only) become one frozen
 * object, and sets that differ share their equal values; sets with nested sets or lists, or with
 * isNull, are kept as decoded.
 *
 * Bounded: the pool only finds equal sets, the tables hold them. When it reaches MAX_ENTRIES it is
 * dropped and refills from the births that follow; sets already shared stay shared.
 */
import type { Int64, PropertySet, PropertyValue } from '../payload/types.js';

const MAX_ENTRIES = 16384;

/**
 * Two tries of Maps. Shapes: per property its key, then its type; under END the shape's value
 * trie: per property its value; under END the set. Map lookups by the decoder's strings (cached,
 * so usually the same string objects, hashed once) cost far less than building and hashing one
 * key string per set, and a set with the keys and types of the previous one (every metric of a
 * birth, usually) skips the shape trie.
 */
type Trie = Map<unknown, unknown>;
const END = Symbol('end');
/** Map keys are compared as SameValueZero: -0 gets a key of its own. */
const NEG_ZERO = Symbol('-0');

interface Shape {
  readonly keys: string[];
  readonly types: string[];
  readonly values: Trie;
}

let shapes: Trie = new Map();
let last: Shape | undefined;
let entries = 0;

function child(t: Trie, key: unknown): Trie {
  let c = t.get(key) as Trie | undefined;
  if (c === undefined) {
    c = new Map();
    t.set(key, c);
  }
  return c;
}

function shapeOf(set: PropertySet<Int64>): Shape {
  let t = shapes;
  const keys: string[] = [];
  const types: string[] = [];
  for (const k in set) {
    const type = set[k]?.type ?? '';
    keys.push(k);
    types.push(type);
    t = child(child(t, k), type);
  }
  let shape = t.get(END) as Shape | undefined;
  if (shape === undefined) {
    shape = { keys, types, values: new Map() };
    t.set(END, shape);
  }
  return shape;
}

/**
 * Property values shared between sets that differ (a description unique per metric beside the
 * unit and limits many metrics have): type → value → one frozen PropertyValue, bounded as the sets.
 */
let values = new Map<string, Map<unknown, PropertyValue<Int64>>>();
let valueEntries = 0;

function sharedValue(p: PropertyValue<Int64>): PropertyValue<Int64> {
  let byValue = values.get(p.type);
  if (byValue === undefined) {
    byValue = new Map();
    values.set(p.type, byValue);
  }
  const key = Object.is(p.value, -0) ? NEG_ZERO : p.value;
  const found = byValue.get(key);
  if (found !== undefined) return found;
  if (valueEntries >= MAX_ENTRIES) {
    values = new Map([[p.type, (byValue = new Map())]]);
    valueEntries = 0;
  }
  valueEntries++;
  byValue.set(key, Object.freeze(p));
  return p;
}

/**
 * The set, frozen, with its values shared: `set` itself, or a copy when the decoder froze it (a set
 * of DecodeOptions.shareProperties). A set's own "__proto__" key is left as it is: assigning it
 * would set the prototype.
 */
function freeze(set: PropertySet<Int64>, frozen: boolean): PropertySet<Int64> {
  const out: PropertySet<Int64> = frozen ? {} : set;
  for (const k in set) {
    const p = set[k] as PropertyValue<Int64>;
    if (k !== '__proto__') out[k] = sharedValue(p);
    else if (frozen) Object.defineProperty(out, k, { value: p, enumerable: true });
    else Object.freeze(p);
  }
  return Object.freeze(out);
}

/**
 * The decoder's shared sets (DecodeOptions.shareProperties: frozen, one object for equal bytes) that
 * were found equal to a pooled set → that set: a set seen again costs one lookup instead of the
 * search. Only repeats are entered: a set seen once (a description per device) costs a lookup that
 * misses; entering every set (1,000,000 WeakMap entries and their GC work) cost more than the
 * search it saves. Weak: an entry lasts while the decoder's cache holds its set.
 */
const known = new WeakMap<PropertySet<Int64>, PropertySet<Int64>>();

/**
 * `set`, or an equal set already in use (frozen: it is shared by every metric that has it). Only
 * sets of scalar values without `isNull` are shared; any other set is returned as decoded.
 */
export function sharedProperties(set: PropertySet<Int64>): PropertySet<Int64> {
  const seen = known.get(set);
  if (seen !== undefined) return seen;
  const frozen = Object.isFrozen(set);
  found = false;
  const out = search(set, frozen);
  if (frozen && found) known.set(set, out);
  return out;
}

/** Whether the last search found an equal set in the pool. */
let found = false;

function search(set: PropertySet<Int64>, frozen: boolean): PropertySet<Int64> {
  let shape = last;
  let n = 0;
  for (const k in set) {
    const p = set[k];
    if (p === undefined || p.isNull !== undefined) return set;
    const v = p.value;
    if (typeof v === 'object' && v !== null) return set;
    if (shape !== undefined && (shape.keys[n] !== k || shape.types[n] !== p.type)) shape = undefined;
    n++;
  }
  if (shape === undefined || shape.keys.length !== n) shape = last = shapeOf(set);
  let t = shape.values;
  for (const k in set) {
    const v = set[k]?.value;
    t = child(t, Object.is(v, -0) ? NEG_ZERO : v);
  }
  const equal = t.get(END) as PropertySet<Int64> | undefined;
  if (equal !== undefined) {
    found = true;
    return equal;
  }
  if (entries >= MAX_ENTRIES) {
    // Start over (the sets in use stay in their tables); `t` belongs to the dropped tries.
    shapes = new Map();
    last = undefined;
    entries = 0;
    return freeze(set, frozen);
  }
  entries++;
  const out = freeze(set, frozen);
  t.set(END, out);
  return out;
}
