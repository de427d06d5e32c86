/**
 * Which variables become Sparkplug metrics: a DataType that is (or derives from) a scalar
 * built-in Sparkplug can carry, scalar or one-dimensional, readable; writable when the
 * session's user may write it.
 */
import { AttributeIds, BrowseDirection, DataType, NodeClassMask, NodeId, ReferenceTypeIds } from 'node-opcua-client';
import type { ClientSession, DataValue } from 'node-opcua-client';
import type { Logger } from 'pino';
import { browseMany, localNodeId, readMany } from './opcua-walk.js';
import type { FoundNode, Limits } from './opcua-walk.js';

export interface Metric {
  readonly node: FoundNode;
  readonly writable: boolean;
}

export interface Skipped {
  readonly node: FoundNode;
  readonly reason: string;
}

type Mapping = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/** Built-ins with a Sparkplug counterpart (Boolean…ByteString, LocalizedText as its text). */
const MAPPABLE = new Set<number>([
  DataType.Boolean, DataType.SByte, DataType.Byte, DataType.Int16, DataType.UInt16, DataType.Int32, DataType.UInt32,
  DataType.Int64, DataType.UInt64, DataType.Float, DataType.Double, DataType.String, DataType.DateTime, DataType.Guid,
  DataType.ByteString, DataType.LocalizedText,
]);
/** ns=0;i=29: enumerations travel as Int32. */
const ENUMERATION = 29;
/** Built-in ids end at Enumeration; a higher ns=0 id is a subtype. */
const LAST_BUILTIN = ENUMERATION;
/** Guards against a supertype cycle in a broken server. */
const MAX_HOPS = 32;

const CURRENT_READ = 0x01;
const CURRENT_WRITE = 0x02;

/** The verdict for a built-in DataType; undefined for any other (look at its supertype). */
function builtinMapping(id: NodeId): Mapping | undefined {
  if (id.namespace !== 0 || typeof id.value !== 'number' || id.value > LAST_BUILTIN) return undefined;
  if (MAPPABLE.has(id.value) || id.value === ENUMERATION) return { ok: true };
  if (id.value === DataType.ExtensionObject) return { ok: false, reason: 'a structure (ExtensionObject)' };
  return { ok: false, reason: `built-in ${DataType[id.value] ?? `i=${id.value}`} has no Sparkplug datatype` };
}

/** Walks each DataType up its HasSubtype chain (one Browse per level for all of them) to a built-in. */
async function resolveDataTypes(session: ClientSession, ids: readonly NodeId[], limits: Limits, log: Logger): Promise<Map<string, Mapping>> {
  const verdicts = new Map<string, Mapping>();
  /** Data types still undecided → the ancestor reached so far. */
  let pending = new Map<string, NodeId>();
  for (const id of ids) {
    const builtin = builtinMapping(id);
    if (builtin === undefined) pending.set(id.toString(), id);
    else verdicts.set(id.toString(), builtin);
  }
  for (let hop = 0; pending.size > 0; hop++) {
    if (hop === MAX_HOPS) {
      for (const key of pending.keys()) verdicts.set(key, { ok: false, reason: 'supertype chain too long' });
      break;
    }
    const ancestors = [...new Map([...pending.values()].map((a) => [a.toString(), a])).values()];
    const refs = await browseMany(
      session,
      ancestors.map((nodeId) => ({
        nodeId,
        browseDirection: BrowseDirection.Inverse,
        referenceTypeId: ReferenceTypeIds.HasSubtype,
        nodeClassMask: NodeClassMask.DataType,
      })),
      limits,
      log,
    );
    const supertypeOf = new Map(ancestors.map((a, i) => [a.toString(), refs[i]?.[0]?.nodeId]));
    const still = new Map<string, NodeId>();
    for (const [key, ancestor] of pending) {
      const up = supertypeOf.get(ancestor.toString());
      const next = up === undefined ? undefined : localNodeId(up);
      const verdict = next === undefined ? { ok: false as const, reason: `${ancestor.toString()} has no supertype` } : builtinMapping(next);
      if (verdict !== undefined) verdicts.set(key, verdict);
      else if (next !== undefined) still.set(key, next);
    }
    pending = still;
  }
  return verdicts;
}

function valueRankProblem(rank: unknown): string | undefined {
  if (rank === -1 || rank === 1) return undefined;
  if (typeof rank !== 'number') return 'unreadable ValueRank';
  if (rank >= 2) return `${rank}-dimensional array (ValueRank ${rank})`;
  const label = rank === 0 ? 'one or more dimensions' : rank === -2 ? 'any' : rank === -3 ? 'scalar or one dimension' : 'unknown';
  return `no fixed shape (ValueRank ${rank}: ${label})`;
}

function dataTypeProblem(dataType: unknown, verdicts: ReadonlyMap<string, Mapping>): string | undefined {
  if (!(dataType instanceof NodeId)) return 'unreadable DataType';
  const verdict = verdicts.get(dataType.toString());
  if (verdict === undefined) return `DataType ${dataType.toString()} could not be resolved`;
  return verdict.ok ? undefined : `DataType ${dataType.toString()}: ${verdict.reason}`;
}

function goodValue(dv: DataValue | undefined): unknown {
  return dv?.statusCode.isGood() === true ? dv.value.value : undefined;
}

/** Reads DataType, ValueRank, AccessLevel and UserAccessLevel of every variable in batched Reads. */
export async function classify(
  session: ClientSession,
  variables: readonly FoundNode[],
  limits: Limits,
  log: Logger,
): Promise<{ metrics: Metric[]; skipped: Skipped[] }> {
  const attributes = [AttributeIds.DataType, AttributeIds.ValueRank, AttributeIds.AccessLevel, AttributeIds.UserAccessLevel];
  const values = await readMany(
    session,
    variables.flatMap((v) => attributes.map((attributeId) => ({ nodeId: v.nodeId, attributeId }))),
    limits,
  );
  const rows = variables.map((_, i) => values.slice(i * attributes.length, (i + 1) * attributes.length).map(goodValue));
  const dataTypes = rows.map((r) => r[0]).filter((t): t is NodeId => t instanceof NodeId);
  const verdicts = await resolveDataTypes(session, dataTypes, limits, log);

  const metrics: Metric[] = [];
  const skipped: Skipped[] = [];
  variables.forEach((node, i) => {
    const [dataType, rank, accessLevel, userAccessLevel] = rows[i] ?? [];
    // The user's rights when the server tells them, else the variable's own.
    const access = typeof userAccessLevel === 'number' ? userAccessLevel : typeof accessLevel === 'number' ? accessLevel : 0;
    const reason = dataTypeProblem(dataType, verdicts) ?? valueRankProblem(rank) ?? ((access & CURRENT_READ) === 0 ? 'not readable (no CurrentRead access)' : undefined);
    if (reason === undefined) metrics.push({ node, writable: (access & CURRENT_WRITE) !== 0 });
    else skipped.push({ node, reason });
  });
  return { metrics, skipped };
}
