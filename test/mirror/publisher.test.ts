/** The mirror's retained publisher over a transport whose PUBACKs the test controls. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TypedEmitter } from '../../src/events.js';
import { metricPayload, type MirrorTransport } from '../../src/mirror/index.js';
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

describe('retained publisher: metric states and the window', () => {
  const turns = async (n: number): Promise<void> => {
    for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
  };

  it('a metric state goes out as metricPayload formats it, the latest of those set while it waited; the same state (or an equal array) again is not sent', async () => {
    const t = new HeldAcks();
    const p = new RetainedPublisher(t, 1000);
    for (let v = 1; v <= 3; v++) p.setMetric('a', 'Int64', v, 1000 + v, 'good');
    p.setMetric('b', 'Int32Array', [1, 2], 5, 'stale');
    assert.equal(p.counters.coalesced, 2);
    p.resume(false);
    await waitUntil(() => t.sent.length === 2, 1000, 'two topics');
    assert.deepEqual(
      t.sent.map((s) => [s.topic, s.payload]),
      [
        ['a', metricPayload('Int64', 3, 1003, 'good')],
        ['b', metricPayload('Int32Array', [1, 2], 5, 'stale')],
      ],
    );
    for (const s of t.sent) s.ack();
    await waitUntil(() => p.pending === 0, 1000, 'acks');
    p.setMetric('a', 'Int64', 3, 1003, 'good');
    p.setMetric('b', 'Int32Array', [1, 2], 5, 'stale');
    await turns(3);
    assert.equal(t.sent.length, 2, 'nothing changed');
    // A quality change alone is a change; a plain payload replaces a metric state and back.
    p.setMetric('a', 'Int64', 3, 1003, 'offline');
    await waitUntil(() => t.sent.length === 3, 1000, 'quality');
    assert.equal(t.sent[2]?.payload, metricPayload('Int64', 3, 1003, 'offline'));
    t.sent[2]?.ack();
    p.set('a', metricPayload('Int64', 3, 1003, 'offline'));
    await turns(3);
    assert.equal(t.sent.length, 3, 'the same payload as a string is no change');
    p.set('a', '');
    await waitUntil(() => t.sent.length === 4, 1000, 'clear');
    t.sent[3]?.ack();
    await waitUntil(() => p.topics === 1, 1000, 'a forgotten');
    p.setMetric('a', 'Int64', 4, 1004, 'good');
    await waitUntil(() => t.sent.length === 5, 1000, 'value after the clear');
    assert.equal(t.sent[4]?.payload, metricPayload('Int64', 4, 1004, 'good'));
    p.close();
  });

  it('the window of 256 publishes awaiting their PUBACK is refilled once half of it is free, in one go', async () => {
    const t = new HeldAcks();
    const p = new RetainedPublisher(t, 1_000_000);
    p.resume(false);
    for (let k = 0; k < 500; k++) p.setMetric(`m${k}`, 'Double', k, 1, 'good');
    await waitUntil(() => t.sent.length === 256, 1000, 'window full');
    for (const s of t.sent.slice(0, 127)) s.ack();
    await turns(5);
    assert.equal(t.sent.length, 256, '127 free slots: not yet');
    t.sent[127]?.ack();
    await waitUntil(() => t.sent.length === 384, 1000, 'refilled by 128');
    for (const s of t.sent.slice(128)) s.ack();
    await waitUntil(() => t.sent.length === 500, 1000, 'the rest');
    assert.deepEqual(
      t.sent.map((s) => s.topic),
      Array.from({ length: 500 }, (_, k) => `m${k}`),
      'in the order they started waiting',
    );
    for (const s of t.sent.slice(384)) s.ack();
    assert.equal(await p.drained(1000), true);
    p.close();
  });
});
