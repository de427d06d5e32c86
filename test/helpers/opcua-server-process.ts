/**
 * Child process of `opcua-server.ts`: a node-opcua server holding the variables of
 * `opcua-variables.ts` (plus optional bulk variables) on 127.0.0.1.
 *
 * argv[2] is a JSON `ServerProcessOptions`. The parent talks over IPC with the 'advanced'
 * serialization, so bigint, Date, Buffer and typed arrays cross as they are. Sends `{ ready, endpoint, certificateFile }` once listening; answers each
 * `ServerRequest` with a `ServerReply` carrying the request's id. SIGTERM shuts down gracefully;
 * the parent going away (IPC disconnect) ends the process too.
 */
import { join } from 'node:path';
import {
  DataType,
  Int64ToBigInt,
  LocalizedText,
  MessageSecurityMode,
  OPCUACertificateManager,
  OPCUAServer,
  Range,
  SecurityPolicy,
  StatusCode,
  StatusCodes,
  UInt64ToBigInt,
  Variant,
  VariantArrayType,
  type UAObject,
  type UAVariable,
} from 'node-opcua';
import {
  bulkName,
  bulkValue,
  OPCUA_NAMESPACE_URI,
  OPCUA_ROOT_FOLDER,
  OPCUA_VARIABLES,
  splitName,
  type LocalizedTextValue,
  type OpcuaTestDataType,
  type RangeValue,
} from './opcua-variables.js';

export interface ServerProcessOptions {
  port: number;
  /** Root of the server's certificate stores (own certificate, trusted clients, user PKI). */
  pkiDir: string;
  security: boolean;
  maxMonitoredItemsPerCall?: number;
  bulk?: { count: number; intervalMs: number };
}

export type ServerRequest =
  | { id: number; op: 'set'; name: string; value: unknown; status?: string }
  | { id: number; op: 'read'; name: string }
  | { id: number; op: 'bulkStats' };

export type ServerReply = { id: number; ok: true; value?: unknown } | { id: number; ok: false; error: string };

export interface ReadyMessage {
  ready: true;
  endpoint: string;
  certificateFile: string;
}

/** Cost of the bulk timer's ticks so far: how long setting every bulk variable took. */
export interface BulkStats {
  ticks: number;
  meanTickMs: number;
  maxTickMs: number;
}

const COUNTER_INTERVAL_MS = 100;

interface Entry {
  node: UAVariable;
  dataType: OpcuaTestDataType;
}

function isLocalizedText(v: unknown): v is LocalizedTextValue {
  return typeof v === 'object' && v !== null && typeof Reflect.get(v, 'text') === 'string' && typeof Reflect.get(v, 'locale') === 'string';
}

function isRange(v: unknown): v is RangeValue {
  return typeof v === 'object' && v !== null && typeof Reflect.get(v, 'low') === 'number' && typeof Reflect.get(v, 'high') === 'number';
}

/** bigint → node-opcua's [high, low] (two's complement for negative Int64). */
function toPair(v: unknown): unknown {
  if (typeof v !== 'bigint') return v;
  const u = BigInt.asUintN(64, v);
  return [Number(u >> 32n), Number(u & 0xffffffffn)];
}

function isPair(v: unknown): v is [number, number] {
  return Array.isArray(v) && v.length === 2 && typeof v[0] === 'number' && typeof v[1] === 'number';
}

/** A JS value (the opcua-variables.ts convention) → what node-opcua's Variant expects. */
function toOpcuaScalar(dataType: OpcuaTestDataType, v: unknown): unknown {
  switch (dataType) {
    case 'Int64':
    case 'UInt64':
      return toPair(v);
    case 'ByteString':
      // A plain Uint8Array is accepted too; node-opcua wants a Buffer.
      return v instanceof Uint8Array ? Buffer.from(v.buffer, v.byteOffset, v.byteLength) : v;
    case 'LocalizedText':
      if (!isLocalizedText(v)) throw new Error('a LocalizedText value is { text: string, locale: string }');
      return new LocalizedText({ text: v.text, locale: v.locale });
    case 'Range':
      if (!isRange(v)) throw new Error('a Range value is { low: number, high: number }');
      return new Range({ low: v.low, high: v.high });
    default:
      return v;
  }
}

