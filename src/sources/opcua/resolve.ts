/**
 * What the server says about the configured variables: the NamespaceArray and operation limits
 * (one Read), then each variable's DataType and ValueRank (batched Reads, never one per item),
 * then the built-in base of every DataType that is not a built-in itself (batched Browses of
 * the HasSubtype hierarchy, once per distinct DataType).
 */
import { AttributeIds, BrowseDirection, DataType, NodeId, ReferenceTypeIds, StatusCodes, VariableIds } from 'node-opcua-client';
import type { BrowseResult, ClientSession, DataValue, ReadValueIdOptions } from 'node-opcua-client';
import { shapeOf } from './datatypes.js';
import type { VariableShape } from './datatypes.js';
import { toNodeId } from './nodeid.js';
import type { ParsedNodeId } from './nodeid.js';

export interface ServerInfo {
  readonly namespaces: readonly string[];
  /** Items per Read / Browse / CreateMonitoredItems call; 0 where the server sets no limit. */
  readonly maxNodesPerRead: number;
  readonly maxNodesPerBrowse: number;
  readonly maxMonitoredItemsPerCall: number;
}

/** A variable the source can serve. */
export interface Binding {
  readonly nodeId: NodeId;
  readonly shape: VariableShape;
}

export interface Resolution {
  /** Per configured metric: its binding, or undefined where `problems` says why not. */
  readonly bindings: readonly (Binding | undefined)[];
  readonly problems: readonly { readonly index: number; readonly problem: string }[];
}

