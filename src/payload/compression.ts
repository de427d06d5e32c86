/**
 * Compressed payloads as Eclipse Tahu's sparkplug-client makes them: an outer payload with
 * uuid "SPBV1.0_COMPRESSED", `body` = the compressed inner payload, and a String metric
 * `algorithm` ("DEFLATE" or "GZIP"). Tahu compresses with pako.deflate (zlib-wrapped, RFC 1950)
 * or pako.gzip (RFC 1952); its decompressor auto-detects either header and treats a missing
 * `algorithm` metric as DEFLATE. We do the same.
 */
import { deflateSync, gzipSync, unzipSync } from 'node:zlib';
import { SparkplugDecodeError } from '../errors.js';

export const COMPRESSED_PAYLOAD_UUID = 'SPBV1.0_COMPRESSED';

export type CompressionAlgorithm = 'DEFLATE' | 'GZIP';

export function compress(bytes: Uint8Array, algorithm: CompressionAlgorithm): Uint8Array {
  const out = algorithm === 'GZIP' ? gzipSync(bytes) : deflateSync(bytes);
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/** Inflates a compressed body, refusing to produce more than `maxBytes` (zip-bomb guard). */
export function decompress(body: Uint8Array, algorithm: string, maxBytes: number): Uint8Array {
  if (algorithm !== 'DEFLATE' && algorithm !== 'GZIP') {
    throw new SparkplugDecodeError(`unsupported compression algorithm ${JSON.stringify(algorithm)}`);
  }
  try {
    // unzipSync accepts both the zlib and the gzip header, like pako.inflate.
    const out = unzipSync(body, { maxOutputLength: maxBytes });
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  } catch (e: unknown) {
    const tooLarge = e instanceof RangeError || (e instanceof Error && 'code' in e && e.code === 'ERR_BUFFER_TOO_LARGE');
    throw new SparkplugDecodeError(
      tooLarge ? `compressed body inflates beyond ${maxBytes} bytes` : `invalid ${algorithm} compressed body`,
      undefined,
      { cause: e },
    );
  }
}
