/**
 * Output pools, the scheme of Node's own Buffer pool: encoded payloads are non-overlapping,
 * 8-aligned views of a shared slab, handed out front to back and never written again.
 *
 * Small outputs (≤ 1 KiB, 16 KiB slabs): a fresh ArrayBuffer per encode costs ~0.8 µs (a call
 * into C++ plus the backing-store bookkeeping) — over half of a 10-metric NDATA encode; a view
 * of the slab ~0.1 µs.
 *
 * Large outputs (births, named data; ≤ 64 KiB from 512 KiB slabs, ≤ 256 KiB from 2 MiB
 * slabs): one ArrayBuffer of their own per encode was measured at 8 page faults per 44 KB
 * DDATA and 16 per 80 KB NBIRTH (~7 µs of system time each on this VM): the allocator hands
 * freed buffers back to the OS and takes fresh pages for the next. With the slabs, 0 and ~5
 * per encode, and the encode takes half and two thirds of the CPU time.
 *
 * Trade-off: an output shares its `.buffer` with other outputs, so a caller that keeps one
 * payload keeps its whole slab alive (16 KiB, 512 KiB or 2 MiB, whatever the payload's size:
 * copy a payload that is kept for long, e.g. `Buffer.from(bytes)`), and code that uses `.buffer` must honour `byteOffset`/`byteLength` (and must not
 * transfer it). A transferred (detached) slab has length 0 and is simply replaced.
 */
class Pool {
  private slab: Uint8Array;
  private offset = 0;

  constructor(private readonly slabSize: number) {
    this.slab = new Uint8Array(slabSize);
  }

  /** A copy of `buf[0, n)` (n ≤ slabSize) as a view of the slab. */
  copy(buf: Uint8Array, n: number): Uint8Array {
    let slab = this.slab;
    if (this.offset + n > slab.length) {
      slab = this.slab = new Uint8Array(this.slabSize);
      this.offset = 0;
    }
    const start = this.offset;
    slab.set(buf.subarray(0, n), start);
    this.offset = (start + n + 7) & ~7;
    return new Uint8Array(slab.buffer, start, n);
  }
}

const SMALL_MAX = 1024;
const MEDIUM_MAX = 64 * 1024;
const LARGE_MAX = 256 * 1024;
const small = new Pool(16 * 1024);
const medium = new Pool(512 * 1024);
const large = new Pool(2 * 1024 * 1024);

/** A copy of `buf[0, n)` (n > 64) that no other output overlaps: pooled up to 256 KiB, else its own. */
export function pooledCopy(buf: Uint8Array, n: number): Uint8Array {
  if (n <= SMALL_MAX) return small.copy(buf, n);
  if (n <= MEDIUM_MAX) return medium.copy(buf, n);
  if (n <= LARGE_MAX) return large.copy(buf, n);
  const out = new Uint8Array(n);
  out.set(buf.subarray(0, n));
  return out;
}
