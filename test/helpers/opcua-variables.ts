/**
 * The address space of the test OPC UA server (`opcua-server.ts`), shared as plain data by the
 * server process and the tests.
 *
 * A variable's `name` is `<Folder>.<BrowseName>`: it sits in `Objects/Plant/<Folder>` with that
 * browse name, and `set`/`read` take the name. Bulk variables (`Bulk.00000`…) are made by the
 * server process on request and are not listed here.
 *
 * JS value of each DataType, as `initial` holds it and `OpcuaTestServer.read` returns it:
 *   Boolean → boolean; SByte, Byte, Int16, UInt16, Int32, UInt32, Float, Double → number;
 *   Int64, UInt64 → bigint (node-opcua itself carries them as `[high, low]` unsigned 32-bit
 *   pairs, two's complement for negatives; the server process converts);
 *   String → string; DateTime → Date; ByteString → Buffer;
 *   Guid → string, upper case (the form node-opcua decodes to);
 *   LocalizedText → { text, locale } (node-opcua: a LocalizedText instance);
 *   Range (a Structure, sent as an ExtensionObject) → { low, high };
 *   arrays → plain JS arrays of the above. node-opcua-client decodes numeric arrays into typed
 *   arrays (Int16Array, Int32Array, Uint32Array, Float32Array, Float64Array), Boolean and String
 *   arrays into plain arrays, Int64 arrays into arrays of `[high, low]`.
 * Float values are exact in 32 bits, so a Float read back compares equal.
 */

export const OPCUA_NAMESPACE_URI = 'urn:sparkstate:test';

/** The browse path of the folder all test variables live under: Objects/Plant. */
export const OPCUA_ROOT_FOLDER = 'Plant';

export type OpcuaTestDataType =
  | 'Boolean'
  | 'SByte'
  | 'Byte'
  | 'Int16'
  | 'UInt16'
  | 'Int32'
  | 'UInt32'
  | 'Int64'
  | 'UInt64'
  | 'Float'
  | 'Double'
  | 'String'
  | 'DateTime'
  | 'ByteString'
  | 'Guid'
  | 'LocalizedText'
  | 'Range';

export interface LocalizedTextValue {
  readonly text: string;
  readonly locale: string;
}

export interface RangeValue {
  readonly low: number;
  readonly high: number;
}

export type OpcuaTestScalar = boolean | number | bigint | string | Date | Buffer | LocalizedTextValue | RangeValue;
export type OpcuaTestValue = OpcuaTestScalar | readonly boolean[] | readonly number[] | readonly bigint[] | readonly string[];

export interface OpcuaTestVariable {
  readonly name: string;
  readonly nodeId: string;
  readonly dataType: OpcuaTestDataType;
  /** -1 scalar, 1 one-dimensional array. */
  readonly valueRank: -1 | 1;
  readonly initial: OpcuaTestValue;
  /** AccessLevel CurrentRead|CurrentWrite when true, CurrentRead only when false. */
  readonly writable: boolean;
}

/** Folder and browse name of a variable name (`Press.Speed` → Plant/Press, `Speed`). */
export function splitName(name: string): { folder: string; browseName: string } {
  const dot = name.indexOf('.');
  if (dot <= 0) throw new Error(`variable name ${name} is not <Folder>.<BrowseName>`);
  return { folder: name.slice(0, dot), browseName: name.slice(dot + 1) };
}

/** String NodeId of a name: `ns=1;s=<name>`. */
function s(name: string): string {
  return `ns=1;s=${name}`;
}

function scalar(name: string, dataType: OpcuaTestDataType, initial: OpcuaTestValue, writable: boolean): OpcuaTestVariable {
  return { name, nodeId: s(name), dataType, valueRank: -1, initial, writable };
}

function array(name: string, dataType: OpcuaTestDataType, initial: OpcuaTestValue): OpcuaTestVariable {
  return { name, nodeId: s(name), dataType, valueRank: 1, initial, writable: true };
}

/** The GUID of `Press.Serial`'s NodeId. */
const SERIAL_GUID = '5B6A2C9E-3F1D-4E8A-9C7B-0D1E2F3A4B5C';
/** The opaque NodeId of `Press.Recipe`: the bytes of "recipe", base64. */
const RECIPE_OPAQUE = Buffer.from('recipe').toString('base64');

