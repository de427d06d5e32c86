/**
 * Birth property sets shared between metrics. A plant's births repeat the same sets over and over
 * (every pump of a type has the same unit, limits and description on every edge node), and a
 * decoded set costs ~220 bytes (the set and one object per property): at 1,000,000 metrics that
 * alone was most of the host's memory. Equal flat sets (scalar values only) become one frozen
 * object; nested sets are kept as decoded.
 *
 * Bounded: the pool only finds equal sets, the tables hold them. When it reaches MAX_ENTRIES it is
 * dropped and refills from the births that follow; sets already shared stay shared.
 */
import type { Int64, PropertySet, PropertyValue } from '../payload/types.js';

const MAX_ENTRIES = 16384;
const pool = new Map<string, PropertySet<Int64>>();

/** The pool's key of a flat set, or undefined when a value is not a scalar (nested sets, lists). */
function keyOf(set: PropertySet<Int64>): string | undefined {
  let key = '';
  for (const k in set) {
    const p = set[k];
    if (p === undefined) return undefined;
    const v = p.value;
    let vk: string;
    switch (typeof v) {
      case 'string':
        vk = `s${v}`;
        break;
      case 'number':
        // -0 and 0 print alike; keep them apart so a shared set reads back exactly as born
        vk = Object.is(v, -0) ? 'n-0' : `n${v}`;
        break;
      case 'bigint':
        vk = `b${v}`;
        break;
      case 'boolean':
        vk = v ? 't' : 'f';
        break;
      case 'undefined':
        vk = 'u';
        break;
      default:
        if (v !== null) return undefined;
        vk = 'z';
    }
    // A present isNull (true or false) is part of the set as decoded.
    const nul = p.isNull === undefined ? '' : p.isNull ? '!' : '?';
    key += `${k}\u0000${p.type}${nul}\u0000${vk}\u0001`;
  }
  return key;
}

function freeze(set: PropertySet<Int64>): PropertySet<Int64> {
  for (const k in set) Object.freeze(set[k] as PropertyValue<Int64>);
  return Object.freeze(set);
}

/** `set`, or an equal set already in use (frozen: it is shared by every metric that has it). */
export function sharedProperties(set: PropertySet<Int64>): PropertySet<Int64> {
  const key = keyOf(set);
  if (key === undefined) return set;
  const found = pool.get(key);
  if (found !== undefined) return found;
  if (pool.size >= MAX_ENTRIES) pool.clear();
  pool.set(key, freeze(set));
  return set;
}
