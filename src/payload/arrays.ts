/**
 * Sparkplug 3.0 array datatypes (22..34) packed into `Metric.bytes_value` (SPARKPLUG-PROTO.md §4):
 * fixed-width little-endian elements without a count, except BooleanArray (uint32 LE count, then
 * MSB-first bits) and StringArray (NUL-terminated UTF-8 strings).
 */
import { DataType, type Int64 } from './types.js';
import { describe, encodeError, i64, int32Bits, parts, split64, u64 } from './values.js';
import { utf8Length, type Writer } from './writer.js';
import { decodeError } from './reader.js';
import { readString, STR_VALUE, type TextSource } from './strings.js';

/** Element width in bytes, index = DataType − 22 (BooleanArray/StringArray: 0 = variable). */
const WIDTH: readonly number[] = [1, 2, 4, 8, 1, 2, 4, 8, 4, 8, 0, 0, 8];
/** Scalar type of the elements, index = DataType − 22. */
const ELEMENT: readonly number[] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13];

/** Writes `bytes_value` (length prefix + packed elements) for array type `type`. */
export function encodeArray(w: Writer, type: number, value: unknown, what: string): void {
  if (!Array.isArray(value)) encodeError(`${what}: ${typeName(type)} value must be an array, got ${describe(value)}`);
  const arr: readonly unknown[] = value;
  const n = arr.length;
  if (type === DataType.BooleanArray) return encodeBooleans(w, arr, what);
  if (type === DataType.StringArray) return encodeStrings(w, arr, what);
  const width = WIDTH[type - 22] ?? 0;
  const elem = ELEMENT[type - 22] ?? 0;
  w.uint32(n * width);
  w.ensure(n * width);
  if (width === 8 && type !== DataType.DoubleArray) return encodeLongs(w, type, arr, what);
  const view = w.view;
  let pos = w.pos;
  for (let i = 0; i < n; i++) {
    const v = arr[i];
    switch (type) {
      case DataType.Int8Array:
      case DataType.UInt8Array:
        view.setUint8(pos, int32Bits(elem, v) & 0xff);
        break;
      case DataType.Int16Array:
      case DataType.UInt16Array:
        view.setUint16(pos, int32Bits(elem, v) & 0xffff, true);
        break;
      case DataType.Int32Array:
      case DataType.UInt32Array:
        view.setUint32(pos, int32Bits(elem, v), true);
        break;
      case DataType.FloatArray:
      case DataType.DoubleArray:
        if (typeof v !== 'number') encodeError(`${what}: ${typeName(type)} element must be a number, got ${describe(v)}`);
        if (width === 4) view.setFloat32(pos, v, true);
        else view.setFloat64(pos, v, true);
        break;
    }
    pos += width;
  }
  w.pos = pos;
}

/** Int64Array, UInt64Array, DateTimeArray: 64-bit two's complement; capacity is ensured. */
function encodeLongs(w: Writer, type: number, arr: readonly unknown[], what: string): void {
  const view = w.view;
  let pos = w.pos;
  // Built once per array, not per element (it was ~8% of a birth with arrays).
  const elementWhat = `${what}: ${typeName(type)} element`;
  const signed = type !== DataType.UInt64Array;
  for (let i = 0; i < arr.length; i++) {
    const v = arr[i];
    if (typeof v === 'number' && v >= 0 && v <= Number.MAX_SAFE_INTEGER && Number.isInteger(v)) {
      // Timestamps and counters: split without the general `split64`.
      const lo = v >>> 0;
      view.setUint32(pos, lo, true);
      view.setUint32(pos + 4, (v - lo) / 4294967296, true);
    } else {
      split64(v, signed, elementWhat);
      view.setUint32(pos, parts.lo, true);
      view.setUint32(pos + 4, parts.hi, true);
    }
    pos += 8;
  }
  w.pos = pos;
}

function encodeBooleans(w: Writer, arr: readonly unknown[], what: string): void {
  const n = arr.length;
  const len = 4 + Math.ceil(n / 8);
  w.uint32(len);
  w.ensure(len);
  const buf = w.buf;
  const start = w.pos;
  w.view.setUint32(start, n, true);
  buf.fill(0, start + 4, start + len);
  for (let i = 0; i < n; i++) {
    const v = arr[i];
    if (typeof v !== 'boolean') encodeError(`${what}: BooleanArray element must be a boolean, got ${describe(v)}`);
    // Element i is bit (7 − i % 8) of byte i / 8: the first element is the MSB.
    if (v) buf[start + 4 + (i >> 3)] = (buf[start + 4 + (i >> 3)] ?? 0) | (0x80 >> (i & 7));
  }
  w.pos = start + len;
}

