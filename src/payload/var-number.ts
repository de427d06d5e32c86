/**
 * Varints read straight into a number, for the decoders' hot fields (timestamps, aliases): no
 * 32-bit halves and no Reader call. Anything unusual returns −1 and is left to the Reader.
 */
/** End offset of the varint read by the last successful `varNumber` (module state: no object per read). */
export const varRead = { end: 0 };

/**
 * The varint at `pos` as a number when it is a safe integer of at most 8 bytes that ends before
 * `end`, else −1: then the caller reads it with the Reader. Timestamps take 6 bytes: integer
 * shifts for the low 28 bits, one multiply-add for the rest; near `end`, byte by byte.
 */
export function varNumber(buf: Uint8Array, pos: number, end: number): number {
  if (pos + 8 > end) return varNumberSlow(buf, pos, end);
  let c = buf[pos + 1] ?? 0;
  let lo = ((buf[pos] ?? 0) & 127) | ((c & 127) << 7);
  if (c < 0x80) {
    varRead.end = pos + 2;
    return lo;
  }
  c = buf[pos + 2] ?? 0;
  lo |= (c & 127) << 14;
  if (c < 0x80) {
    varRead.end = pos + 3;
    return lo;
  }
  c = buf[pos + 3] ?? 0;
  lo |= (c & 127) << 21;
  if (c < 0x80) {
    varRead.end = pos + 4;
    return lo;
  }
  c = buf[pos + 4] ?? 0;
  let hi = c & 127;
  if (c >= 0x80) {
    c = buf[pos + 5] ?? 0;
    hi |= (c & 127) << 7;
    if (c >= 0x80) {
      c = buf[pos + 6] ?? 0;
      hi |= (c & 127) << 14;
      if (c >= 0x80) return varNumberSlow(buf, pos, end);
      varRead.end = pos + 7;
    } else varRead.end = pos + 6;
  } else varRead.end = pos + 5;
  return hi * 268435456 + lo;
}

/** `varNumber` byte by byte, for the end of the buffer and 8-byte varints. */
function varNumberSlow(buf: Uint8Array, pos: number, end: number): number {
  let v = 0;
  let scale = 1;
  for (let n = 0; n < 8 && pos < end; n++) {
    const b = buf[pos++] ?? 0;
    v += (b & 127) * scale;
    if (b < 0x80) {
      varRead.end = pos;
      return v <= Number.MAX_SAFE_INTEGER ? v : -1;
    }
    scale *= 128;
  }
  return -1;
}
