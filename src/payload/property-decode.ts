/** Decoding of PropertySet, PropertySetList and PropertyValue (metric properties). */
import { DataType, type Int64, type PropertySet, type PropertyTypeName, type PropertyValue } from './types.js';
import { dataTypeName, isBasicType } from './values.js';
import { decodeError, type Reader } from './reader.js';
import { basicValue, K_BOOL, K_DOUBLE, K_FLOAT, K_INT, K_LONG, K_NONE, K_STRING } from './decode-values.js';
import { readScalar } from './complex-decode.js';
import { MAX_DEPTH } from './complex-encode.js';
import { readString, STR_VALUE } from './strings.js';

/**
 * Keys and values of the property sets being read, reused across sets: a set puts its keys
 * and values above its parent's (nested sets are read inside a parent's value) at
 * `keyTop`/`valueTop` and resets both when done. Key slots above `keyTop` are left as they are
 * (setting `length` is a runtime call; they keep at most the keys of the largest set alive);
 * value slots are cleared, so no decoded object outlives its payload here.
 */
const keyStack: string[] = [];
let keyTop = 0;
const valueStack: PropertyValue<Int64>[] = [];
let valueTop = 0;
/** Placeholder for cleared value slots (never returned). */
const NO_VALUE: PropertyValue<Int64> = { type: 'Int32' };
/** Up to this many keys a duplicate is found by comparing with the earlier keys; then a Set. */
const LINEAR_KEYS = 8;

/**
 * The leading key fields (tags, lengths and bytes) of the last set that was recorded, and
 * their keys. Births give every metric the same keys (engUnit, min, max): a set that starts
 * with the same bytes takes the keys from here after one byte compare, instead of one string
 * cache lookup per key. At most LINEAR_KEYS distinct keys, so the duplicate check that follows
 * needs no Set of them.
 */
const MAX_RUN = 64;
const lastRun = new Uint8Array(MAX_RUN);
const lastRunView = new DataView(lastRun.buffer);
let lastRunLength = 0;
const lastKeys: string[] = [];
let lastKeyCount = 0;

/**
 * One pass collects keys and values (parallel repeated fields, in any interleaving); the
 * object is built when the set is complete. Errors are the same and in the same order as
 * reading both arrays first: a malformed field, then unequal counts, then the first duplicate
 * key. Properties are in key order, as they were when each was stored on arrival.
 */
export function readPropertySet(r: Reader, end: number, depth: number): PropertySet<Int64> {
  const at = r.pos;
  if (depth > MAX_DEPTH) decodeError(`templates/property sets nested deeper than ${MAX_DEPTH}`, at);
  const keyBase = keyTop;
  const valueBase = valueTop;
  let nKeys = 0;
  let nValues = 0;
  let seen: Set<string> | undefined;
  let duplicate: string | undefined;
  /** End and number of the leading key fields; `inRun` while only keys have been read. */
  let runEnd = at;
  let runKeys = 0;
  let inRun = true;
  try {
    if (sameRun(r, at, end)) {
      for (let i = 0; i < lastKeyCount; i++) keyStack[keyTop++] = lastKeys[i] ?? '';
      nKeys = lastKeyCount;
      r.pos = at + lastRunLength;
      inRun = false; // already recorded
    }
    while (r.pos < end) {
      const tag = r.uint32(end);
      if (tag !== 0x0a) inRun = false;
      if (tag === 0x0a) {
        const k = r.key(end);
        if (duplicate === undefined && isDuplicate(k, keyBase, nKeys, seen)) duplicate = k;
        if (nKeys === LINEAR_KEYS) seen = new Set(keyStack.slice(keyBase, keyBase + nKeys));
        seen?.add(k);
        keyStack[keyTop++] = k;
        nKeys++;
        if (inRun) {
          runEnd = r.pos;
          runKeys = nKeys;
        }
      } else if (tag === 0x12) {
        const e = r.delimited(end);
        // A nested set inside this value uses the slots from valueTop up and resets valueTop.
        const v = readPropertyValue(r, e, depth);
        valueStack[valueTop++] = v;
        nValues++;
      } else r.skip(tag, end, 2);
    }
    // [tck-id-payloads-propertyset-keys-array-size] [tck-id-payloads-propertyset-values-array-size]
    if (nKeys !== nValues) decodeError(`PropertySet has ${nKeys} keys but ${nValues} values`, at);
    if (duplicate !== undefined) decodeError(`PropertySet has duplicate key ${JSON.stringify(duplicate)}`, at);
    if (runEnd > at) recordRun(r.buf, at, runEnd, keyBase, runKeys);
    return buildSet(keyBase, valueBase, nKeys);
  } finally {
    for (let i = valueBase; i < valueTop; i++) valueStack[i] = NO_VALUE;
    keyTop = keyBase;
    valueTop = valueBase;
  }
}

/**
 * Whether the bytes at `at` start with the recorded key fields (inside the set). Compared 4
 * bytes at a time (a byte loop was ~8% of a 2,000-metric birth's profile), then the last
 * 0..3 bytes.
 */
