/**
 * Bytes → Payload. Fields are accepted in any order; a value field is kept raw (32-bit halves,
 * offsets) until the whole message is read, because `datatype` may come after the value and
 * decides sign extension, array unpacking and which value field is legal.
 */
import { DataType, type DecodedMetric, type DecodedPayload, type Int64, type MetricValue } from './types.js';
import { dataTypeNumber, isMetricType, metricTypeName } from './values.js';
import { decodeError, type Reader } from './reader.js';
import { readString, STR_NAME } from './strings.js';
import { readDataSet, readMetaData, readTemplate } from './complex-decode.js';
import { readPropertySet } from './property-decode.js';
import { sharedPropertySet } from './property-cache.js';
import { varNumber, varRead } from './var-number.js';
import { commonValue, copyBytes, K_BOOL, K_BYTES, K_DOUBLE, K_FLOAT, K_INT, K_LONG, K_NESTED, K_NONE, K_STRING, metricValue, wireValue } from './decode-values.js';

export function readPayload(r: Reader, end: number): DecodedPayload {
  let timestamp: Int64 | undefined;
  let seq: Int64 | undefined;
  let uuid: string | undefined;
  let body: Uint8Array | undefined;
  const metrics: DecodedMetric[] = [];
  while (r.pos < end) {
    const tag = r.uint32(end);
    switch (tag) {
      case 0x08: {
        // A millisecond timestamp takes 6 bytes: read straight into a number when it can be
        // (varNumber reads varints of two bytes or more).
        const v = r.pos < end && (r.buf[r.pos] ?? 0) >= 0x80 ? varNumber(r.buf, r.pos, end) : -1;
        if (v >= 0) {
          timestamp = v;
          r.pos = varRead.end;
        } else timestamp = r.u64(end);
        break;
      }
      case 0x12: {
        const e = r.delimited(end);
        metrics.push(readMetric(r, e, 0));
        break;
      }
      case 0x18:
        seq = r.u64(end);
        break;
      case 0x22:
        uuid = r.string(end);
        break;
      case 0x2a: {
        const e = r.delimited(end);
        body = copyBytes(r.buf, r.pos, e);
        r.pos = e;
        break;
      }
      default:
        r.skip(tag, end, 5);
    }
  }
  // The usual shapes as one literal each (no map transition per field), keys in the order below.
  if (uuid === undefined && body === undefined && timestamp !== undefined) {
    return seq === undefined ? { timestamp, metrics } : { timestamp, metrics, seq };
  }
  const p: DecodedPayload = {};
  if (timestamp !== undefined) p.timestamp = timestamp;
  p.metrics = metrics;
  if (seq !== undefined) p.seq = seq;
  if (uuid !== undefined) p.uuid = uuid;
  if (body !== undefined) p.body = body;
  return p;
}

