/**
 * The Sparkplug B topic namespace: spBv1.0/<group>/<verb>/<node>[/<device>] and spBv1.0/STATE/<host>.
 * Topics are built only by `formatTopic` and read only by `parseTopic`.
 */
import { InvalidTopicError } from '../errors.js';

export const NAMESPACE = 'spBv1.0';

export type NodeMessageType = 'NBIRTH' | 'NDEATH' | 'NDATA' | 'NCMD';
export type DeviceMessageType = 'DBIRTH' | 'DDEATH' | 'DDATA' | 'DCMD';
export type MessageType = NodeMessageType | DeviceMessageType;

export type SparkplugTopic =
  | { readonly kind: 'node'; readonly type: NodeMessageType; readonly group: string; readonly node: string }
  | {
      readonly kind: 'device';
      readonly type: DeviceMessageType;
      readonly group: string;
      readonly node: string;
      readonly device: string;
    }
  | { readonly kind: 'state'; readonly hostId: string };

const NODE_TYPES: ReadonlySet<string> = new Set<NodeMessageType>(['NBIRTH', 'NDEATH', 'NDATA', 'NCMD']);
const DEVICE_TYPES: ReadonlySet<string> = new Set<DeviceMessageType>(['DBIRTH', 'DDEATH', 'DDATA', 'DCMD']);

function isNodeType(s: string): s is NodeMessageType {
  return NODE_TYPES.has(s);
}

function isDeviceType(s: string): s is DeviceMessageType {
  return DEVICE_TYPES.has(s);
}

export type IdKind = 'group' | 'node' | 'device' | 'host';

/** Why `id` is not a valid Sparkplug identifier, or undefined when it is. */
export function idProblem(id: string): string | undefined {
  if (id.length === 0) return 'is empty';
  // [tck-id-intro-group-id-chars] [tck-id-intro-edge-node-id-chars] [tck-id-intro-device-id-chars]
  // [tck-id-topic-structure-namespace-valid-group-id] [tck-id-topic-structure-namespace-valid-edge-node-id]
  // [tck-id-topic-structure-namespace-valid-device-id]
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    if (c === 0x2f) return "contains '/'";
    if (c === 0x2b) return "contains '+'";
    if (c === 0x23) return "contains '#'";
    if (c === 0) return 'contains NUL';
    // A lone surrogate cannot be encoded as UTF-8. [tck-id-intro-group-id-string]
    // [tck-id-intro-edge-node-id-string] [tck-id-intro-device-id-string]
    if (c >= 0xd800 && c <= 0xdfff) {
      const next = id.charCodeAt(i + 1);
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) i++;
      else return 'is not valid UTF-8 (lone surrogate)';
    }
  }
  return undefined;
}

/** Throws InvalidTopicError unless `id` may be used as a group, node, device or host id. */
export function assertValidId(id: string, kind: IdKind): void {
  const problem = idProblem(id);
  if (problem !== undefined) throw new InvalidTopicError(`invalid ${kind} id ${JSON.stringify(id)}: ${problem}`);
}

/** Parses a topic string; throws InvalidTopicError when it is not a Sparkplug B topic. */
export function parseTopic(topic: string): SparkplugTopic {
  const parts = topic.split('/');
  // [tck-id-topic-structure-namespace-a]
  if (parts[0] !== NAMESPACE) throw new InvalidTopicError(`not in the ${NAMESPACE} namespace: ${topic}`);
  const second = parts[1];
  const third = parts[2];
  if (second === 'STATE') {
    if (parts.length !== 3 || third === undefined) {
      throw new InvalidTopicError(`STATE topic must be ${NAMESPACE}/STATE/<hostId>: ${topic}`);
    }
    checkId(third, 'host', topic);
    return { kind: 'state', hostId: third };
  }
  const node = parts[3];
  if (second === undefined || third === undefined || node === undefined) {
    throw new InvalidTopicError(`too few levels for a Sparkplug topic: ${topic}`);
  }
  checkId(second, 'group', topic);
  checkId(node, 'node', topic);
  // [tck-id-topic-structure] [tck-id-topic-structure-namespace-device-id-non-associated-message-types]
  if (isNodeType(third)) {
    if (parts.length !== 4) throw new InvalidTopicError(`${third} topic must have 4 levels: ${topic}`);
    return { kind: 'node', type: third, group: second, node };
  }
  // [tck-id-topic-structure-namespace-device-id-associated-message-types]
  if (isDeviceType(third)) {
    const device = parts[4];
    if (parts.length !== 5 || device === undefined) {
      throw new InvalidTopicError(`${third} topic must have 5 levels: ${topic}`);
    }
    checkId(device, 'device', topic);
    return { kind: 'device', type: third, group: second, node, device };
  }
  throw new InvalidTopicError(`unknown message type ${JSON.stringify(third)}: ${topic}`);
}

function checkId(id: string, kind: IdKind, topic: string): void {
  const problem = idProblem(id);
  if (problem !== undefined) throw new InvalidTopicError(`invalid ${kind} id in ${topic}: ${problem}`);
}

/** Builds a topic string; throws InvalidTopicError for invalid ids. */
export function formatTopic(t: SparkplugTopic): string {
  switch (t.kind) {
    case 'state':
      assertValidId(t.hostId, 'host');
      return `${NAMESPACE}/STATE/${t.hostId}`;
    case 'node':
      assertValidId(t.group, 'group');
      assertValidId(t.node, 'node');
      return `${NAMESPACE}/${t.group}/${t.type}/${t.node}`;
    case 'device':
      assertValidId(t.group, 'group');
      assertValidId(t.node, 'node');
      assertValidId(t.device, 'device');
      return `${NAMESPACE}/${t.group}/${t.type}/${t.node}/${t.device}`;
    default: {
      const never: never = t;
      throw new InvalidTopicError(`unknown topic kind ${JSON.stringify(never)}`);
    }
  }
}
