/** The mirror's retained publisher over a transport whose PUBACKs the test controls. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TypedEmitter } from '../../src/events.js';
import type { MirrorTransport } from '../../src/mirror/index.js';
import { RetainedPublisher } from '../../src/mirror/publisher.js';
import type { MqttSessionEvents, PublishOptions } from '../../src/transport/index.js';
import { waitUntil } from '../helpers/wait.js';

interface Sent {
  topic: string;
  payload: string;
  opts: PublishOptions;
  ack(): void;
  fail(): void;
}

class HeldAcks extends TypedEmitter<MqttSessionEvents> implements MirrorTransport {
  readonly sent: Sent[] = [];
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  isConnected(): boolean {
    return true;
  }
  publish(topic: string, payload: Uint8Array, opts: PublishOptions): Promise<void> {
    return new Promise((resolve, reject) => {
      this.sent.push({ topic, payload: Buffer.from(payload).toString('utf8'), opts, ack: resolve, fail: () => reject(new Error('link lost')) });
    });
  }
}

describe('retained publisher', () => {
  it('QoS 1 retained; nothing before resume; an unchanged value is not sent again', async () => {
    const t = new HeldAcks();
    const p = new RetainedPublisher(t, 1000);
    p.set('a', '1');
    await new Promise((r) => setImmediate(r));
    assert.equal(t.sent.length, 0);
    p.resume(true);
    await waitUntil(() => t.sent.length === 1, 1000, 'publish');
    assert.deepEqual(t.sent[0]?.opts, { qos: 1, retain: true });
    t.sent[0]?.ack();
    await waitUntil(() => p.pending === 0, 1000, 'ack');
    p.set('a', '1');
    await new Promise((r) => setImmediate(r));
    assert.equal(t.sent.length, 1);
    assert.equal(p.counters.published, 1);
    p.close();
  });

  it('a value changed while in flight goes out after the PUBACK, the latest only; a failed publish goes out again on resume', async () => {
    const t = new HeldAcks();
    const p = new RetainedPublisher(t, 1000);
    p.resume(false);
    p.set('a', '1');
    await waitUntil(() => t.sent.length === 1, 1000, 'first');
    p.set('a', '2');
    p.set('a', '3');
    assert.equal(p.counters.coalesced, 0, 'in flight, not waiting: nothing replaced yet');
    t.sent[0]?.ack();
    await waitUntil(() => t.sent.length === 2, 1000, 'second');
    assert.equal(t.sent[1]?.payload, '3');
    p.pause();
    t.sent[1]?.fail();
    await waitUntil(() => p.counters.failed === 1, 1000, 'failure');
    assert.equal(p.pending, 1, 'waits for the link');
    p.resume(false);
    await waitUntil(() => t.sent.length === 3, 1000, 'resent');
    assert.equal(t.sent[2]?.payload, '3');
    t.sent[2]?.ack();
    await waitUntil(() => p.pending === 0, 1000, 'idle');
    p.close();
  });

  it('waiting values are coalesced; a clear is an empty payload; a broker that lost its state gets every value again', async () => {
    const t = new HeldAcks();
    const p = new RetainedPublisher(t, 1000);
    for (const v of ['1', '2', '3']) p.set('a', v);
    p.set('b', 'x');
    assert.equal(p.counters.coalesced, 2);
    p.resume(false);
    await waitUntil(() => t.sent.length === 2, 1000, 'two topics');
    assert.deepEqual(t.sent.map((s) => [s.topic, s.payload]), [['a', '3'], ['b', 'x']]);
    for (const s of t.sent) s.ack();
    await waitUntil(() => p.pending === 0, 1000, 'acks');
    p.set('b', '');
    await waitUntil(() => t.sent.length === 3, 1000, 'clear');
    assert.deepEqual([t.sent[2]?.topic, t.sent[2]?.payload], ['b', '']);
    t.sent[2]?.ack();
    await waitUntil(() => p.topics === 1, 1000, 'b forgotten once cleared');
    assert.equal(p.counters.cleared, 1);
    p.resume(true);
    await waitUntil(() => t.sent.length === 4, 1000, 'republish');
    assert.deepEqual([t.sent[3]?.topic, t.sent[3]?.payload], ['a', '3']);
    t.sent[3]?.ack();
    assert.equal(await p.drained(1000), true);
    p.close();
  });

  it('clearRetained sends an empty retained message for a topic never sent (a leftover), once; a value set meanwhile replaces it', async () => {
    const t = new HeldAcks();
    const p = new RetainedPublisher(t, 1000);
    p.resume(false);
    p.clearRetained('old');
    await waitUntil(() => t.sent.length === 1, 1000, 'clear');
    assert.deepEqual([t.sent[0]?.topic, t.sent[0]?.payload, t.sent[0]?.opts], ['old', '', { qos: 1, retain: true }]);
    t.sent[0]?.ack();
    await waitUntil(() => p.pending === 0, 1000, 'ack');
    assert.equal(p.topics, 0, 'a clear leaves nothing behind');
    assert.equal(p.counters.cleared, 1);
    // Claimed before the clear went out: only the value is sent.
    p.pause();
    p.clearRetained('again');
    p.set('again', '7');
    p.resume(false);
    await waitUntil(() => t.sent.length === 2, 1000, 'value');
    assert.deepEqual([t.sent[1]?.topic, t.sent[1]?.payload], ['again', '7']);
    p.close();
  });
});