function sameRun(r: Reader, at: number, end: number): boolean {
  const n = lastRunLength;
  if (n === 0 || at + n > end) return false;
  const dv = r.view();
  const full = n & ~3;
  for (let i = 0; i < full; i += 4) if (dv.getInt32(at + i, true) !== lastRunView.getInt32(i, true)) return false;
  const buf = r.buf;
  for (let i = full; i < n; i++) if (buf[at + i] !== lastRun[i]) return false;
  return true;
}

/** Records the key fields at..runEnd, whose `count` keys are on the key stack from `keyBase`. */
function recordRun(buf: Uint8Array, at: number, runEnd: number, keyBase: number, count: number): void {
  if (runEnd - at > MAX_RUN || count > LINEAR_KEYS) return;
  lastRun.set(buf.subarray(at, runEnd));
  lastRunLength = runEnd - at;
  for (let i = 0; i < count; i++) lastKeys[i] = keyStack[keyBase + i] ?? '';
  lastKeyCount = count;
}

/**
 * The object of the `n` keys and values at the bases. Small sets (engUnit/min/max, plus a
 * description, are the common ones) are one computed-key literal: ~40 ns for three keys against ~110 ns for three
 * keyed stores at one site, which V8 sees with every key (megamorphic). A computed
 * `["__proto__"]` key is an own property, never the prototype, as in `setProperty`.
 */
function buildSet(kb: number, vb: number, n: number): PropertySet<Int64> {
  const k0 = keyStack[kb] ?? '';
  const v0 = valueStack[vb] ?? NO_VALUE;
  switch (n) {
    case 0:
      return {};
    case 1:
      return { [k0]: v0 };
    case 2:
      return { [k0]: v0, [keyStack[kb + 1] ?? '']: valueStack[vb + 1] ?? NO_VALUE };
    case 3:
      return { [k0]: v0, [keyStack[kb + 1] ?? '']: valueStack[vb + 1] ?? NO_VALUE, [keyStack[kb + 2] ?? '']: valueStack[vb + 2] ?? NO_VALUE };
    case 4:
      return {
        [k0]: v0,
        [keyStack[kb + 1] ?? '']: valueStack[vb + 1] ?? NO_VALUE,
        [keyStack[kb + 2] ?? '']: valueStack[vb + 2] ?? NO_VALUE,
        [keyStack[kb + 3] ?? '']: valueStack[vb + 3] ?? NO_VALUE,
      };
    default: {
      const ps: PropertySet<Int64> = {};
      for (let i = 0; i < n; i++) setProperty(ps, keyStack[kb + i] ?? '', valueStack[vb + i] ?? NO_VALUE);
      return ps;
    }
  }
}

/** Whether `k` is one of the `n` keys above `base` (cached keys are internalized: `===` is a pointer compare). */
function isDuplicate(k: string, base: number, n: number, seen: Set<string> | undefined): boolean {
  if (seen !== undefined) return seen.has(k);
  for (let i = base; i < base + n; i++) if (keyStack[i] === k) return true;
  return false;
}

function setProperty(ps: PropertySet<Int64>, k: string, v: PropertyValue<Int64>): void {
  // defineProperty so that a key like "__proto__" is a plain own property, not the prototype.
  if (k === '__proto__') Object.defineProperty(ps, k, { value: v, enumerable: true, writable: true, configurable: true });
  else ps[k] = v;
}

/**
 * The common value fields (int..string, in bounds) are read in the one pass; anything else in
 * fields 3..11 is skipped and re-read by `readScalar` afterwards, as before, so that unusual
 * input gets the same errors.
 */
