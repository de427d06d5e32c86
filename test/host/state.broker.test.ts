/** The host's STATE certificate and Will on a real Mosquitto, seen by independent MQTT.js subscribers. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startMosquitto } from '../helpers/mosquitto.js';
import { startObserver, type ObservedMessage } from '../helpers/observer.js';
import { startTcpProxy } from '../helpers/proxy.js';
import { waitUntil } from '../helpers/wait.js';
import { lifo, startHostOn } from './broker-helpers.js';

const STATE = 'spBv1.0/STATE/scada';
const json = (m: ObservedMessage): { online: boolean; timestamp: number } =>
  JSON.parse(new TextDecoder().decode(m.payload)) as { online: boolean; timestamp: number };

test('STATE birth is QoS 1 and retained: a fresh subscription receives {online:true, timestamp} [tck-id-host-topic-phid-birth-qos] [tck-id-operational-behavior-host-application-connect-birth-qos] [tck-id-host-topic-phid-birth-retain] [tck-id-operational-behavior-host-application-connect-birth-retained] [tck-id-host-topic-phid-birth-payload] [tck-id-message-flow-phid-sparkplug-state-publish-payload] [tck-id-payloads-state-birth-payload] [tck-id-operational-behavior-host-application-connect-birth-payload] [tck-id-host-topic-phid-birth-topic] [tck-id-operational-behavior-host-application-connect-birth-topic] [tck-id-intro-sparkplug-host-state] [tck-id-components-ph-state] [tck-id-conformance-primary-host]', async (t) => {
  const s = lifo(t);
  const broker = await startMosquitto();
  s.after(() => broker.dispose());
  const before = Date.now();
  const host = await startHostOn(s, [broker.url]);
  assert.equal(host.state, 'online');
  // Subscribed after the birth: only a retained message can arrive.
  const late = await startObserver(broker.url, { topics: ['spBv1.0/STATE/#'] });
  s.after(() => late.close());
  const birth = await late.waitFor((m) => m.topic === STATE);
  assert.equal(birth.retain, true);
  assert.equal(birth.qos, 1);
  const p = json(birth);
  assert.equal(p.online, true);
  assert.ok(Number.isInteger(p.timestamp) && p.timestamp >= before && p.timestamp <= Date.now(), `timestamp ${p.timestamp}`);
  assert.deepEqual(Object.keys(p).sort(), ['online', 'timestamp']);
});

test('Will: cutting the host TCP link publishes a retained offline STATE with the birth timestamp [tck-id-host-topic-phid-death-retain] [tck-id-operational-behavior-host-application-connect-will-retained] [tck-id-payloads-state-will-message-retain] [tck-id-host-topic-phid-death-qos] [tck-id-operational-behavior-host-application-connect-will-qos] [tck-id-payloads-state-will-message-qos] [tck-id-host-topic-phid-death-payload] [tck-id-operational-behavior-host-application-connect-will-payload] [tck-id-payloads-state-will-message-payload] [tck-id-host-topic-phid-death-required] [tck-id-operational-behavior-host-application-connect-will] [tck-id-payloads-state-will-message] [tck-id-host-topic-phid-birth-payload-timestamp] [tck-id-message-flow-phid-sparkplug-state-publish-payload-timestamp]', async (t) => {
  const s = lifo(t);
  const broker = await startMosquitto();
  s.after(() => broker.dispose());
  const proxy = await startTcpProxy(broker.port);
  s.after(() => proxy.close());
  const live = await startObserver(broker.url, { topics: ['spBv1.0/STATE/#'] });
  s.after(() => live.close());
  const host = await startHostOn(s, [proxy.url]);
  const birth = await live.waitFor((m) => m.topic === STATE && json(m).online);

  // No DISCONNECT reaches the broker: it must deliver the Will. Closing the proxy keeps the host away.
  await proxy.close();
  const will = await live.waitFor((m) => m.topic === STATE && !json(m).online);
  assert.equal(will.qos, 1);
  assert.deepEqual(json(will), { online: false, timestamp: json(birth).timestamp });
  await waitUntil(() => host.state === 'connecting', 3000, 'host notices the lost link');

  const fresh = await startObserver(broker.url, { topics: [STATE] });
  s.after(() => fresh.close());
  const retained = await fresh.waitFor((m) => m.topic === STATE);
  assert.equal(retained.retain, true);
  assert.deepEqual(json(retained), { online: false, timestamp: json(birth).timestamp });
});

test('clean stop: retained offline STATE with the current time, not older than the Will [tck-id-operational-behavior-host-application-termination] [tck-id-host-topic-phid-death-payload-timestamp-disconnect-clean] [tck-id-host-topic-phid-death-payload-timestamp-disconnect-with-no-disconnect-packet] [tck-id-operational-behavior-host-application-death-retained] [tck-id-operational-behavior-host-application-death-qos] [tck-id-operational-behavior-host-application-death-topic] [tck-id-operational-behavior-host-application-death-payload]', async (t) => {
  const s = lifo(t);
  const broker = await startMosquitto();
  s.after(() => broker.dispose());
  const live = await startObserver(broker.url, { topics: ['spBv1.0/STATE/#'] });
  s.after(() => live.close());
  const host = await startHostOn(s, [broker.url]);
  const birth = await live.waitFor((m) => m.topic === STATE && json(m).online);
  await host.stop();
  const death = await live.waitFor((m) => m.topic === STATE && !json(m).online);
  assert.equal(death.qos, 1);
  assert.equal(death.retain, true);
  assert.ok(json(death).timestamp >= json(birth).timestamp);
  const fresh = await startObserver(broker.url, { topics: [STATE] });
  s.after(() => fresh.close());
  assert.equal(json(await fresh.waitFor((m) => m.topic === STATE)).online, false);
});