export const OPCUA_VARIABLES: readonly OpcuaTestVariable[] = [
  // A small machine: process values, writable setpoints, a read-only limit, a live counter.
  scalar('Press.Speed', 'Double', 12.5, false),
  scalar('Press.Setpoint', 'Double', 50, true),
  scalar('Press.Mode', 'Int32', 1, true),
  scalar('Press.Limit', 'Double', 100, false),
  /** Incremented by the server every 100 ms. */
  scalar('Press.Counter', 'Int32', 0, false),
  /** Tests set its status code (Good / Bad / Uncertain …). */
  scalar('Press.Quality', 'Double', 1, false),
  /** A structured DataType no Sparkplug type maps to. */
  scalar('Press.Structure', 'Range', { low: 0, high: 100 }, false),
  // The other NodeId forms.
  { name: 'Press.Temperature', nodeId: 'ns=1;i=1001', dataType: 'Double', valueRank: -1, initial: 21.5, writable: false },
  { name: 'Press.Serial', nodeId: `ns=1;g=${SERIAL_GUID}`, dataType: 'String', valueRank: -1, initial: 'SN-0042', writable: false },
  { name: 'Press.Recipe', nodeId: `ns=1;b=${RECIPE_OPAQUE}`, dataType: 'Int32', valueRank: -1, initial: 7, writable: true },

  // One scalar of every built-in type, at values that test the edges of the JS mapping.
  scalar('Types.Boolean', 'Boolean', true, true),
  scalar('Types.SByte', 'SByte', -100, true),
  scalar('Types.Byte', 'Byte', 200, true),
  scalar('Types.Int16', 'Int16', -30000, true),
  scalar('Types.UInt16', 'UInt16', 60000, true),
  scalar('Types.Int32', 'Int32', -2000000000, true),
  scalar('Types.UInt32', 'UInt32', 4000000000, true),
  scalar('Types.Int64', 'Int64', 9007199254740993n, true),
  scalar('Types.Int64Negative', 'Int64', -9007199254740993n, true),
  scalar('Types.UInt64', 'UInt64', 18446744073709551615n, true),
  scalar('Types.Float', 'Float', 1.5, true),
  scalar('Types.Double', 'Double', 3.141592653589793, true),
  scalar('Types.String', 'String', 'Grüße ✓', true),
  scalar('Types.DateTime', 'DateTime', new Date('2024-05-06T07:08:09.123Z'), true),
  scalar('Types.ByteString', 'ByteString', Buffer.from([0, 1, 2, 0xfe, 0xff]), true),
  scalar('Types.Guid', 'Guid', '72962B91-FA75-4AE6-8D28-B404DC7DAF63', true),
  scalar('Types.LocalizedText', 'LocalizedText', { text: 'Presse', locale: 'de' }, true),

  array('Types.BooleanArray', 'Boolean', [true, false, true]),
  array('Types.Int16Array', 'Int16', [-32768, 0, 32767]),
  array('Types.Int32Array', 'Int32', [-2147483648, 0, 2147483647]),
  array('Types.Int64Array', 'Int64', [-9223372036854775808n, 0n, 9007199254740993n, 9223372036854775807n]),
  array('Types.UInt32Array', 'UInt32', [0, 1, 4294967295]),
  array('Types.FloatArray', 'Float', [0.5, -1.25, 3]),
  array('Types.DoubleArray', 'Double', [0.1, -2.5, 1e300]),
  array('Types.StringArray', 'String', ['a', '', 'ü']),
];

const byName = new Map(OPCUA_VARIABLES.map((v) => [v.name, v]));

export function opcuaVariable(name: string): OpcuaTestVariable {
  const v = byName.get(name);
  if (v === undefined) throw new Error(`no test variable ${name}`);
  return v;
}

/** Name and NodeId of bulk variable `index` (`Bulk.00042`, `ns=1;s=Bulk.00042`). */
export function bulkName(index: number): string {
  return `Bulk.${String(index).padStart(5, '0')}`;
}

/** The value of bulk variable `index` after `tick` ticks: the tick and the index, readable at a glance. */
export function bulkValue(tick: number, index: number): number {
  return tick + index / 100_000;
}
