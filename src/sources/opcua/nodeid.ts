/**
 * NodeIds as configs write them (OPC UA Part 6, 5.3.1.10): `ns=<index>;` or `nsu=<uri>;` (or
 * neither: namespace 0), then `i=<uint32>`, `s=<string>`, `g=<guid>` or `b=<base64>`.
 * Parsing is pure; a `nsu=` form becomes a NodeId only against the server's NamespaceArray,
 * because namespace indexes differ between servers (and may change when one restarts).
 */
import { NodeId } from 'node-opcua-client';
// node-opcua prints to the console from the moment it loads; quiet.ts redirects it.
import './quiet.js';

export type NodeIdIdentifier =
  | { readonly kind: 'numeric'; readonly value: number }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'guid'; readonly value: string }
  | { readonly kind: 'opaque'; readonly value: Buffer };

export type NodeIdNamespace = { readonly kind: 'index'; readonly index: number } | { readonly kind: 'uri'; readonly uri: string };

export interface ParsedNodeId {
  readonly namespace: NodeIdNamespace;
  readonly identifier: NodeIdIdentifier;
}

const NAMESPACE_INDEX = /^ns=(\d{1,5});/;
const NAMESPACE_URI = /^nsu=([^;]+);/;
const UINT32 = /^\d{1,10}$/;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Parses any textual NodeId form; the problem names what is wrong, for a config error. */
export function parseNodeId(text: string): ParsedNodeId | { problem: string } {
  let rest = text.trim();
  let namespace: NodeIdNamespace = { kind: 'index', index: 0 };
  const byIndex = NAMESPACE_INDEX.exec(rest);
  const byUri = byIndex === null ? NAMESPACE_URI.exec(rest) : null;
  if (byIndex !== null) {
    const index = Number(byIndex[1]);
    if (index > 0xffff) return { problem: `namespace index ${index} is beyond 65535` };
    namespace = { kind: 'index', index };
    rest = rest.slice(byIndex[0].length);
  } else if (byUri !== null) {
    const raw = byUri[1] ?? '';
    // Part 6 percent-encodes ';' and '%' inside the URI.
    let uri: string;
    try {
      uri = decodeURIComponent(raw);
    } catch {
      return { problem: `namespace URI "${raw}" has a broken %-escape` };
    }
    namespace = { kind: 'uri', uri };
    rest = rest.slice(byUri[0].length);
  } else if (/^nsu?=/.test(rest)) {
    return { problem: 'expected ns=<index>; or nsu=<uri>; before the identifier' };
  }
  const identifier = parseIdentifier(rest);
  return 'problem' in identifier ? identifier : { namespace, identifier };
}

function parseIdentifier(text: string): NodeIdIdentifier | { problem: string } {
  const kind = text.slice(0, 2);
  const value = text.slice(2);
  switch (kind) {
    case 'i=':
      if (!UINT32.test(value) || Number(value) > 0xffffffff) return { problem: `numeric identifier "${value}" is not a UInt32` };
      return { kind: 'numeric', value: Number(value) };
    case 's=':
      return value === '' ? { problem: 'string identifier is empty' } : { kind: 'string', value };
    case 'g=':
      return GUID.test(value) ? { kind: 'guid', value } : { problem: `"${value}" is not a GUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)` };
    case 'b=':
      if (value === '' || !BASE64.test(value)) return { problem: `"${value}" is not base64` };
      return { kind: 'opaque', value: Buffer.from(value, 'base64') };
    default:
      return { problem: 'expected i=, s=, g= or b= after the namespace' };
  }
}

/** The NodeId on a server whose NamespaceArray is `namespaces` (index → URI). */
export function toNodeId(parsed: ParsedNodeId, namespaces: readonly string[]): NodeId | { problem: string } {
  let index: number;
  if (parsed.namespace.kind === 'index') {
    index = parsed.namespace.index;
  } else {
    index = namespaces.indexOf(parsed.namespace.uri);
    if (index < 0) return { problem: `the server has no namespace "${parsed.namespace.uri}"` };
  }
  const id = parsed.identifier;
  switch (id.kind) {
    case 'numeric':
      return new NodeId(NodeId.NodeIdType.NUMERIC, id.value, index);
    case 'string':
      return new NodeId(NodeId.NodeIdType.STRING, id.value, index);
    case 'guid':
      return new NodeId(NodeId.NodeIdType.GUID, id.value, index);
    case 'opaque':
      return new NodeId(NodeId.NodeIdType.BYTESTRING, id.value, index);
    default: {
      const unknown: never = id;
      throw new Error(`unknown NodeId identifier ${String(unknown)}`);
    }
  }
}
