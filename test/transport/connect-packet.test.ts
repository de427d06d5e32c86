/** Reads the CONNECT bytes the session really sends (through a TCP proxy), as the TCK's broker check does. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startMosquitto } from '../helpers/mosquitto.js';
import { startTcpProxy } from '../helpers/proxy.js';
import { newSession, nextEvent } from './fixtures.js';

interface ConnectHeader {
  level: number;
  flags: number;
  /** MQTT 5 CONNECT properties, raw. */
  properties: Buffer;
}

function readVarint(buf: Buffer, at: number): [value: number, next: number] {
  let value = 0;
  for (let i = 0, mul = 1; i < 4; i++, mul *= 128) {
    const byte = buf.readUInt8(at + i);
    value += (byte & 0x7f) * mul;
    if ((byte & 0x80) === 0) return [value, at + i + 1];
  }
  throw new Error('bad varint');
}

function parseConnect(chunk: Buffer): ConnectHeader {
  assert.equal(chunk.readUInt8(0), 0x10, 'first packet is CONNECT');
  let [, at] = readVarint(chunk, 1);
  const nameLength = chunk.readUInt16BE(at);
  at += 2 + nameLength;
  const level = chunk.readUInt8(at);
  const flags = chunk.readUInt8(at + 1);
  at += 4; // level, flags, keep-alive
  if (level !== 5) return { level, flags, properties: Buffer.alloc(0) };
  const [length, start] = readVarint(chunk, at);
  return { level, flags, properties: chunk.subarray(start, start + length) };
}

for (const protocolVersion of [4, 5] as const) {
  const tags =
    protocolVersion === 4
      ? '[tck-id-principles-persistence-clean-session-311] [tck-id-message-flow-phid-sparkplug-clean-session-311]'
      : '[tck-id-principles-persistence-clean-session-50] [tck-id-message-flow-phid-sparkplug-clean-session-50]';
  test(`CONNECT (MQTT ${protocolVersion === 4 ? '3.1.1' : '5'}) has clean session${protocolVersion === 5 ? ', session expiry 0' : ''} and the Will ${tags}`, { timeout: 10_000 }, async (t) => {
    const broker = await startMosquitto();
    t.after(() => broker.dispose());
    const proxy = await startTcpProxy(broker.port);
    t.after(() => proxy.close());
    const { session } = newSession([proxy.url], { protocolVersion });
    t.after(() => session.stop());
    const connected = nextEvent(session, 'connect');
    await session.start();
    await connected;

    const [first] = proxy.firstChunks;
    assert.ok(first !== undefined);
    const connect = parseConnect(first);
    assert.equal(connect.level, protocolVersion);
    assert.equal(connect.flags & 0x02, 0x02, 'Clean Session / Clean Start = 1');
    assert.equal(connect.flags & 0x04, 0x04, 'Will flag');
    assert.equal((connect.flags >> 3) & 0x03, 1, 'Will QoS 1 (as the will() function asked)');
    assert.equal(connect.flags & 0x20, 0, 'Will retain 0 (as the will() function asked)');
    if (protocolVersion === 5) {
      // Only property sent: Session Expiry Interval (0x11) = 0.
      assert.deepEqual([...connect.properties], [0x11, 0, 0, 0, 0]);
    }
  });
}
