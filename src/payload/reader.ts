/**
 * Bounds-checked protobuf input. Every read takes the end of the enclosing message so a
 * nested length can never reach past its parent; all failures are SparkplugDecodeError.
 */
import { SparkplugDecodeError } from '../errors.js';
import { i64, u64 } from './values.js';
import type { Int64, MetricTypeName } from './types.js';
import { readString, slicerOf, STR_KEY, STR_VALUE, type Slicer, type TextSource } from './strings.js';


/** Given a metric's name/alias, the datatype to decode its value with (or undefined). */
export type MetricTypeResolver = (metric: { name?: string; alias?: Int64 }) => MetricTypeName | undefined;

export function decodeError(message: string, offset?: number): never {
  throw new SparkplugDecodeError(message, offset);
}

/**
 * Float scratch: wire bytes are copied into a typed array that aliases Float32/Float64 views
 * (cheaper than allocating a DataView per decode, which alias-only NDATA would notice). Typed
 * arrays use the platform byte order, so big-endian hosts read through a DataView instead.
 */
const scratchBytes = new Uint8Array(8);
const scratchF64 = new Float64Array(scratchBytes.buffer);
const scratchF32 = new Float32Array(scratchBytes.buffer);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export class Reader implements TextSource {
  buf: Uint8Array;
  pos = 0;
  /** Halves of the last `varint64` read. */
  lo = 0;
  hi = 0;

  /** Types for top-level metrics that arrive without a datatype (see DecodeOptions.resolveType). */
  readonly resolveType: MetricTypeResolver | undefined;
  /** DecodeOptions.shareProperties, for this decode. */
  shareProperties = false;
  /**
   * Views of `buf`, made at most once per decode and only when needed: DataView for floats and
   * the string cache's 4-byte reads (inlined by TurboFan), Buffer for string slicing.
   */
  private dv: DataView | undefined;
  private buffer: Slicer | undefined | null;

  constructor(buf: Uint8Array, resolveType?: MetricTypeResolver) {
    this.buf = buf;
    this.resolveType = resolveType;
    this.dv = undefined;
    this.buffer = null;
  }

  /** Points the reader at the start of another buffer: one reader for many messages, no object per message. */
  reset(buf: Uint8Array): void {
    this.buf = buf;
    this.pos = 0;
    this.dv = undefined;
    this.buffer = null;
  }

  view(): DataView {
    return (this.dv ??= new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength));
  }

  slicer(): Slicer | undefined {
    if (this.buffer === null) this.buffer = slicerOf(this.buf);
    return this.buffer;
  }

  /** Varint truncated to its low 32 bits (unsigned), as protobuf does for uint32 fields. */
  uint32(end: number): number {
    const pos = this.pos;
    if (pos < end) {
      const b = this.buf[pos] ?? 0;
      if (b < 0x80) {
        this.pos = pos + 1;
        return b;
      }
    }
    this.varint64(end);
    return this.lo;
  }

  /** Reads a varint of up to 10 bytes into `lo`/`hi`. */
  varint64(end: number): void {
    const buf = this.buf;
    let pos = this.pos;
    if (pos + 10 <= end) {
      // Unchecked fast path: enough bytes remain for the longest varint.
      let b = buf[pos++] ?? 0;
      let lo = b & 127;
      if (b >= 0x80) {
        b = buf[pos++] ?? 0;
        lo |= (b & 127) << 7;
        if (b >= 0x80) {
          b = buf[pos++] ?? 0;
          lo |= (b & 127) << 14;
          if (b >= 0x80) {
            b = buf[pos++] ?? 0;
            lo |= (b & 127) << 21;
            if (b >= 0x80) {
              b = buf[pos++] ?? 0;
              lo |= (b & 15) << 28;
              let hi = (b & 127) >> 4;
              if (b >= 0x80) {
                let shift = 3;
                for (;;) {
                  b = buf[pos++] ?? 0;
                  hi |= (b & 127) << shift;
                  if (b < 0x80) break;
                  shift += 7;
                  if (shift > 31) decodeError('varint longer than 10 bytes', pos);
                }
              }
              this.pos = pos;
              this.lo = lo >>> 0;
              this.hi = hi >>> 0;
              return;
            }
          }
        }
      }
      this.pos = pos;
      this.lo = lo >>> 0;
      this.hi = 0;
      return;
    }
    let lo = 0;
    let hi = 0;
    let shift = 0;
    for (;;) {
      if (pos >= end) decodeError('truncated varint', pos);
      const b = buf[pos++] ?? 0;
      if (shift < 28) lo |= (b & 127) << shift;
      else if (shift === 28) {
        lo |= (b & 15) << 28;
        hi = (b & 127) >> 4;
      } else hi |= (b & 127) << (shift - 32);
      if (b < 0x80) break;
      shift += 7;
      if (shift >= 70) decodeError('varint longer than 10 bytes', pos);
    }
    this.pos = pos;
    this.lo = lo >>> 0;
    this.hi = hi >>> 0;
  }

  /** uint64 field: number when ≤ 2^53−1, else bigint. */
  u64(end: number): Int64 {
    const pos = this.pos;
    if (pos < end) {
      const b = this.buf[pos] ?? 0;
      if (b < 0x80) {
        this.pos = pos + 1;
        return b;
      }
    }
    this.varint64(end);
    return u64(this.lo, this.hi);
  }

  /** Same varint read as a signed (two's complement) 64-bit value. */
  i64(end: number): Int64 {
    this.varint64(end);
    return i64(this.lo, this.hi);
  }

  bool(end: number): boolean {
    const pos = this.pos;
    if (pos < end) {
      const b = this.buf[pos] ?? 0;
      if (b < 0x80) {
        this.pos = pos + 1;
        return b !== 0;
      }
    }
    this.varint64(end);
    return (this.lo | this.hi) !== 0;
  }

  /** Reads a length prefix; returns the end offset of the delimited bytes. */
  delimited(end: number): number {
    const start = this.pos;
    let len = start < end ? (this.buf[start] ?? 0) : 0x80;
    if (len < 0x80) this.pos = start + 1;
    else {
      this.varint64(end);
      if (this.hi !== 0) decodeError('length prefix too large', start);
      len = this.lo;
    }
    const e = this.pos + len;
    if (e > end) decodeError(`length ${len} exceeds the enclosing message`, start);
    return e;
  }

  /** `use`: STR_VALUE, or STR_NAME for metric names (see readString). */
  string(end: number, use = STR_VALUE): string {
    const e = this.delimited(end);
    const s = readString(this, this.pos, e, use);
    this.pos = e;
    return s;
  }

  /** A string used as a property key (cached internalized, see strings.ts). */
  key(end: number): string {
    const e = this.delimited(end);
    const s = readString(this, this.pos, e, STR_KEY);
    this.pos = e;
    return s;
  }

  float(end: number): number {
    const pos = this.pos;
    if (pos + 4 > end) decodeError('truncated float', pos);
    this.pos = pos + 4;
    if (!LITTLE_ENDIAN) return this.view().getFloat32(pos, true);
    const buf = this.buf;
    const b = scratchBytes;
    b[0] = buf[pos] ?? 0;
    b[1] = buf[pos + 1] ?? 0;
    b[2] = buf[pos + 2] ?? 0;
    b[3] = buf[pos + 3] ?? 0;
    return scratchF32[0] ?? 0;
  }

  double(end: number): number {
    const pos = this.pos;
    if (pos + 8 > end) decodeError('truncated double', pos);
    this.pos = pos + 8;
    if (!LITTLE_ENDIAN) return this.view().getFloat64(pos, true);
    const buf = this.buf;
    const b = scratchBytes;
    b[0] = buf[pos] ?? 0;
    b[1] = buf[pos + 1] ?? 0;
    b[2] = buf[pos + 2] ?? 0;
    b[3] = buf[pos + 3] ?? 0;
    b[4] = buf[pos + 4] ?? 0;
    b[5] = buf[pos + 5] ?? 0;
    b[6] = buf[pos + 6] ?? 0;
    b[7] = buf[pos + 7] ?? 0;
    return scratchF64[0] ?? 0;
  }

  /**
   * Skips a field of an unknown number. `maxKnown` is the highest field number the message
   * defines: a known field arriving with the wrong wire type is malformed, not unknown.
   */
  skip(tag: number, end: number, maxKnown: number): void {
    const at = this.pos;
    const field = tag >>> 3;
    if (field === 0) decodeError('field number 0', at);
    if (field <= maxKnown) decodeError(`field ${field} has wrong wire type ${tag & 7}`, at);
    switch (tag & 7) {
      case 0:
        this.varint64(end);
        return;
      case 1:
        if (this.pos + 8 > end) decodeError('truncated fixed64', at);
        this.pos += 8;
        return;
      case 2:
        this.pos = this.delimited(end);
        return;
      case 5:
        if (this.pos + 4 > end) decodeError('truncated fixed32', at);
        this.pos += 4;
        return;
      default:
        // 3/4 are the deprecated groups, 6/7 do not exist.
        decodeError(`unsupported wire type ${tag & 7}`, at);
    }
  }
}
