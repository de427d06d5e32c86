/** Decoding of the structured values: DataSet, Template (with Parameters), MetaData (PropertySet/List: property-decode.ts). */
import {
  type BasicTypeName,
  type DataSet,
  type Int64,
  type MetaData,
  type ScalarValue,
  type Template,
  type TemplateParameter,
} from './types.js';
import { dataTypeName, isBasicType } from './values.js';
import { decodeError, type Reader } from './reader.js';
import { readMetric } from './decode.js';
import { basicValue, K_BOOL, K_DOUBLE, K_FLOAT, K_INT, K_LONG, K_NONE, K_STRING } from './decode-values.js';
import { MAX_DEPTH } from './complex-encode.js';

type Cell = ScalarValue<Int64> | null;

export function readDataSet(r: Reader, end: number): DataSet<Int64> {
  const at = r.pos;
  let numOfColumns: Int64 | undefined;
  const columns: string[] = [];
  const types: number[] = [];
  const rowRanges: number[] = [];
  while (r.pos < end) {
    const tag = r.uint32(end);
    switch (tag) {
      case 0x08:
        numOfColumns = r.u64(end);
        break;
      case 0x12:
        columns.push(r.string(end));
        break;
      case 0x18:
        types.push(r.uint32(end));
        break;
      case 0x1a: {
        // Packed types: not what proto2 writes by default, but legal protobuf.
        const e = r.delimited(end);
        while (r.pos < e) types.push(r.uint32(e));
        break;
      }
      case 0x22: {
        const e = r.delimited(end);
        rowRanges.push(r.pos, e);
        r.pos = e;
        break;
      }
      default:
        r.skip(tag, end, 4);
    }
  }
  const n = columns.length;
  // [tck-id-payloads-dataset-types-num] [tck-id-payloads-dataset-column-num-headers]
  if (types.length !== n) decodeError(`DataSet has ${n} columns but ${types.length} types`, at);
  // [tck-id-payloads-dataset-column-size]
  if (numOfColumns !== undefined && Number(numOfColumns) !== n) decodeError(`DataSet num_of_columns ${numOfColumns} but ${n} columns`, at);
  const typeNames: BasicTypeName[] = types.map((t) => basicTypeName(t, 'DataSet column', at));
  const rows: Cell[][] = [];
  for (let i = 0; i < rowRanges.length; i += 2) {
    r.pos = rowRanges[i] ?? 0;
    rows.push(readRow(r, rowRanges[i + 1] ?? 0, types));
  }
  r.pos = end;
  const ds: DataSet<Int64> = { columns, types: typeNames, rows };
  if (numOfColumns !== undefined) ds.numOfColumns = numOfColumns;
  return ds;
}

/** [tck-id-payloads-dataset-types-value] [tck-id-payloads-template-parameter-type-value] basic types 1..14 */
function basicTypeName(t: number, what: string, at: number): BasicTypeName {
  if (!isBasicType(t)) decodeError(`${what} type ${t} is not a basic DataType`, at);
  return dataTypeName(t) as BasicTypeName;
}

function readRow(r: Reader, end: number, types: readonly number[]): Cell[] {
  const at = r.pos;
  const cells: Cell[] = [];
  while (r.pos < end) {
    const tag = r.uint32(end);
    if (tag !== 0x0a) {
      r.skip(tag, end, 1);
      continue;
    }
    const e = r.delimited(end);
    const type = types[cells.length];
    if (type === undefined) decodeError('DataSet row has more cells than columns', at);
    cells.push(readScalar(r, e, 1, type, true));
  }
  if (cells.length !== types.length) decodeError(`DataSet row has ${cells.length} cells for ${types.length} columns`, at);
  return cells;
}

/**
 * Reads a message whose value fields int..string are the consecutive numbers base..base+5
 * (DataSetValue base 1). Stops at `end`; unknown fields are skipped. `null` when no value.
 */
