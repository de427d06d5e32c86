/**
 * Incoming messages on the edge: the primary host's STATE, NCMD and DCMD. Nothing here can
 * throw into the MQTT client: every bad message is logged and dropped.
 */
import type { Logger } from 'pino';
import { isSparkplugError } from '../errors.js';
import { decodePayload } from '../payload/index.js';
import type { DecodedMetric, MetricTypeName } from '../payload/types.js';
import { decodeState, parseTopic, type SparkplugTopic } from '../topic/index.js';
import { NEXT_SERVER_METRIC, REBIRTH_METRIC } from './certificates.js';
import type { CommandDedup } from './command-dedup.js';
import type { PrimaryHostTracker } from './primary-host.js';
import type { Scope } from './scope.js';
import type { EdgeEvents, EdgeState } from './types.js';

export interface CommandContext {
  readonly groupId: string;
  readonly edgeNodeId: string;
  readonly log: Logger | undefined;
  readonly host: PrimaryHostTracker | undefined;
  readonly nodeScope: Scope;
  readonly deviceScopes: ReadonlyMap<string, Scope>;
  readonly dedup: CommandDedup;
  state(): EdgeState;
  rebirth(): void;
  nextServer(): void;
  hostOnline(): void;
  hostOffline(): void;
  rejected(info: EdgeEvents['commandRejected'][0]): void;
}

export function handleCommand(ctx: CommandContext, topicString: string, payload: Uint8Array): void {
  let topic: SparkplugTopic;
  try {
    topic = parseTopic(topicString);
  } catch (e) {
    ctx.log?.warn({ topic: topicString, err: e }, 'ignoring message on a non-Sparkplug topic');
    return;
  }
  switch (topic.kind) {
    case 'state':
      onState(ctx, topic.hostId, payload);
      return;
    case 'node':
      if (topic.type === 'NCMD' && ownNode(ctx, topic)) onCommand(ctx, ctx.nodeScope, topicString, payload);
      return;
    case 'device': {
      if (topic.type !== 'DCMD' || !ownNode(ctx, topic)) return;
      const scope = ctx.deviceScopes.get(topic.device);
      if (scope === undefined) {
        ctx.log?.warn({ device: topic.device }, 'DCMD for an unknown device ignored');
        return;
      }
      onCommand(ctx, scope, topicString, payload);
      return;
    }
    default: {
      const never: never = topic;
      ctx.log?.warn({ topic: never }, 'unexpected topic');
    }
  }
}

function ownNode(ctx: CommandContext, t: { group: string; node: string }): boolean {
  return t.group === ctx.groupId && t.node === ctx.edgeNodeId;
}

function onState(ctx: CommandContext, hostId: string, payload: Uint8Array): void {
  // [tck-id-message-flow-edge-node-birth-publish-phid-wait-id] only the configured host id counts
  if (ctx.host === undefined || hostId !== ctx.host.hostId) return;
  let verdict;
  try {
    verdict = ctx.host.update(decodeState(payload));
  } catch (e) {
    ctx.log?.warn({ err: e, hostId }, 'ignoring malformed STATE');
    return;
  }
  ctx.log?.info({ hostId, verdict }, 'primary host STATE');
  // [tck-id-message-flow-edge-node-birth-publish-phid-wait-online] [tck-id-message-flow-edge-node-birth-publish-phid-wait-timestamp]
  if (verdict === 'online') ctx.hostOnline();
  // [tck-id-operational-behavior-edge-node-termination-host-offline-timestamp] a stale offline is ignored
  // [tck-id-message-flow-edge-node-birth-publish-phid-offline] [tck-id-operational-behavior-edge-node-termination-host-offline-reconnect]
  // [tck-id-operational-behavior-edge-node-termination-host-offline]
  else if (verdict === 'offline' && ctx.state() !== 'connecting') ctx.hostOffline();
}

function onCommand(ctx: CommandContext, scope: Scope, topic: string, payload: Uint8Array): void {
  let metrics: DecodedMetric[];
  let timestamp;
  try {
    // Hosts may omit datatypes in commands: take them from our own metric definitions.
    const decoded = decodePayload(payload, { resolveType: (m) => typeFor(scope, m) });
    metrics = decoded.metrics ?? [];
    timestamp = decoded.timestamp;
  } catch (e) {
    ctx.log?.warn({ err: e, device: scope.id || undefined }, 'ignoring undecodable command');
    return;
  }
  let duplicate: boolean | undefined;
  for (const m of metrics) {
    // Q21: commands are accepted at QoS 0 or 1, with or without a payload timestamp.
    if (scope.isNode && m.name === REBIRTH_METRIC) {
      if (m.value === true) ctx.rebirth();
      continue;
    }
    if (scope.isNode && m.name === NEXT_SERVER_METRIC) {
      if (m.value === true) ctx.nextServer();
      continue;
    }
    // Checked once per payload and only for writes: rebirth requests keep their own handling.
    duplicate ??= timestamp !== undefined && ctx.dedup.isDuplicate(topic, payload);
    if (!duplicate) void write(ctx, scope, m);
  }
}

function typeFor(scope: Scope, m: { name?: string; alias?: number | bigint }): MetricTypeName | undefined {
  if (scope.isNode && (m.name === REBIRTH_METRIC || m.name === NEXT_SERVER_METRIC)) return 'Boolean';
  return scope.resolve(m)?.def.type;
}

async function write(ctx: CommandContext, scope: Scope, m: DecodedMetric): Promise<void> {
  const slot = scope.resolve(m);
  const device = scope.isNode ? undefined : scope.id;
  const label = m.name ?? `alias ${String(m.alias)}`;
  const refuse = (code: string, message: string): void => {
    ctx.log?.warn({ device, metric: label, code }, `write refused: ${message}`);
    ctx.rejected({ device, metric: label, code, message });
  };
  if (slot === undefined) return refuse('SPB_ERR_UNKNOWN_METRIC', 'no such metric');
  if (!slot.def.writable) return refuse('SPB_ERR_READ_ONLY', 'metric is read-only');
  if (m.value === undefined) return refuse('SPB_ERR_ENCODE', 'command carries no value');
  try {
    await scope.source.write(slot.def.name, m.value);
    ctx.log?.info({ device, metric: slot.def.name }, 'write applied');
  } catch (e) {
    refuse(isSparkplugError(e) ? e.code : 'SPB_ERR_WRITE', e instanceof Error ? e.message : String(e));
  }
}
