/**
 * Batched OPC UA services for `sparkstate opcua browse`: a level-by-level walk of the address space
 * that browses and reads many nodes per request, so large servers take seconds, not minutes.
 */
import {
  AttributeIds,
  BrowseDirection,
  NodeClass,
  NodeClassMask,
  NodeId,
  ObjectIds,
  ReferenceTypeIds,
  ResultMask,
  StatusCodes,
  VariableIds,
} from 'node-opcua-client';
import type { BrowseResult, ClientSession, DataValue, ExpandedNodeId, ReferenceDescription } from 'node-opcua-client';
import type { Logger } from 'pino';

/** Per-request item caps, lowered further to the server's OperationLimits. */
const BROWSE_CAP = 1000;
const READ_CAP = 2000;

export interface Limits {
  readonly browse: number;
  readonly read: number;
}

export interface FoundNode {
  readonly nodeId: NodeId;
  /** Browse names from the root (excluded) down to this node. */
  readonly path: readonly string[];
  readonly nodeClass: NodeClass;
}

/** One node to browse: which references, in which direction, to which node classes. */
export interface BrowseOf {
  readonly nodeId: NodeId;
  readonly browseDirection: BrowseDirection;
  readonly referenceTypeId: number;
  readonly nodeClassMask: number;
}

export interface WalkOptions {
  readonly root: FoundNode;
  readonly depth: number;
  /** Leave out the Server object and namespace-0 variables (the server's own diagnostics). */
  readonly skipServerNodes: boolean;
  readonly onLevel: (nodes: number, variables: number) => void;
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** A local NodeId from a reference target; undefined for nodes on other servers. */
export function localNodeId(target: ExpandedNodeId): NodeId | undefined {
  if (target.serverIndex !== 0) return undefined;
  return new NodeId(target.identifierType, target.value, target.namespace);
}

/** Reads with one Read request per `limits.read` items; results keep the order of `items`. */
export async function readMany(
  session: ClientSession,
  items: readonly { nodeId: NodeId; attributeId: AttributeIds }[],
  limits: Limits,
): Promise<DataValue[]> {
  const out: DataValue[] = [];
  for (const chunk of chunks(items, limits.read)) out.push(...(await session.read(chunk, 0)));
  return out;
}

/** Server OperationLimits (0 or unreadable: no limit), capped so no response grows huge. */
export async function readLimits(session: ClientSession): Promise<Limits> {
  const ids = [
    VariableIds.Server_ServerCapabilities_OperationLimits_MaxNodesPerBrowse,
    VariableIds.Server_ServerCapabilities_OperationLimits_MaxNodesPerRead,
  ];
  const values = await session.read(ids.map((i) => ({ nodeId: new NodeId(NodeId.NodeIdType.NUMERIC, i, 0), attributeId: AttributeIds.Value })));
  const limit = (dv: DataValue | undefined, cap: number): number => {
    const v: unknown = dv?.statusCode.isGood() === true ? dv.value.value : undefined;
    return typeof v === 'number' && v > 0 ? Math.min(v, cap) : cap;
  };
  return { browse: limit(values[0], BROWSE_CAP), read: limit(values[1], READ_CAP) };
}

/**
 * Browses every node, following continuation points; nodes the server refuses for lack of
 * continuation points are browsed again once the others have released theirs.
 */
export async function browseMany(
  session: ClientSession,
  nodes: readonly BrowseOf[],
  limits: Limits,
  log: Logger,
): Promise<ReferenceDescription[][]> {
  const out = nodes.map((): ReferenceDescription[] => []);
  let pending = nodes.map((_, i) => i);
  while (pending.length > 0) {
    const retry: number[] = [];
    for (const chunk of chunks(pending, limits.browse)) {
      const results = await session.browse(
        chunk.map((i) => ({
          ...nodes[i],
          includeSubtypes: true,
          resultMask: ResultMask.ReferenceType | ResultMask.NodeClass | ResultMask.BrowseName,
        })),
      );
      let open: { index: number; result: BrowseResult }[] = results.map((result, k) => ({ index: chunk[k] ?? -1, result }));
      while (open.length > 0) {
        const next: { index: number; continuationPoint: Buffer }[] = [];
        for (const { index, result } of open) {
          if (result.statusCode.equals(StatusCodes.BadNoContinuationPoints)) {
            retry.push(index);
            continue;
          }
          if (!result.statusCode.isGood()) {
            log.warn({ nodeId: nodes[index]?.nodeId.toString(), status: result.statusCode.name }, 'cannot browse node');
            continue;
          }
          out[index]?.push(...(result.references ?? []));
          if (result.continuationPoint !== null && result.continuationPoint.length > 0) next.push({ index, continuationPoint: result.continuationPoint });
        }
        if (next.length === 0) break;
        const more = await session.browseNext(next.map((n) => n.continuationPoint), false);
        open = more.map((result, k) => ({ index: next[k]?.index ?? -1, result }));
      }
    }
    if (retry.length === pending.length) throw new Error('the server has no browse continuation points to spare');
    pending = retry;
  }
  return out;
}

/**
 * Breadth-first walk below the root along hierarchical references, up to `depth` levels; each
 * node is visited once whatever the number of paths to it (the first, shortest path names it).
 * Properties of variables (EURange, EngineeringUnits, …) describe the variable rather than
 * carry process data, so they are not followed; variables' component variables are.
 */
export async function walk(session: ClientSession, opts: WalkOptions, limits: Limits, log: Logger): Promise<FoundNode[]> {
  const seen = new Set<string>([opts.root.nodeId.toString()]);
  const variables: FoundNode[] = opts.root.nodeClass === NodeClass.Variable ? [opts.root] : [];
  let frontier: FoundNode[] = [opts.root];
  for (let level = 1; level <= opts.depth && frontier.length > 0; level++) {
    const refs = await browseMany(
      session,
      frontier.map((n) => ({
        nodeId: n.nodeId,
        browseDirection: BrowseDirection.Forward,
        referenceTypeId: ReferenceTypeIds.HierarchicalReferences,
        nodeClassMask: NodeClassMask.Object | NodeClassMask.Variable,
      })),
      limits,
      log,
    );
    const next: FoundNode[] = [];
    frontier.forEach((parent, i) => {
      for (const ref of refs[i] ?? []) {
        const isProperty = ref.referenceTypeId.namespace === 0 && ref.referenceTypeId.value === ReferenceTypeIds.HasProperty;
        if (parent.nodeClass === NodeClass.Variable && isProperty) continue;
        const nodeId = localNodeId(ref.nodeId);
        if (nodeId === undefined) continue;
        const key = nodeId.toString();
        if (seen.has(key)) continue;
        seen.add(key);
        if (opts.skipServerNodes && nodeId.namespace === 0 && (ref.nodeClass === NodeClass.Variable || nodeId.value === ObjectIds.Server)) continue;
        const node: FoundNode = { nodeId, path: [...parent.path, ref.browseName.name ?? key], nodeClass: ref.nodeClass };
        if (node.nodeClass === NodeClass.Variable) variables.push(node);
        next.push(node);
      }
    });
    frontier = next;
    opts.onLevel(seen.size, variables.length);
  }
  return variables;
}