/** A batch size for a server limit (0: no limit, still batched to keep messages moderate). */
export function batchSize(limit: number, fallback = 1000): number {
  return limit > 0 ? limit : fallback;
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Reads in calls of at most `maxNodesPerRead` items; results in input order. */
export async function readBatched(session: ClientSession, nodes: readonly ReadValueIdOptions[], maxNodesPerRead: number): Promise<DataValue[]> {
  const results: DataValue[] = [];
  for (const chunk of chunks(nodes, batchSize(maxNodesPerRead))) results.push(...(await session.read(chunk)));
  return results;
}

function uint(dv: DataValue | undefined): number {
  const v: unknown = dv?.statusCode.isGood() === true ? dv.value.value : undefined;
  return typeof v === 'number' ? v : 0;
}

export async function readServerInfo(session: ClientSession): Promise<ServerInfo> {
  const ids = [
    VariableIds.Server_NamespaceArray,
    VariableIds.Server_ServerCapabilities_OperationLimits_MaxNodesPerRead,
    VariableIds.Server_ServerCapabilities_OperationLimits_MaxNodesPerBrowse,
    VariableIds.Server_ServerCapabilities_OperationLimits_MaxMonitoredItemsPerCall,
  ];
  const [ns, read, browse, monitor] = await session.read(ids.map((i) => ({ nodeId: new NodeId(NodeId.NodeIdType.NUMERIC, i, 0), attributeId: AttributeIds.Value })));
  const namespaces: unknown = ns?.value.value;
  if (!Array.isArray(namespaces)) throw new Error('the server did not return its NamespaceArray');
  return {
    namespaces: namespaces.map(String),
    maxNodesPerRead: uint(read),
    maxNodesPerBrowse: uint(browse),
    maxMonitoredItemsPerCall: uint(monitor),
  };
}

const ENUMERATION = 29;

/** A DataType node of namespace 0 that ends the walk up the hierarchy: a built-in or Enumeration. */
function terminal(id: NodeId): DataType | undefined {
  if (id.namespace !== 0 || typeof id.value !== 'number' || id.value > ENUMERATION) return undefined;
  // Enumerations travel as Int32 (Part 3, 8.14).
  return id.value === ENUMERATION ? DataType.Int32 : (id.value as DataType);
}

/**
 * The built-in each DataType's values travel as, following HasSubtype upwards level by level
 * (one batched Browse per level). Absent from the map: the hierarchy could not be followed.
 */
async function builtinsOf(session: ClientSession, dataTypes: readonly NodeId[], info: ServerInfo): Promise<Map<string, DataType>> {
  const result = new Map<string, DataType>();
  /** Type still being resolved (key) → the ancestor reached so far. */
  let pending = new Map<string, NodeId>();
  for (const t of dataTypes) {
    const builtin = terminal(t);
    if (builtin !== undefined) result.set(t.toString(), builtin);
    else pending.set(t.toString(), t);
  }
  // Real hierarchies are a few levels deep; the bound stops a malformed server looping us.
  for (let depth = 0; depth < 16 && pending.size > 0; depth++) {
    const entries = [...pending];
    const browses = entries.map(([, ancestor]) => ({
      nodeId: ancestor,
      browseDirection: BrowseDirection.Inverse,
      referenceTypeId: new NodeId(NodeId.NodeIdType.NUMERIC, ReferenceTypeIds.HasSubtype, 0),
      includeSubtypes: false,
      resultMask: 0,
    }));
    const results: BrowseResult[] = [];
    for (const chunk of chunks(browses, batchSize(info.maxNodesPerBrowse))) results.push(...(await session.browse(chunk)));
    const next = new Map<string, NodeId>();
    for (const [i, [key]] of entries.entries()) {
      const parent = results[i]?.references?.[0]?.nodeId;
      if (parent === undefined) continue;
      const parentId = new NodeId(parent.identifierType, parent.value, parent.namespace);
      const builtin = terminal(parentId);
      if (builtin !== undefined) result.set(key, builtin);
      else next.set(key, parentId);
    }
    pending = next;
  }
  return result;
}

/** Resolves every metric's NodeId and shape; problems are collected, not thrown, so all are reported at once. */
export async function resolveVariables(session: ClientSession, parsed: readonly ParsedNodeId[], info: ServerInfo): Promise<Resolution> {
  const problems: { index: number; problem: string }[] = [];
  const bindings: (Binding | undefined)[] = parsed.map(() => undefined);
  const nodeIds: { index: number; nodeId: NodeId }[] = [];
  for (const [index, p] of parsed.entries()) {
    const nodeId = toNodeId(p, info.namespaces);
    if ('problem' in nodeId) problems.push({ index, problem: nodeId.problem });
    else nodeIds.push({ index, nodeId });
  }
  const attributes = await readBatched(
    session,
    nodeIds.flatMap(({ nodeId }) => [
      { nodeId, attributeId: AttributeIds.DataType },
      { nodeId, attributeId: AttributeIds.ValueRank },
    ]),
    // Two attributes per node must fit one call.
    info.maxNodesPerRead > 1 ? info.maxNodesPerRead - (info.maxNodesPerRead % 2) : info.maxNodesPerRead,
  );
  const found: { index: number; nodeId: NodeId; dataType: NodeId; valueRank: number }[] = [];
  for (const [k, { index, nodeId }] of nodeIds.entries()) {
    const dataType = attributes[2 * k];
    const valueRank = attributes[2 * k + 1];
    const status = dataType?.statusCode;
    const dt: unknown = dataType?.value.value;
    const vr: unknown = valueRank?.value.value;
    if (status?.equals(StatusCodes.BadNodeIdUnknown) === true) problems.push({ index, problem: 'the server has no such node (BadNodeIdUnknown)' });
    else if (status?.equals(StatusCodes.BadAttributeIdInvalid) === true) problems.push({ index, problem: 'the node is not a Variable' });
    else if (status?.isGood() !== true || !(dt instanceof NodeId) || typeof vr !== 'number') {
      problems.push({ index, problem: `cannot read its DataType and ValueRank (${status?.name ?? 'no result'})` });
    } else found.push({ index, nodeId, dataType: dt, valueRank: vr });
  }
  const distinct = [...new Map(found.map((f) => [f.dataType.toString(), f.dataType])).values()];
  const builtins = await builtinsOf(session, distinct, info);
  for (const { index, nodeId, dataType, valueRank } of found) {
    const builtin = builtins.get(dataType.toString());
    if (builtin === undefined) {
      problems.push({ index, problem: `DataType ${dataType.toString()} does not derive from a built-in type` });
      continue;
    }
    const shape = shapeOf(builtin, valueRank);
    if ('problem' in shape) problems.push({ index, problem: `DataType ${dataType.toString()}: ${shape.problem}` });
    else bindings[index] = { nodeId, shape };
  }
  problems.sort((a, b) => a.index - b.index);
  return { bindings, problems };
}