export function readScalar(r: Reader, end: number, base: number, type: number, isCell: boolean): Cell {
  const at = r.pos;
  let kind = K_NONE;
  let lo = 0;
  let hi = 0;
  let num = 0;
  let str = '';
  while (r.pos < end) {
    const tag = r.uint32(end);
    const field = (tag >>> 3) - base;
    if (field >= 0 && field <= 6 && kind !== K_NONE) decodeError('more than one value field', r.pos);
    const wt = tag & 7;
    if (field === 0 && wt === 0) {
      kind = K_INT;
      lo = r.uint32(end);
    } else if (field === 1 && wt === 0) {
      kind = K_LONG;
      r.varint64(end);
      lo = r.lo;
      hi = r.hi;
    } else if (field === 2 && wt === 5) {
      kind = K_FLOAT;
      num = r.float(end);
    } else if (field === 3 && wt === 1) {
      kind = K_DOUBLE;
      num = r.double(end);
    } else if (field === 4 && wt === 0) {
      kind = K_BOOL;
      num = r.bool(end) ? 1 : 0;
    } else if (field === 5 && wt === 2) {
      kind = K_STRING;
      str = r.string(end);
    } else if (field === 6) decodeError('extension_value is not supported', r.pos);
    else if (isCell) r.skip(tag, end, 7);
    else return decodeError(`unexpected field ${tag >>> 3}`, r.pos);
  }
  if (kind === K_NONE) return null;
  // [tck-id-payloads-template-dataset-value] the value field must match the column type
  return basicValue(type, kind, lo, hi, num, str, at);
}

export function readTemplate(r: Reader, end: number, depth: number): Template<Int64> {
  if (depth > MAX_DEPTH) decodeError(`templates/property sets nested deeper than ${MAX_DEPTH}`, r.pos);
  let version: string | undefined;
  let templateRef: string | undefined;
  let isDefinition: boolean | undefined;
  const metrics: Template<Int64>['metrics'] & object = [];
  const parameters: TemplateParameter<Int64>[] = [];
  while (r.pos < end) {
    const tag = r.uint32(end);
    switch (tag) {
      case 0x0a:
        version = r.string(end);
        break;
      case 0x12: {
        const e = r.delimited(end);
        metrics.push(readMetric(r, e, depth));
        break;
      }
      case 0x1a: {
        const e = r.delimited(end);
        parameters.push(readParameter(r, e));
        break;
      }
      case 0x22:
        templateRef = r.string(end);
        break;
      case 0x28:
        isDefinition = r.bool(end);
        break;
      default:
        r.skip(tag, end, 5);
    }
  }
  const t: Template<Int64> = {};
  if (version !== undefined) t.version = version;
  t.metrics = metrics;
  if (parameters.length > 0) t.parameters = parameters;
  if (templateRef !== undefined) t.templateRef = templateRef;
  if (isDefinition !== undefined) t.isDefinition = isDefinition;
  return t;
}

function readParameter(r: Reader, end: number): TemplateParameter<Int64> {
  const at = r.pos;
  let name: string | undefined;
  let type = -1;
  let valueStart = -1;
  let valueEnd = -1;
  while (r.pos < end) {
    const start = r.pos;
    const tag = r.uint32(end);
    if (tag === 0x0a) name = r.string(end);
    else if (tag === 0x10) type = r.uint32(end);
    else if ((tag >>> 3) >= 3 && (tag >>> 3) <= 9) {
      // Value fields are interpreted once the type is known: remember their span.
      if (valueStart !== -1) decodeError('template parameter has more than one value field', start);
      r.skip(tag, end, 0);
      valueStart = start;
      valueEnd = r.pos;
    } else r.skip(tag, end, 2);
  }
  // [tck-id-payloads-template-parameter-name-required]
  if (name === undefined) decodeError('template parameter without a name', at);
  // [tck-id-payloads-template-parameter-type-req]
  if (type === -1) decodeError(`template parameter "${name}" without a type`, at);
  const p: TemplateParameter<Int64> = { name, type: basicTypeName(type, `template parameter "${name}"`, at) };
  if (valueStart !== -1) {
    const save = r.pos;
    r.pos = valueStart;
    // [tck-id-payloads-template-parameter-value] int/long/float/double/boolean/string only
    const v = readScalar(r, valueEnd, 3, type, false);
    r.pos = save;
    if (v !== null) p.value = v;
  }
  return p;
}

export function readMetaData(r: Reader, end: number): MetaData<Int64> {
  const md: MetaData<Int64> = {};
  while (r.pos < end) {
    const tag = r.uint32(end);
    switch (tag) {
      case 0x08:
        md.isMultiPart = r.bool(end);
        break;
      case 0x12:
        md.contentType = r.string(end);
        break;
      case 0x18:
        md.size = r.u64(end);
        break;
      case 0x20:
        md.seq = r.u64(end);
        break;
      case 0x2a:
        md.fileName = r.string(end);
        break;
      case 0x32:
        md.fileType = r.string(end);
        break;
      case 0x3a:
        md.md5 = r.string(end);
        break;
      case 0x42:
        md.description = r.string(end);
        break;
      default:
        r.skip(tag, end, 8);
    }
  }
  return md;
}