function encodeStrings(w: Writer, arr: readonly unknown[], what: string): void {
  let len = 0;
  for (const s of arr) {
    if (typeof s !== 'string') encodeError(`${what}: StringArray element must be a string, got ${describe(s)}`);
    // A NUL inside an element would split it in two on decode.
    if (s.includes('\0')) encodeError(`${what}: StringArray element contains a NUL character`);
    len += utf8Length(s) + 1;
  }
  w.uint32(len);
  for (const s of arr as readonly string[]) {
    w.ensure(s.length * 3 + 1);
    w.utf8(s);
    w.buf[w.pos++] = 0;
  }
}

function typeName(type: number): string {
  return Object.keys(DataType)[type] ?? String(type);
}

export type DecodedArray = number[] | Int64[] | boolean[] | string[];

/** Decodes `src.buf[start, end)` as array type `type`, validating its length. */
export function decodeArray(src: TextSource, start: number, end: number, type: number): DecodedArray {
  const len = end - start;
  const buf = src.buf;
  if (type === DataType.BooleanArray) return decodeBooleans(buf, start, end);
  if (type === DataType.StringArray) return decodeStrings(src, start, end);
  const width = WIDTH[type - 22] ?? 1;
  if (len % width !== 0) decodeError(`${typeName(type)} byte length ${len} is not a multiple of ${width}`, start);
  const n = len / width;
  const view = new DataView(buf.buffer, buf.byteOffset + start, len);
  // Plain loops into a packed array: Array.from with a callback per element was a third of a
  // birth with arrays.
  const out: number[] = [];
  switch (type) {
    case DataType.Int8Array:
      for (let i = 0; i < n; i++) out.push(view.getInt8(i));
      return out;
    case DataType.UInt8Array:
      for (let i = 0; i < n; i++) out.push(view.getUint8(i));
      return out;
    case DataType.Int16Array:
      for (let i = 0; i < n; i++) out.push(view.getInt16(i * 2, true));
      return out;
    case DataType.UInt16Array:
      for (let i = 0; i < n; i++) out.push(view.getUint16(i * 2, true));
      return out;
    case DataType.Int32Array:
      for (let i = 0; i < n; i++) out.push(view.getInt32(i * 4, true));
      return out;
    case DataType.UInt32Array:
      for (let i = 0; i < n; i++) out.push(view.getUint32(i * 4, true));
      return out;
    case DataType.FloatArray:
      for (let i = 0; i < n; i++) out.push(view.getFloat32(i * 4, true));
      return out;
    case DataType.DoubleArray:
      for (let i = 0; i < n; i++) out.push(view.getFloat64(i * 8, true));
      return out;
    default:
      return decodeLongs(view, n, type === DataType.UInt64Array);
  }
}

/** Int64Array, UInt64Array, DateTimeArray: numbers, and bigints only beyond ±2^53. */
function decodeLongs(view: DataView, n: number, unsigned: boolean): Int64[] {
  const out: Int64[] = [];
  for (let i = 0; i < n; i++) {
    const lo = view.getUint32(i * 8, true);
    const hi = view.getUint32(i * 8 + 4, true);
    out.push(unsigned ? u64(lo, hi) : i64(lo, hi));
  }
  return out;
}

function decodeBooleans(buf: Uint8Array, start: number, end: number): boolean[] {
  const len = end - start;
  if (len < 4) decodeError('BooleanArray shorter than its 4-byte count', start);
  const n = new DataView(buf.buffer, buf.byteOffset + start, 4).getUint32(0, true);
  if (len !== 4 + Math.ceil(n / 8)) decodeError(`BooleanArray of ${n} elements must be ${4 + Math.ceil(n / 8)} bytes, got ${len}`, start);
  const out = new Array<boolean>(n);
  for (let i = 0; i < n; i++) out[i] = ((buf[start + 4 + (i >> 3)] ?? 0) & (0x80 >> (i & 7))) !== 0;
  return out;
}

/** Elements are read as other string values are (short ASCII ones from the string cache). */
function decodeStrings(src: TextSource, start: number, end: number): string[] {
  const buf = src.buf;
  const out: string[] = [];
  if (start === end) return out;
  if (buf[end - 1] !== 0) decodeError('StringArray does not end with a NUL byte', end - 1);
  let s = start;
  for (let i = start; i < end; i++) {
    if (buf[i] === 0) {
      out.push(readString(src, s, i, STR_VALUE));
      s = i + 1;
    }
  }
  return out;
}
