/**
 * Topic string → what the host needs to handle a message on it, parsed once per topic instead of
 * once per message: a 100-node fan-in repeats the same few thousand topics, and splitting,
 * validating and looking up group and node by string for each message was a per-message cost.
 */
import type { SparkplugTopic } from '../topic/index.js';
import type { DeviceModel, HostModel, NodeModel, SequencedMessage } from './model.js';

/** Edge topics the host keeps state for: commands (NCMD/DCMD, ours and other hosts') are not edge state. */
export type EdgeTopic =
  | { readonly kind: 'node'; readonly type: 'NBIRTH' | 'NDEATH' | 'NDATA'; readonly group: string; readonly node: string }
  | { readonly kind: 'device'; readonly type: 'DBIRTH' | 'DDEATH' | 'DDATA'; readonly group: string; readonly node: string; readonly device: string };

/** The edge topic of a parsed topic, or undefined for command topics. */
function edgeTopic(t: Exclude<SparkplugTopic, { kind: 'state' }>): EdgeTopic | undefined {
  switch (t.kind) {
    case 'node': {
      const type = t.type;
      return type === 'NCMD' ? undefined : { kind: 'node', type, group: t.group, node: t.node };
    }
    case 'device': {
      const type = t.type;
      return type === 'DCMD' ? undefined : { kind: 'device', type, group: t.group, node: t.node, device: t.device };
    }
    default: {
      const never: never = t;
      return never;
    }
  }
}

/** Shared by every NDATA route: the message descriptor is immutable, so one object serves all nodes. */
const NDATA_MSG: SequencedMessage = { verb: 'NDATA' };

export class Route {
  /**
   * The device of a device topic, once it exists: devices are never removed from their node, so
   * the first lookup that finds it is valid for good.
   */
  device: DeviceModel | undefined = undefined;

  constructor(
    readonly topic: EdgeTopic,
    readonly node: NodeModel,
    /** The seq-carrying descriptor (NDATA, DBIRTH, DDATA, DDEATH); undefined for NBIRTH/NDEATH. */
    readonly msg: SequencedMessage | undefined,
  ) {}

  /** The device of this (device) topic if the node has it; looked up by string until it exists. */
  findDevice(): DeviceModel | undefined {
    if (this.device !== undefined || this.topic.kind !== 'device') return this.device;
    this.device = this.node.devices.get(this.topic.device);
    return this.device;
  }
}

/** limits.maxNodes when not set. */
export const DEFAULT_MAX_NODES = 10_000;

export class RouteCache {
  private readonly routes = new Map<string, Route>();

  /**
   * `max` bounds memory against a publisher that cycles through endless distinct topics: when full
   * the cache starts over (the model's nodes and devices are kept; only the shortcuts go).
   */
  constructor(
    private readonly model: HostModel,
    /** Groups kept in the model; all when undefined. */
    private readonly groups: ReadonlySet<string> | undefined,
    /** Nodes the model may hold; a topic of a further node gets no route (the caller counts it). */
    private readonly maxNodes: number,
    private readonly onTooManyNodes: (group: string, node: string) => void,
    private readonly max = 100_000,
  ) {}

  get(topic: string): Route | undefined {
    return this.routes.get(topic);
  }

  /**
   * The route of a topic not seen before; undefined (and nothing remembered, nothing created) for
   * command topics, whose NCMDs and DCMDs come back through spBv1.0/# and are not edge state, and for
   * groups not kept, and for a new node once the model holds `maxNodes`. Creates the node, as the
   * first message from it always has.
   */
  add(topic: string, parsed: Exclude<SparkplugTopic, { kind: 'state' }>): Route | undefined {
    const t = edgeTopic(parsed);
    if (t === undefined || (this.groups !== undefined && !this.groups.has(t.group))) return undefined;
    if (this.model.nodeCount >= this.maxNodes && this.model.findNode(t.group, t.node) === undefined) {
      this.onTooManyNodes(t.group, t.node);
      return undefined;
    }
    const node = this.model.node(t.group, t.node);
    const msg = t.kind === 'node' ? (t.type === 'NDATA' ? NDATA_MSG : undefined) : { verb: t.type, device: t.device };
    const route = new Route(t, node, msg);
    if (this.routes.size >= this.max) this.routes.clear();
    this.routes.set(topic, route);
    return route;
  }
}