export function readMetric(r: Reader, end: number, depth: number): DecodedMetric {
  const at = r.pos;
  // `buf` and `pos` live in locals for the common fields (one-byte tags and lengths, name,
  // alias, timestamp, datatype, scalar values); anything else goes through the Reader with
  // `r.pos` synchronised around the call, so errors and offsets are the Reader's own.
  const buf = r.buf;
  let pos = at;
  let name: string | undefined;
  let alias: Int64 | undefined;
  let timestamp: Int64 | undefined;
  let datatype = -1;
  let isHistorical: boolean | undefined;
  let isTransient: boolean | undefined;
  let isNull: boolean | undefined;
  let metadata: DecodedMetric['metadata'];
  let properties: DecodedMetric['properties'];
  let kind = K_NONE;
  let lo = 0;
  let hi = 0;
  let num = 0;
  let str = '';
  let nested: MetricValue<Int64> = null;
  while (pos < end) {
    let tag = buf[pos] ?? 0;
    if (tag < 0x80) pos++;
    else {
      r.pos = pos;
      tag = r.uint32(end);
      pos = r.pos;
    }
    if (tag >= 0x50 && kind !== K_NONE && tag <= 0x9a) decodeError('metric has more than one value field', pos);
    // Fast paths: one-byte varints and lengths, read from the locals. Everything else (and
    // every error) is left to the Reader below.
    const b = pos < end ? (buf[pos] ?? 0) : 0x80;
    if (b >= 0x80 && (tag === 0x18 || tag === 0x10)) {
      // Timestamps, and aliases ≥ 128 (births number thousands of metrics).
      const v = varNumber(buf, pos, end);
      if (v >= 0) {
        if (tag === 0x18) timestamp = v;
        else alias = v;
        pos = varRead.end;
        continue;
      }
    }
    if (b < 0x80) {
      switch (tag) {
        case 0x0a:
          if (pos + 1 + b > end) break;
          name = readString(r, pos + 1, pos + 1 + b, STR_NAME);
          pos += 1 + b;
          continue;
        case 0x10:
          alias = b;
          pos++;
          continue;
        case 0x20:
          datatype = b;
          pos++;
          continue;
        case 0x50:
          kind = K_INT;
          lo = b;
          pos++;
          continue;
        case 0x58:
          kind = K_LONG;
          lo = b;
          pos++;
          continue;
        case 0x70:
          kind = K_BOOL;
          num = b !== 0 ? 1 : 0;
          pos++;
          continue;
        default:
          break;
      }
    }
    r.pos = pos;
    switch (tag) {
      case 0x0a:
        name = r.string(end, STR_NAME);
        break;
      case 0x10:
        alias = r.u64(end);
        break;
      case 0x18:
        timestamp = r.u64(end);
        break;
      case 0x20:
        datatype = r.uint32(end);
        break;
      case 0x28:
        isHistorical = r.bool(end);
        break;
      case 0x30:
        isTransient = r.bool(end);
        break;
      case 0x38:
        isNull = r.bool(end);
        break;
      case 0x42: {
        const e = r.delimited(end);
        metadata = readMetaData(r, e);
        break;
      }
      case 0x4a: {
        const e = r.delimited(end);
        // Template members' sets are not shared: the cache's sets decoded at depth 1.
        properties = depth === 0 && r.shareProperties ? sharedPropertySet(r, e) : readPropertySet(r, e, depth + 1);
        break;
      }
      case 0x50:
        kind = K_INT;
        lo = r.uint32(end);
        break;
      case 0x58:
        kind = K_LONG;
        r.varint64(end);
        lo = r.lo;
        hi = r.hi;
        break;
      case 0x65:
        kind = K_FLOAT;
        num = r.float(end);
        break;
      case 0x69:
        kind = K_DOUBLE;
        num = r.double(end);
        break;
      case 0x70:
        kind = K_BOOL;
        num = r.bool(end) ? 1 : 0;
        break;
      case 0x7a:
        kind = K_STRING;
        str = r.string(end);
        break;
      case 0x82: // bytes_value (field 16): kept as offsets until the datatype is known
        kind = K_BYTES;
        hi = r.delimited(end);
        lo = r.pos;
        r.pos = hi;
        break;
      case 0x8a: {
        kind = K_NESTED;
        lo = DataType.DataSet;
        const e = r.delimited(end);
        nested = readDataSet(r, e);
        break;
      }
      case 0x92: {
        kind = K_NESTED;
        lo = DataType.Template;
        const e = r.delimited(end);
        nested = readTemplate(r, e, depth + 1);
        break;
      }
      case 0x9a:
        decodeError('metric extension_value is not supported', r.pos);
        break;
      default:
        r.skip(tag, end, 19);
    }
    pos = r.pos;
  }
  r.pos = pos;
  if (datatype !== -1 && kind !== K_NONE && isNull === undefined && isHistorical === undefined && isTransient === undefined && metadata === undefined) {
    // The common data and birth metrics: built as one literal of a fixed shape (no map
    // transitions per field); the key order is the one of the general path below.
    const type = metricTypeName(datatype);
    const value = commonValue(datatype, kind, lo, hi, num) ?? metricValue(r, datatype, kind, lo, hi, num, str, nested, at);
    if (properties !== undefined) {
      if (name !== undefined && alias !== undefined && timestamp !== undefined) return { name, alias, timestamp, type, value, properties };
    } else if (name !== undefined) {
      if (timestamp !== undefined) {
        return alias === undefined ? { name, timestamp, type, value } : { name, alias, timestamp, type, value };
      }
      if (alias === undefined) return { name, type, value };
    } else if (alias !== undefined && timestamp !== undefined) return { alias, timestamp, type, value };
  }
  const m: DecodedMetric = {};
  if (name !== undefined) m.name = name;
  if (alias !== undefined) m.alias = alias;
  if (timestamp !== undefined) m.timestamp = timestamp;
  if (datatype !== -1) {
    m.type = metricTypeName(datatype);
  }
  if (datatype === -1 && depth === 0 && kind !== K_NONE && r.resolveType !== undefined) {
    // The caller knows the type of this metric from its birth (data and commands omit datatypes).
    const t = r.resolveType(m);
    if (t !== undefined) {
      datatype = dataTypeNumber(t) ?? -1;
      if (!isMetricType(datatype)) decodeError(`resolveType returned ${String(t)}, not a metric datatype`, at);
      m.type = t;
    }
  }
  if (isNull === true) {
    if (kind !== K_NONE) decodeError('metric has is_null and a value', at);
    m.value = null;
  } else if (kind !== K_NONE) {
    m.value = datatype === -1 ? wireValue(r, kind, lo, hi, num, str, nested) : metricValue(r, datatype, kind, lo, hi, num, str, nested, at);
  }
  if (isHistorical !== undefined) m.isHistorical = isHistorical;
  if (isTransient !== undefined) m.isTransient = isTransient;
  if (isNull !== undefined) m.isNull = isNull;
  if (metadata !== undefined) m.metadata = metadata;
  if (properties !== undefined) m.properties = properties;
  return m;
}