function readPropertyValue(r: Reader, end: number, depth: number): PropertyValue<Int64> {
  const at = r.pos;
  const buf = r.buf;
  // Fast path for what births carry (units, limits, descriptions): a one-byte type, then
  // exactly one value field of that type. Anything else, errors included, takes the loop.
  if (buf[at] === 0x08 && at + 3 < end) {
    const v = scalarProperty(r, buf[at + 1] ?? 0, at + 2, end);
    if (v !== undefined) return v;
  }
  let type = -1;
  let isNull: boolean | undefined;
  let nested: PropertySet<Int64> | PropertySet<Int64>[] | undefined;
  let nestedType = 0;
  let valueStart = -1;
  let valueEnd = -1;
  let kind = K_NONE;
  let lo = 0;
  let hi = 0;
  let num = 0;
  let str = '';
  while (r.pos < end) {
    const start = r.pos;
    const tag = r.uint32(end);
    const field = tag >>> 3;
    if (field >= 3 && field <= 11 && valueStart !== -1) decodeError('property value has more than one value field', start);
    if (tag === 0x08) type = r.uint32(end);
    else if (tag === 0x10) isNull = r.bool(end);
    else if (tag === 0x4a || tag === 0x52) {
      const e = r.delimited(end);
      nested = tag === 0x4a ? readPropertySet(r, e, depth + 1) : readPropertySetList(r, e, depth + 1);
      nestedType = tag === 0x4a ? DataType.PropertySet : DataType.PropertySetList;
      valueStart = start;
    } else if (field >= 3 && field <= 11) {
      valueStart = start;
      if (tag === 0x18) {
        kind = K_INT;
        lo = r.uint32(end);
      } else if (tag === 0x20) {
        kind = K_LONG;
        r.varint64(end);
        lo = r.lo;
        hi = r.hi;
      } else if (tag === 0x2d && r.pos + 4 <= end) {
        kind = K_FLOAT;
        num = r.float(end);
      } else if (tag === 0x31 && r.pos + 8 <= end) {
        kind = K_DOUBLE;
        num = r.double(end);
      } else if (tag === 0x38) {
        kind = K_BOOL;
        num = r.bool(end) ? 1 : 0;
      } else if (tag === 0x42) {
        kind = K_STRING;
        str = r.string(end);
      } else {
        r.skip(tag, end, 0);
        valueEnd = r.pos;
      }
    } else r.skip(tag, end, 2);
  }
  // [tck-id-payloads-metric-propertyvalue-type-req] [tck-id-payloads-metric-propertyvalue-type-type]
  if (type === -1) decodeError('property value without a type', at);
  if (!isBasicType(type) && type !== DataType.PropertySet && type !== DataType.PropertySetList) {
    decodeError(`property value type ${type} is not allowed`, at);
  }
  const typeName = dataTypeName(type) as PropertyTypeName;
  let value: PropertyValue<Int64>['value'];
  if (isNull === true) {
    if (valueStart !== -1) decodeError('property value has is_null and a value', at);
    value = null;
  } else if (nested !== undefined) {
    // [tck-id-payloads-metric-propertyvalue-type-value]
    if (nestedType !== type) decodeError(`property value of type ${dataTypeName(type) ?? type} holds a ${dataTypeName(nestedType) ?? nestedType}`, at);
    value = nested;
  } else if (valueStart !== -1) {
    if (!isBasicType(type)) decodeError(`property value of type ${dataTypeName(type) ?? type} holds a scalar`, at);
    if (kind !== K_NONE) value = basicValue(type, kind, lo, hi, num, str, valueStart);
    else {
      const save = r.pos;
      r.pos = valueStart;
      const v = readScalar(r, valueEnd, 3, type, false);
      r.pos = save;
      if (v !== null) value = v;
    }
  }
  // Literals of fixed shapes (type, value, isNull in this order), not a growing object.
  if (isNull === undefined) return value === undefined ? { type: typeName } : { type: typeName, value };
  return value === undefined ? { type: typeName, isNull } : { type: typeName, value, isNull };
}

/**
 * `{ type, value }` when the bytes at..end are exactly one value field that type `t` uses
 * (a one-byte-length string, a varint, a float or a double); else undefined, and nothing is
 * read. Integers are sign-extended and split into number/bigint as `basicValue` does.
 */
function scalarProperty(r: Reader, t: number, at: number, end: number): PropertyValue<Int64> | undefined {
  const buf = r.buf;
  const tag = buf[at];
  switch (t) {
    case DataType.Double:
      if (tag !== 0x31 || at + 9 !== end) return undefined;
      r.pos = at + 1;
      return { type: 'Double', value: r.double(end) };
    case DataType.Float:
      if (tag !== 0x2d || at + 5 !== end) return undefined;
      r.pos = at + 1;
      return { type: 'Float', value: r.float(end) };
    case DataType.String:
    case DataType.Text: {
      const n = buf[at + 1] ?? 0x80; // a one-byte length: the string is the rest of the value
      if (tag !== 0x42 || n >= 0x80 || at + 2 + n !== end) return undefined;
      r.pos = end;
      return { type: t === DataType.String ? 'String' : 'Text', value: readString(r, at + 2, end, STR_VALUE) };
    }
    case DataType.Int8:
    case DataType.Int16:
    case DataType.Int32:
    case DataType.UInt8:
    case DataType.UInt16:
    case DataType.UInt32:
    case DataType.Int64:
    case DataType.UInt64:
    case DataType.DateTime:
    case DataType.Boolean: {
      const long = t === DataType.Int64 || t === DataType.UInt64 || t === DataType.DateTime;
      if (tag !== (long ? 0x20 : t === DataType.Boolean ? 0x38 : 0x18)) return undefined;
      r.pos = at + 1;
      r.varint64(end);
      if (r.pos !== end) {
        r.pos = at - 2;
        return undefined;
      }
      const kind = long ? K_LONG : t === DataType.Boolean ? K_BOOL : K_INT;
      // int_value is a uint32 field: its varint is truncated to the low 32 bits, as `uint32` reads it.
      const value = basicValue(t, kind, r.lo, kind === K_LONG ? r.hi : 0, (r.lo | r.hi) !== 0 ? 1 : 0, '', at);
      return { type: dataTypeName(t) as PropertyTypeName, value };
    }
    default:
      return undefined;
  }
}

function readPropertySetList(r: Reader, end: number, depth: number): PropertySet<Int64>[] {
  const list: PropertySet<Int64>[] = [];
  while (r.pos < end) {
    const tag = r.uint32(end);
    if (tag === 0x0a) {
      const e = r.delimited(end);
      list.push(readPropertySet(r, e, depth));
    } else r.skip(tag, end, 1);
  }
  return list;
}
