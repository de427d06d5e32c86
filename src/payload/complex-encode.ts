/** Encoding of the structured values: DataSet, Template (with Parameters) and PropertySet/List. */
import { DataType } from './types.js';
import { describe, encodeError, isBasicType, dataTypeNumber } from './values.js';
import { typeNumber, withContext, writeBasic, writeBool, writeMetric, writeString, writeU64 } from './encode.js';
import type { Writer } from './writer.js';
import { writeName } from './name-cache.js';

/** Deepest nesting of templates and property sets, on encode and decode (stack safety). */
export const MAX_DEPTH = 32;

function basicType(name: unknown, what: string): number {
  const n = typeof name === 'string' ? (dataTypeNumber(name) ?? 0) : 0;
  if (!isBasicType(n)) encodeError(`${what}: ${describe(name)} is not a basic type (Int8..Text)`);
  return n;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function encodeDataSet(w: Writer, ds: unknown, what: string): void {
  if (!isRecord(ds)) encodeError(`${what} must be an object, got ${describe(ds)}`);
  const { columns, types, rows, numOfColumns } = ds;
  if (!Array.isArray(columns) || !Array.isArray(types) || !Array.isArray(rows)) {
    encodeError(`${what} needs columns, types and rows arrays`);
  }
  const n = columns.length;
  // [tck-id-payloads-dataset-column-num-headers] [tck-id-payloads-dataset-types-num] equal lengths
  if (types.length !== n) encodeError(`${what}: ${types.length} types for ${n} columns`);
  // [tck-id-payloads-dataset-column-size] num_of_columns is present and equals the column count
  w.byte(0x08);
  if (numOfColumns === undefined) w.uint32(n);
  else {
    if (!(numOfColumns === n || numOfColumns === BigInt(n))) encodeError(`${what}: numOfColumns ${describe(numOfColumns)} but ${n} columns`);
    writeU64(w, numOfColumns, `${what} numOfColumns`);
  }
  for (const c of columns) {
    w.byte(0x12);
    writeString(w, c, `${what} column name`);
  }
  // [tck-id-payloads-dataset-types-def] [tck-id-payloads-dataset-types-type] basic types only,
  // unpacked as proto2 declares them; [tck-id-payloads-dataset-parameter-type-req] always present.
  const typeNums = types.map((t) => basicType(t, `${what} column type`));
  for (const t of typeNums) {
    w.byte(0x18);
    w.uint32(t);
  }
  // Error contexts per column, once per DataSet rather than a template string per cell.
  const cellWhat = typeNums.map((_, i) => `${what} row cell ${i}`);
  for (const row of rows) {
    if (!Array.isArray(row) || row.length !== n) encodeError(`${what}: every row must be an array of ${n} cells`);
    w.byte(0x22);
    const rowStart = w.beginLen();
    for (let i = 0; i < n; i++) {
      w.byte(0x0a);
      const cellStart = w.beginLen();
      const cell: unknown = row[i];
      // A null cell is an empty DataSetValue (the TCK dislikes these, the schema allows them).
      // [tck-id-payloads-template-dataset-value] other cells use the value field of their column type
      if (cell !== null) writeBasic(w, typeNums[i] ?? 0, cell, 1, cellWhat[i] ?? what);
      w.endLen(cellStart);
    }
    w.endLen(rowStart);
  }
}

export function encodeTemplate(w: Writer, t: unknown, depth: number, what: string): void {
  if (!isRecord(t)) encodeError(`${what} must be an object, got ${describe(t)}`);
  const { version, metrics, parameters, templateRef, isDefinition } = t;
  if (version !== undefined) {
    w.byte(0x0a);
    // [tck-id-payloads-template-version] a UTF-8 string
    writeString(w, version, `${what} version`);
  }
  if (metrics !== undefined) {
    if (!Array.isArray(metrics)) encodeError(`${what} metrics must be an array`);
    for (const m of metrics) {
      w.byte(0x12);
      const start = w.beginLen();
      try {
        writeMetric(w, m, depth, false);
      } catch (e: unknown) {
        throw withContext(e, m);
      }
      w.endLen(start);
    }
  }
  if (parameters !== undefined) {
    if (!Array.isArray(parameters)) encodeError(`${what} parameters must be an array`);
    for (const p of parameters) {
      w.byte(0x1a);
      const start = w.beginLen();
      encodeParameter(w, p, what);
      w.endLen(start);
    }
  }
  if (templateRef !== undefined) {
    // [tck-id-payloads-template-definition-ref] a definition has no template_ref
    if (isDefinition === true) encodeError(`${what}: a definition must not have a templateRef`);
    w.byte(0x22);
    writeString(w, templateRef, `${what} templateRef`);
  }
  // [tck-id-payloads-template-is-definition] written explicitly, false included, when given
  if (isDefinition !== undefined) writeBool(w, 0x28, isDefinition, `${what} isDefinition`);
}

function encodeParameter(w: Writer, p: unknown, what: string): void {
  if (!isRecord(p)) encodeError(`${what} parameter must be an object`);
  // [tck-id-payloads-template-parameter-name-required]
  w.byte(0x0a);
  writeString(w, p['name'], `${what} parameter name`);
  const pw = `${what} parameter "${String(p['name'])}"`;
  // [tck-id-payloads-template-parameter-value-type] type is a basic type number
  const type = basicType(p['type'], pw);
  w.byte(0x10);
  w.uint32(type);
  const v = p['value'];
  // [tck-id-payloads-template-parameter-value] int/long/float/double/boolean/string by type
  if (v !== undefined && v !== null) writeBasic(w, type, v, 3, pw);
}

export function encodePropertySet(w: Writer, ps: unknown, depth: number, what: string): void {
  if (!isRecord(ps)) encodeError(`${what} must be an object of key → PropertyValue`);
  if (depth > MAX_DEPTH) encodeError(`${what}: property sets nested deeper than ${MAX_DEPTH}`);
  const keys = Object.keys(ps);
  // [tck-id-payloads-propertyset-keys-array-size] [tck-id-payloads-propertyset-values-array-size]
  // one key per value by construction.
  writeKeys(w, keys);
  for (const k of keys) {
    w.byte(0x12);
    const start = w.beginLen();
    encodePropertyValue(w, ps[k], depth, what);
    w.endLen(start);
  }
}

/**
 * The key fields of the last set written, and their keys. Births give every metric the same
 * keys (engUnit, engLow, engHigh, description): a set with the same key strings in the same
 * order copies these bytes instead of one name-cache lookup per key.
 */
const MAX_KEY_BYTES = 128;
const lastKeyBytes = new Uint8Array(MAX_KEY_BYTES);
let lastKeyLength = 0;
const lastKeys: string[] = [];

function writeKeys(w: Writer, keys: readonly string[]): void {
  const n = keys.length;
  let same = lastKeyLength > 0 && n === lastKeys.length;
  for (let i = 0; same && i < n; i++) same = keys[i] === lastKeys[i];
  if (same) {
    const len = lastKeyLength;
    w.ensure(len);
    const buf = w.buf;
    const pos = w.pos;
    for (let i = 0; i < len; i++) buf[pos + i] = lastKeyBytes[i] ?? 0;
    w.pos = pos + len;
    return;
  }
  const start = w.pos;
  // Keys, units and descriptions repeat in every birth: their bytes come from the name cache.
  for (const k of keys) {
    w.byte(0x0a);
    writeName(w, k);
  }
  const len = w.pos - start;
  lastKeyLength = 0;
  if (len > MAX_KEY_BYTES) return;
  lastKeyBytes.set(w.buf.subarray(start, w.pos));
  lastKeys.length = 0;
  for (const k of keys) lastKeys.push(k);
  lastKeyLength = len;
}

function encodePropertyValue(w: Writer, pv: unknown, depth: number, what: string): void {
  if (!isRecord(pv)) encodeError(`${what} must be a PropertyValue object, got ${describe(pv)}`);
  const { type: typeName, value, isNull } = pv;
  const type = typeNumber(typeName);
  // [tck-id-payloads-metric-propertyvalue-type-type] basic types plus PropertySet/PropertySetList
  if (!isBasicType(type) && type !== DataType.PropertySet && type !== DataType.PropertySetList) {
    encodeError(`${what}: ${describe(typeName)} is not a property value type`);
  }
  // [tck-id-payloads-metric-propertyvalue-type-req]
  w.byte(0x08);
  w.uint32(type);
  if (isNull !== undefined) {
    if (isNull === true ? value !== undefined && value !== null : value === null) {
      encodeError(`${what}: isNull ${describe(isNull)} contradicts value ${describe(value)}`);
    }
    writeBool(w, 0x10, isNull, `${what} isNull`);
  } else if (value === null) writeBool(w, 0x10, true, `${what} isNull`);
  if (value === undefined || value === null) return;
  // [tck-id-payloads-metric-propertyvalue-type-value] the value field matches the type
  if (type === DataType.PropertySet) {
    w.byte(0x4a);
    const start = w.beginLen();
    encodePropertySet(w, value, depth + 1, what);
    w.endLen(start);
  } else if (type === DataType.PropertySetList) {
    if (!Array.isArray(value)) encodeError(`${what}: PropertySetList value must be an array`);
    w.byte(0x52);
    const start = w.beginLen();
    for (const ps of value) {
      w.byte(0x0a);
      const s = w.beginLen();
      encodePropertySet(w, ps, depth + 1, what);
      w.endLen(s);
    }
    w.endLen(start);
  } else if ((type === DataType.String || type === DataType.Text) && typeof value === 'string') {
    // Units and descriptions repeat in every birth (a description built with a template
    // literal is a ConsString, ~4 ns per character to encode): bytes from the name cache.
    w.byte(0x42);
    writeName(w, value);
  } else writeBasic(w, type, value, 3, what);
}
