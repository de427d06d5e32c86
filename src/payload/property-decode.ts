/** Decoding of PropertySet, PropertySetList and PropertyValue (metric properties). */
import { DataType, type Int64, type PropertySet, type PropertyTypeName, type PropertyValue } from './types.js';
import { dataTypeName, isBasicType } from './values.js';
import { decodeError, type Reader } from './reader.js';
import { basicValue, K_BOOL, K_DOUBLE, K_FLOAT, K_INT, K_LONG, K_NONE, K_STRING } from './decode-values.js';
import { readScalar } from './complex-decode.js';
import { MAX_DEPTH } from './complex-encode.js';

/**
 * Keys of the property sets being read, reused across sets: a set puts its keys above its
 * parent's (nested sets are read inside a parent's value) at `keyTop` and resets it when done.
 * Slots above `keyTop` are left as they are (setting `length` is a runtime call); they keep
 * at most the keys of the largest set read so far alive.
 */
const keyStack: string[] = [];
let keyTop = 0;
/** Up to this many keys a duplicate is found by comparing with the earlier keys; then a Set. */
const LINEAR_KEYS = 8;

/**
 * One pass: keys and values arrive as parallel repeated fields (usually all keys, then all
 * values); each value is stored as soon as both it and its key have arrived, so no keys or
 * values arrays are built. Errors are the same and in the same order as reading both arrays
 * first: a malformed field, then unequal counts, then the first duplicate key.
 */
export function readPropertySet(r: Reader, end: number, depth: number): PropertySet<Int64> {
  const at = r.pos;
  if (depth > MAX_DEPTH) decodeError(`templates/property sets nested deeper than ${MAX_DEPTH}`, at);
  const ps: PropertySet<Int64> = {};
  const base = keyTop;
  let nKeys = 0;
  let nValues = 0;
  /** Values that arrived before their key (index = value number). */
  let early: PropertyValue<Int64>[] | undefined;
  let seen: Set<string> | undefined;
  let duplicate: string | undefined;
  try {
    while (r.pos < end) {
      const tag = r.uint32(end);
      if (tag === 0x0a) {
        const k = r.key(end);
        if (duplicate === undefined && isDuplicate(k, base, nKeys, seen)) duplicate = k;
        if (nKeys === LINEAR_KEYS) seen = new Set(keyStack.slice(base, base + nKeys));
        seen?.add(k);
        keyStack[keyTop++] = k;
        if (nKeys < nValues && duplicate === undefined) setProperty(ps, k, early?.[nKeys]);
        nKeys++;
      } else if (tag === 0x12) {
        const e = r.delimited(end);
        const v = readPropertyValue(r, e, depth);
        if (nValues < nKeys) {
          if (duplicate === undefined) setProperty(ps, keyStack[base + nValues] ?? '', v);
        } else (early ??= [])[nValues] = v;
        nValues++;
      } else r.skip(tag, end, 2);
    }
  } finally {
    keyTop = base;
  }
  // [tck-id-payloads-propertyset-keys-array-size] [tck-id-payloads-propertyset-values-array-size]
  if (nKeys !== nValues) decodeError(`PropertySet has ${nKeys} keys but ${nValues} values`, at);
  if (duplicate !== undefined) decodeError(`PropertySet has duplicate key ${JSON.stringify(duplicate)}`, at);
  return ps;
}

/** Whether `k` is one of the `n` keys above `base` (cached keys are internalized: `===` is a pointer compare). */
function isDuplicate(k: string, base: number, n: number, seen: Set<string> | undefined): boolean {
  if (seen !== undefined) return seen.has(k);
  for (let i = base; i < base + n; i++) if (keyStack[i] === k) return true;
  return false;
}

function setProperty(ps: PropertySet<Int64>, k: string, v: PropertyValue<Int64> | undefined): void {
  if (v === undefined) return;
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
