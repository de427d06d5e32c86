/**
 * Sparkplug B payload codec: a hand-written protobuf encoder/decoder for the shapes in
 * `types.ts` (SPARKPLUG-PROTO.md is the wire reference; proto/sparkplug_b.proto documents it).
 */
import { SparkplugDecodeError, SparkplugEncodeError, SparkplugError } from '../errors.js';
import type { DecodedPayload, Payload } from './types.js';
import { acquireWriter, releaseWriter } from './writer.js';
import { writePayload } from './encode.js';
import { Reader, type MetricTypeResolver } from './reader.js';
import { readPayload } from './decode.js';
import { COMPRESSED_PAYLOAD_UUID, compress, decompress, type CompressionAlgorithm } from './compression.js';

export * from './types.js';
export { dataTypeName, dataTypeNumber, metricTypeName } from './values.js';
export { DataWriter, PLAIN_BOOLEAN, PLAIN_NUMBER, type MetricColumns, type ValueRows } from './data-writer.js';
export { DataColumns, scanDataPayload, scannedValue, valueFits, SCAN_HISTORICAL, SCAN_NULL } from './data-scan.js';
export { COMPRESSED_PAYLOAD_UUID, type CompressionAlgorithm } from './compression.js';
export type { MetricTypeResolver } from './reader.js';

export interface EncodeOptions {
  /** Wrap the encoded payload in a Tahu-style compressed envelope. */
  compress?: CompressionAlgorithm;
  /**
   * Encode each top-level metric's value by its `type` but leave the datatype field off the
   * wire ([tck-id-payloads-metric-datatype-not-req]: NDATA/DDATA/NCMD/DCMD should omit it).
   * Template members keep theirs.
   */
  omitMetricTypes?: boolean;
}

export interface DecodeOptions {
  /** Upper bound for an inflated compressed body, in bytes (default 16 MiB). */
  maxDecompressedBytes?: number;
  /**
   * Called for each top-level metric that has a value but no datatype on the wire; the type
   * it returns is used to interpret the value (sign, arrays) and is set as the metric's `type`.
   * A value that does not fit the returned type is a decode error.
   */
  resolveType?: MetricTypeResolver;
  /**
   * Top-level metrics' property sets are frozen (with their values and nested sets), and a set
   * whose bytes equal those of a recently decoded set is that same object (see
   * property-cache.ts). For consumers that keep births' properties, as a host does: equal sets
   * cost one object, and a repeated set is found instead of decoded. Default false: fresh objects.
   */
  shareProperties?: boolean;
}

const DEFAULT_MAX_DECOMPRESSED = 16 * 1024 * 1024;

/**
 * Encodes a payload to Sparkplug B protobuf bytes (a Uint8Array the caller may keep: no other
 * output shares its bytes and the codec never writes it again). Outputs of 65 bytes to 256 KiB
 * are views of shared slabs (16 KiB, 512 KiB or 2 MiB; see output-pool.ts), as Node's small
 * Buffers are: honour `byteOffset` when using `.buffer`, and copy before transferring it.
 *
 * Every metric with a value needs a `type`; values must fit it exactly (no truncation, no
 * rounding except Float's binary32). 64-bit fields accept a safe-integer number, a bigint or a
 * long.js-style `{ low, high, unsigned }`. Field presence follows the object: `seq: 0`,
 * `value: 0n`, `value: false`, `isDefinition: false` are written; an absent `seq` is absent.
 *
 * @throws SparkplugEncodeError (code SPB_ERR_ENCODE) for anything that cannot be encoded.
 */
export function encodePayload(payload: Payload, options?: EncodeOptions): Uint8Array {
  const bytes = encodeRaw(payload, options?.omitMetricTypes === true);
  const algorithm = options?.compress;
  if (algorithm === undefined) return bytes;
  if (algorithm !== 'DEFLATE' && algorithm !== 'GZIP') throw new SparkplugEncodeError(`unknown compression algorithm ${String(algorithm)}`);
  return encodeRaw({
    uuid: COMPRESSED_PAYLOAD_UUID,
    body: compress(bytes, algorithm),
    metrics: [{ name: 'algorithm', type: 'String', value: algorithm }],
  }, false);
}

