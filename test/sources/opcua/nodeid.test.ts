import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NodeId } from 'node-opcua-client';
import { parseNodeId, toNodeId } from '../../../src/sources/opcua/nodeid.js';
import type { ParsedNodeId } from '../../../src/sources/opcua/nodeid.js';

function parsed(text: string): ParsedNodeId {
  const p = parseNodeId(text);
  if ('problem' in p) throw new Error(`${text}: ${p.problem}`);
  return p;
}

function problemOf(text: string): string {
  const p = parseNodeId(text);
  assert.ok('problem' in p, `${text} should not parse`);
  return p.problem;
}

function nodeId(text: string, namespaces: readonly string[] = ['http://opcfoundation.org/UA/', 'urn:sparkstate:test']): NodeId {
  const id = toNodeId(parsed(text), namespaces);
  if ('problem' in id) throw new Error(id.problem);
  return id;
}

describe('OPC UA NodeId parsing', () => {
  it('reads ns=<index>;s=<string>, keeping ; and = inside the string', () => {
    assert.deepEqual(parsed('ns=1;s=Press.Speed'), { namespace: { kind: 'index', index: 1 }, identifier: { kind: 'string', value: 'Press.Speed' } });
    assert.deepEqual(parsed('ns=3;s=a;b=c').identifier, { kind: 'string', value: 'a;b=c' });
    assert.equal(nodeId('ns=1;s=Press.Speed').toString(), 'ns=1;s=Press.Speed');
  });

  it('reads numeric identifiers up to UInt32 and defaults to namespace 0', () => {
    assert.deepEqual(parsed('ns=2;i=1001'), { namespace: { kind: 'index', index: 2 }, identifier: { kind: 'numeric', value: 1001 } });
    assert.deepEqual(parsed('i=2258'), { namespace: { kind: 'index', index: 0 }, identifier: { kind: 'numeric', value: 2258 } });
    assert.equal(nodeId('i=2258').toString(), 'ns=0;i=2258');
    assert.equal(parsed('ns=1;i=4294967295').identifier.value, 4294967295);
    assert.match(problemOf('ns=1;i=4294967296'), /not a UInt32/);
    assert.match(problemOf('ns=1;i=-1'), /not a UInt32/);
    assert.match(problemOf('ns=1;i=12a'), /not a UInt32/);
  });

  it('reads GUID identifiers', () => {
    const id = nodeId('ns=1;g=5B6A2C9E-3F1D-4E8A-9C7B-0D1E2F3A4B5C');
    assert.equal(id.identifierType, NodeId.NodeIdType.GUID);
    assert.equal(String(id.value).toUpperCase(), '5B6A2C9E-3F1D-4E8A-9C7B-0D1E2F3A4B5C');
    assert.match(problemOf('ns=1;g=5B6A2C9E-3F1D'), /not a GUID/);
  });

  it('reads opaque (base64) identifiers as bytes', () => {
    const p = parsed(`ns=1;b=${Buffer.from('recipe').toString('base64')}`);
    assert.equal(p.identifier.kind, 'opaque');
    assert.deepEqual(p.identifier.value, Buffer.from('recipe'));
    assert.equal(nodeId('ns=1;b=cmVjaXBl').identifierType, NodeId.NodeIdType.BYTESTRING);
    assert.match(problemOf('ns=1;b=not base64!'), /not base64/);
    assert.match(problemOf('ns=1;b='), /not base64/);
  });

  it('resolves nsu=<uri> against the NamespaceArray of the server at hand', () => {
    assert.deepEqual(parsed('nsu=urn:sparkstate:test;s=Press.Speed').namespace, { kind: 'uri', uri: 'urn:sparkstate:test' });
    assert.equal(nodeId('nsu=urn:sparkstate:test;s=Press.Speed').toString(), 'ns=1;s=Press.Speed');
    // Another server, another index for the same URI.
    assert.equal(nodeId('nsu=urn:sparkstate:test;i=7', ['http://opcfoundation.org/UA/', 'urn:other', 'urn:sparkstate:test']).toString(), 'ns=2;i=7');
    const missing = toNodeId(parsed('nsu=urn:elsewhere;s=X'), ['http://opcfoundation.org/UA/']);
    assert.deepEqual(missing, { problem: 'the server has no namespace "urn:elsewhere"' });
  });

  it('decodes %-escaped ; in namespace URIs (Part 6)', () => {
    assert.deepEqual(parsed('nsu=urn:a%3Bb;s=X').namespace, { kind: 'uri', uri: 'urn:a;b' });
    assert.match(problemOf('nsu=urn:%E0%A4%A;s=X'), /broken %-escape/);
  });

  it('refuses what is not a NodeId', () => {
    assert.match(problemOf('Press.Speed'), /expected i=, s=, g= or b=/);
    assert.match(problemOf('ns=1;x=5'), /expected i=, s=, g= or b=/);
    assert.match(problemOf('ns=1;s='), /empty/);
    assert.match(problemOf('ns=99999;s=X'), /beyond 65535/);
    assert.match(problemOf('ns=a;s=X'), /ns=<index>; or nsu=<uri>;/);
  });
});