/** A Variant's value → the opcua-variables.ts convention. */
function fromOpcuaScalar(dataType: OpcuaTestDataType, v: unknown): unknown {
  if (dataType === 'Int64' && isPair(v)) return Int64ToBigInt(v);
  if (dataType === 'UInt64' && isPair(v)) return UInt64ToBigInt(v);
  if (v instanceof LocalizedText) return { text: v.text ?? '', locale: v.locale ?? '' };
  if (dataType === 'Range' && isRange(v)) return { low: v.low, high: v.high };
  return v;
}

function toVariant(entry: Entry, value: unknown): Variant {
  const dataType = entry.dataType === 'Range' ? DataType.ExtensionObject : DataType[entry.dataType];
  if (entry.node.valueRank === 1) {
    if (!Array.isArray(value)) throw new Error(`${entry.dataType}[] needs an array`);
    return new Variant({ dataType, arrayType: VariantArrayType.Array, value: value.map((x) => toOpcuaScalar(entry.dataType, x)) });
  }
  // Explicit Scalar: node-opcua cannot tell an Int64 [high, low] pair from an array.
  return new Variant({ dataType, arrayType: VariantArrayType.Scalar, value: toOpcuaScalar(entry.dataType, value) });
}

function fromVariant(entry: Entry, variant: Variant): unknown {
  const v: unknown = variant.value;
  if (variant.arrayType !== VariantArrayType.Array) return fromOpcuaScalar(entry.dataType, v);
  // Typed arrays (Float32Array …) become plain arrays, like `initial` in opcua-variables.ts.
  const items: unknown[] = ArrayBuffer.isView(v) ? Array.from(v as unknown as ArrayLike<unknown>) : Array.isArray(v) ? v : [];
  return items.map((x) => fromOpcuaScalar(entry.dataType, x));
}

function toStatusCode(name: string | undefined): StatusCode {
  if (name === undefined) return StatusCodes.Good;
  const code: unknown = Reflect.get(StatusCodes, name);
  if (!(code instanceof StatusCode)) throw new Error(`unknown status code ${name}`);
  return code;
}

function parseOptions(): ServerProcessOptions {
  const raw = process.argv[2];
  if (raw === undefined) throw new Error('usage: opcua-server-process <options JSON>');
  return JSON.parse(raw) as ServerProcessOptions;
}

