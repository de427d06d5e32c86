import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, mock, test } from 'node:test';
import { isSparkplugError } from '../../src/errors.js';
import { HostApplication, type HostState } from '../../src/host/index.js';
import { encodeState } from '../../src/topic/index.js';
import { FakeTransport, type WireEvent } from './fake-transport.js';
import { T0, fakeTime, flush, startHost, tick } from './helpers.js';

const STATE = 'spBv1.0/STATE/scada';
const json = (b: Uint8Array): unknown => JSON.parse(new TextDecoder().decode(b));

describe('host STATE certificate', () => {
  beforeEach(fakeTime);
  afterEach(() => mock.timers.reset());

  test('Will is offline STATE at CONNECT time, QoS 1 retained; the birth reuses its timestamp [tck-id-host-topic-phid-birth-payload-timestamp] [tck-id-message-flow-phid-sparkplug-state-publish-payload-timestamp] [tck-id-host-topic-phid-death-payload-timestamp-connect] [tck-id-host-topic-phid-death-topic] [tck-id-operational-behavior-host-application-connect-will-topic]', async () => {
    const { host, transport } = await startHost();
    const connect = transport.wire[0];
    assert.equal(connect?.kind, 'connect');
    assert.ok(connect.kind === 'connect' && connect.will !== undefined);
    const will = connect.will;
    assert.equal(will.topic, STATE);
    assert.equal(will.qos, 1);
    assert.equal(will.retain, true);
    assert.deepEqual(json(will.payload), { online: false, timestamp: T0 });
    const births = transport.publishedTo(STATE);
    assert.equal(births.length, 1);
    const birth = births[0];
    assert.ok(birth !== undefined);
    assert.deepEqual(json(birth.payload), { online: true, timestamp: T0 });
    assert.equal(birth.qos, 1);
    assert.equal(birth.retain, true);
    assert.equal(host.state, 'online');

    // A reconnect later: a new Will timestamp, and the new birth carries exactly that one.
    await tick(1234);
    transport.drop();
    assert.equal(host.state, 'connecting');
    transport.connect();
    await flush();
    const wills = transport.wire.filter((e): e is Extract<WireEvent, { kind: 'connect' }> => e.kind === 'connect');
    assert.deepEqual(json(wills[1]?.will?.payload ?? new Uint8Array()), { online: false, timestamp: T0 + 1234 });
    assert.deepEqual(json(transport.publishedTo(STATE)[1]?.payload ?? new Uint8Array()), { online: true, timestamp: T0 + 1234 });
  });

  test('subscribes spBv1.0/# and its own STATE topic at QoS 1 before the birth [tck-id-host-topic-phid-birth-sub-required] [tck-id-message-flow-phid-sparkplug-subscription] [tck-id-payloads-state-subscribe] [tck-id-host-topic-phid-birth-message] [tck-id-operational-behavior-host-application-connect-birth] [tck-id-host-topic-phid-birth-required] [tck-id-message-flow-phid-sparkplug-state-publish] [tck-id-payloads-state-birth] [tck-id-principles-birth-certificates-order]', async () => {
    const { transport } = await startHost();
    const [connect, sub, first] = transport.wire;
    assert.equal(connect?.kind, 'connect');
    assert.deepEqual(sub, { kind: 'subscribe', topics: ['spBv1.0/#', STATE], qos: [1, 1] });
    assert.equal(first?.kind, 'publish');
    assert.equal(first.kind === 'publish' && first.topic, STATE);
    assert.equal(first.kind === 'publish' && (json(first.payload) as { online?: unknown }).online, true, 'the first PUBLISH is the online birth');
  });

  test('with a groups filter, subscribes only spBv1.0/<group>/# per group and its own STATE, before the birth (several hosts can split a plant) [tck-id-payloads-state-subscribe]', async () => {
    const { transport } = await startHost({}, { groups: ['Plant1', 'Plant2'] });
    const [connect, sub, first] = transport.wire;
    assert.equal(connect?.kind, 'connect');
    assert.deepEqual(sub, { kind: 'subscribe', topics: ['spBv1.0/Plant1/#', 'spBv1.0/Plant2/#', STATE], qos: [1, 1, 1] });
    assert.equal(first?.kind, 'publish');
    assert.equal(first.kind === 'publish' && first.topic, STATE);
    assert.equal(first.kind === 'publish' && (json(first.payload) as { online?: unknown }).online, true, 'the first PUBLISH is the online birth');
  });

  test('re-asserts online with the same timestamp when its own offline STATE arrives [tck-id-message-flow-hid-sparkplug-state-message-delivered]', async () => {
    const { host, transport } = await startHost();
    await tick(500);
    transport.inject(STATE, encodeState({ online: false, timestamp: T0 }));
    await flush();
    const states = transport.publishedTo(STATE);
    assert.equal(states.length, 2);
    assert.deepEqual(json(states[1]?.payload ?? new Uint8Array()), { online: true, timestamp: T0 });
    assert.equal(states[1]?.qos, 1);
    assert.equal(states[1]?.retain, true);
    assert.equal(host.counters.stateReasserts, 1);
  });

  test('ignores offline STATEs older than its Will, its own online echo and other hosts (Q16)', async () => {
    const { host, transport } = await startHost();
    transport.inject(STATE, encodeState({ online: false, timestamp: T0 - 1 }));
    transport.inject(STATE, encodeState({ online: true, timestamp: T0 }));
    transport.inject('spBv1.0/STATE/other', encodeState({ online: false, timestamp: T0 + 5 }));
    transport.inject(STATE, new TextEncoder().encode('OFFLINE'));
    await flush();
    assert.equal(transport.publishedTo(STATE).length, 1);
    assert.equal(host.counters.stateReasserts, 0);
    assert.equal(host.counters.invalidMessages, 1);
  });

  test('clean stop publishes offline STATE at the current time, QoS 1 retained, before DISCONNECT [tck-id-operational-behavior-host-application-termination] [tck-id-host-topic-phid-death-payload-timestamp-disconnect-clean] [tck-id-host-topic-phid-death-payload-timestamp-disconnect-with-no-disconnect-packet] [tck-id-operational-behavior-host-application-disconnect-intentional]', async () => {
    const { host, transport } = await startHost();
    const states: [HostState, HostState][] = [];
    host.on('stateChanged', (from, to) => states.push([from, to]));
    await tick(2500);
    await host.stop();
    const last = transport.wire.at(-1);
    const death = transport.wire.at(-2);
    assert.deepEqual(last, { kind: 'disconnect', clean: true });
    assert.ok(death?.kind === 'publish');
    assert.equal(death.topic, STATE);
    assert.deepEqual(json(death.payload), { online: false, timestamp: T0 + 2500 });
    assert.equal(death.qos, 1);
    assert.equal(death.retain, true);
    assert.equal(transport.publishedTo(STATE).length, 2);
    assert.deepEqual(states, [
      ['online', 'closing'],
      ['closing', 'offline'],
    ]);
    await host.stop(); // idempotent
  });

  test('lifecycle: no I/O in the constructor, start twice is refused, invalid host ids are refused', async () => {
    const transport = new FakeTransport();
    const host = new HostApplication({ hostId: 'scada', transport });
    assert.equal(transport.started, false);
    assert.equal(transport.wire.length, 0);
    assert.equal(host.state, 'offline');
    await host.start();
    await assert.rejects(host.start(), (e: unknown) => isSparkplugError(e) && e.code === 'SPB_ERR_LIFECYCLE');
    assert.throws(() => new HostApplication({ hostId: 'a/b', transport }), (e: unknown) => isSparkplugError(e) && e.code === 'SPB_ERR_INVALID_TOPIC');
    assert.throws(
      () => new HostApplication({ hostId: 'x', transport, rebirth: { maxPerSecond: 0 } }),
      (e: unknown) => isSparkplugError(e) && e.code === 'SPB_ERR_CONFIG',
    );
    await host.stop();
    assert.equal(host.state, 'offline');
  });
});