function encodeRaw(payload: Payload, omitTypes: boolean): Uint8Array {
  const w = acquireWriter();
  try {
    writePayload(w, payload, omitTypes);
    return w.finish();
  } catch (e: unknown) {
    if (e instanceof SparkplugError) throw e;
    // e.g. a getter throwing, or a stack overflow from a cyclic object graph
    throw new SparkplugEncodeError(`cannot encode payload: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  } finally {
    releaseWriter(w);
  }
}

/**
 * Decodes Sparkplug B protobuf bytes. Compressed envelopes (uuid "SPBV1.0_COMPRESSED") are
 * inflated transparently — once; an envelope inside an envelope is returned as is.
 *
 * Decoded shape:
 * - 64-bit integers (Int64/UInt64/DateTime values, elements of Int64Array/UInt64Array/
 *   DateTimeArray, alias, timestamps, seq, MetaData size/seq, DataSet numOfColumns and cells,
 *   template parameters, property values) are a `number` when |v| ≤ 2^53−1 and a `bigint`
 *   otherwise. Int64 and DateTime are signed (two's complement), UInt64 unsigned.
 * - Small signed integers are sign-extended from their low 8/16/32 bits.
 * - `metrics` is always an array (also for templates); other fields appear exactly when they
 *   were on the wire. is_null=true gives `value: null` and `isNull: true`.
 * - A metric without datatype keeps `type` undefined and gets its value from the wire field
 *   alone (int_value → unsigned number, long_value → unsigned number|bigint, bytes_value →
 *   Uint8Array, …).
 * - Invalid UTF-8 in strings becomes U+FFFD (replacement character), never an error.
 * - Bytes/File values and `body` are copies, not views of `bytes`.
 *
 * @throws SparkplugDecodeError (code SPB_ERR_DECODE) for any malformed input: truncation,
 *   lengths beyond their message, over-long varints, wire types 3/4/6/7, nesting deeper than
 *   32, datatype numbers outside the enum, value fields inconsistent with the datatype, bad
 *   array packing, unequal PropertySet/DataSet arrays, bad or oversized compressed bodies.
 *   Nothing else is thrown for any byte string.
 */
export function decodePayload(bytes: Uint8Array, options?: DecodeOptions): DecodedPayload {
  if (!(bytes instanceof Uint8Array)) throw new SparkplugDecodeError('payload must be a Uint8Array');
  const max = options?.maxDecompressedBytes ?? DEFAULT_MAX_DECOMPRESSED;
  const resolveType = options?.resolveType;
  const share = options?.shareProperties === true;
  const outer = decodeRaw(bytes, resolveType, share);
  if (outer.uuid !== COMPRESSED_PAYLOAD_UUID) return outer;
  let algorithm = 'DEFLATE'; // Tahu's default when the metric is missing
  for (const m of outer.metrics ?? []) {
    if (m.name !== 'algorithm') continue;
    if (typeof m.value !== 'string') throw new SparkplugDecodeError('compressed payload: algorithm metric is not a string');
    algorithm = m.value.toUpperCase();
  }
  if (outer.body === undefined) throw new SparkplugDecodeError('compressed payload without a body');
  if (!(max >= 1)) throw new SparkplugDecodeError(`maxDecompressedBytes must be ≥ 1, got ${max}`);
  return decodeRaw(decompress(outer.body, algorithm, max), resolveType, share);
}

/**
 * One Reader for the decodes without `resolveType` (most of them): a one-metric command spends
 * ~10% of its decode making a Reader. Another decode may start while one runs (from a getter
 * or an error hook); it gets its own.
 */
const shared = new Reader(new Uint8Array(0));
let sharedBusy = false;

function decodeRaw(bytes: Uint8Array, resolveType: MetricTypeResolver | undefined, shareProperties: boolean): DecodedPayload {
  const own = resolveType !== undefined || sharedBusy;
  const r = own ? new Reader(bytes, resolveType) : shared;
  if (!own) {
    sharedBusy = true;
    r.reset(bytes);
  }
  r.shareProperties = shareProperties;
  try {
    return readPayload(r, bytes.length);
  } catch (e: unknown) {
    if (e instanceof SparkplugDecodeError) throw e;
    // Defence in depth: no other exception type may escape for any input.
    throw new SparkplugDecodeError(`malformed payload: ${e instanceof Error ? e.message : String(e)}`, undefined, { cause: e });
  } finally {
    if (!own) {
      // Not keeping the caller's bytes alive.
      r.reset(EMPTY);
      sharedBusy = false;
    }
  }
}

const EMPTY = new Uint8Array(0);