async function main(): Promise<void> {
  const opts = parseOptions();
  // Both stores in the caller's dir: by default node-opcua uses ~/.config/node-opcua-default-nodejs.
  // Unknown client certificates are accepted: this server tests clients, not its own trust list.
  const serverCertificateManager = new OPCUACertificateManager({
    rootFolder: join(opts.pkiDir, 'PKI'),
    automaticallyAcceptUnknownCertificate: true,
  });
  const userCertificateManager = new OPCUACertificateManager({ rootFolder: join(opts.pkiDir, 'UserPKI') });

  const server = new OPCUAServer({
    port: opts.port,
    host: '127.0.0.1',
    hostname: '127.0.0.1',
    // The server's own namespace (ns=1) is its application URI.
    serverInfo: { applicationUri: OPCUA_NAMESPACE_URI, applicationName: { text: 'sparkstate test server', locale: 'en' } },
    serverCertificateManager,
    userCertificateManager,
    ...(opts.security
      ? {
          securityModes: [MessageSecurityMode.Sign, MessageSecurityMode.SignAndEncrypt],
          securityPolicies: [SecurityPolicy.Basic256Sha256],
          allowAnonymous: false,
          userManager: { isValidUser: (user: string, password: string) => user === 'op' && password === 'secret' },
        }
      : { securityModes: [MessageSecurityMode.None], securityPolicies: [SecurityPolicy.None], allowAnonymous: true }),
    ...(opts.maxMonitoredItemsPerCall === undefined
      ? {}
      : { serverCapabilities: { operationLimits: { maxMonitoredItemsPerCall: opts.maxMonitoredItemsPerCall } } }),
  });
  await server.initialize();

  const addressSpace = server.engine.addressSpace;
  if (addressSpace === null) throw new Error('server has no address space');
  const ns = addressSpace.getOwnNamespace();
  const plant = ns.addFolder(addressSpace.rootFolder.objects, { browseName: OPCUA_ROOT_FOLDER, nodeId: `ns=1;s=${OPCUA_ROOT_FOLDER}` });
  const folders = new Map<string, UAObject>();
  const folder = (name: string): UAObject => {
    let f = folders.get(name);
    if (f === undefined) {
      f = ns.addFolder(plant, { browseName: name, nodeId: `ns=1;s=${OPCUA_ROOT_FOLDER}.${name}` });
      folders.set(name, f);
    }
    return f;
  };

  const entries = new Map<string, Entry>();
  for (const v of OPCUA_VARIABLES) {
    const { folder: f, browseName } = splitName(v.name);
    const access = v.writable ? 'CurrentRead | CurrentWrite' : 'CurrentRead';
    const node = ns.addVariable({
      organizedBy: folder(f),
      browseName,
      nodeId: v.nodeId,
      dataType: v.dataType,
      valueRank: v.valueRank,
      ...(v.valueRank === 1 ? { arrayDimensions: [0] } : {}),
      accessLevel: access,
      userAccessLevel: access,
      // 0: exception-based, every setValueFromSource reaches a monitored item.
      minimumSamplingInterval: 0,
    });
    const entry: Entry = { node, dataType: v.dataType };
    node.setValueFromSource(toVariant(entry, v.initial), StatusCodes.Good);
    entries.set(v.name, entry);
  }

  const counter = entries.get('Press.Counter');
  if (counter === undefined) throw new Error('Press.Counter missing from opcua-variables.ts');
  const counterTimer = setInterval(() => {
    const current: unknown = counter.node.readValue().value.value;
    counter.node.setValueFromSource({ dataType: DataType.Int32, value: (typeof current === 'number' ? current : 0) + 1 });
  }, COUNTER_INTERVAL_MS);

  const stats: BulkStats = { ticks: 0, meanTickMs: 0, maxTickMs: 0 };
  let bulkTimer: NodeJS.Timeout | undefined;
  if (opts.bulk !== undefined && opts.bulk.count > 0) {
    const bulkFolder = folder('Bulk');
    const nodes: UAVariable[] = [];
    for (let i = 0; i < opts.bulk.count; i++) {
      const name = bulkName(i);
      const node = ns.addVariable({
        organizedBy: bulkFolder,
        browseName: splitName(name).browseName,
        nodeId: `ns=1;s=${name}`,
        dataType: 'Double',
        minimumSamplingInterval: 0,
        value: { dataType: DataType.Double, value: bulkValue(0, i) },
      });
      nodes.push(node);
      entries.set(name, { node, dataType: 'Double' });
    }
    let totalMs = 0;
    bulkTimer = setInterval(() => {
      const t0 = performance.now();
      const tick = stats.ticks + 1;
      const now = new Date();
      for (let i = 0; i < nodes.length; i++) {
        nodes[i]?.setValueFromSource({ dataType: DataType.Double, value: bulkValue(tick, i) }, StatusCodes.Good, now);
      }
      const ms = performance.now() - t0;
      stats.ticks = tick;
      totalMs += ms;
      stats.meanTickMs = totalMs / tick;
      stats.maxTickMs = Math.max(stats.maxTickMs, ms);
    }, opts.bulk.intervalMs);
  }

  const handle = (req: ServerRequest): ServerReply => {
    try {
      if (req.op === 'bulkStats') return { id: req.id, ok: true, value: { ...stats } };
      const entry = entries.get(req.name);
      if (entry === undefined) throw new Error(`no variable ${req.name}`);
      if (req.op === 'read') return { id: req.id, ok: true, value: fromVariant(entry, entry.node.readValue().value) };
      entry.node.setValueFromSource(toVariant(entry, req.value), toStatusCode(req.status), new Date());
      return { id: req.id, ok: true };
    } catch (e: unknown) {
      return { id: req.id, ok: false, error: e instanceof Error ? e.message : String(e) };
    }
  };
  process.on('message', (req: ServerRequest) => process.send?.(handle(req)));

  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    clearInterval(counterTimer);
    clearInterval(bulkTimer);
    // Refuse new connections at once instead of announcing a shutdown to clients for seconds.
    await server.shutdown(0);
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('disconnect', () => void stop());

  await server.start();
  const ready: ReadyMessage = { ready: true, endpoint: server.getEndpointUrl(), certificateFile: server.certificateFile };
  process.send?.(ready);
}

main().catch((e: unknown) => {
  process.stderr.write(`opcua-server-process: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
