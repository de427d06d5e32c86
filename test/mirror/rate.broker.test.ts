/** The mirror's rate limit: coalescing per topic, the latest value always out, the rate kept. */
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { test } from 'node:test';
import { parseHostConfig } from '../../src/config/index.js';
import { createHostApplication } from '../../src/host/index.js';
import { Mirror } from '../../src/mirror/index.js';
import { MqttSession } from '../../src/transport/index.js';
import { startMosquitto } from '../helpers/mosquitto.js';
import { waitUntil } from '../helpers/wait.js';
import { hostYaml, lifo, RawEdge } from '../host/broker-helpers.js';
import { Observer, PREFIX, waitMirrored } from './helpers.js';

const RATE = 5;

test('over maxPerSecond a burst of changes is coalesced per topic: the latest value of every metric ends retained, and no second holds more than the limit (plus its burst of one)', async (t) => {
  const s = lifo(t);
  const broker = await startMosquitto();
  s.after(() => broker.dispose());
  const host = createHostApplication(await parseHostConfig(hostYaml([broker.url]), {}, 'host.yaml', tmpdir()));
  let mirror: Mirror | undefined;
  const transport = new MqttSession({ servers: [broker.url], clientId: 'mirror-rate', cleanSession: false, backoff: { initialMs: 100, maxMs: 500 }, will: () => mirror?.statusWill() });
  // Send times of every publish of a metric topic (the status topic is not rate-limited).
  const sends: number[] = [];
  const publish = transport.publish.bind(transport);
  transport.publish = (topic, payload, opts) => {
    if (topic !== PREFIX) sends.push(Date.now());
    return publish(topic, payload, opts);
  };
  mirror = new Mirror({ host, transport, prefix: PREFIX, maxPerSecond: RATE });
  const m = mirror;
  s.after(async () => {
    await host.stop();
    await m.stop();
  });
  await m.start();
  await host.start();
  await waitUntil(() => host.state === 'online', 5000, 'host online');
  const watch = await Observer.connect(s, broker.url);
  const edge = await RawEdge.connect(s, broker.url, 'Plant1', 'Line1');
  const names = ['A', 'B', 'C', 'D'];
  await edge.nbirth(1, names.map((name, i) => ({ name, alias: i + 1, type: 'Int32' as const, value: 0 })));
  // 30 rounds of changes to every metric, far faster than 5 publishes a second.
  for (let round = 1; round <= 30; round++) {
    await edge.ndata(names.map((_, i) => ({ alias: i + 1, type: 'Int32' as const, value: round })));
  }
  await waitUntil(() => host.snapshot().groups['Plant1']?.nodes['Line1']?.metrics['D']?.value === 30, 5000, 'host has the last round');
  // bdSeq and Node Control/Rebirth besides A-D
  await waitMirrored(watch, host, 6, 20_000);
  for (const n of names) assert.equal(watch.last.get(`${PREFIX}/Plant1/Line1/${n}`)?.value, 30, n);
  await waitUntil(() => m.pending === 0, 5000, 'mirror idle');
  assert.ok(m.counters.coalesced > 0, 'values were coalesced');
  // Far fewer publishes than changes: at most a few per topic.
  assert.ok(sends.length <= 6 * 3, `${sends.length} publishes`);
  for (let i = 0; i < sends.length; i++) {
    const inWindow = sends.filter((at) => at >= (sends[i] ?? 0) && at < (sends[i] ?? 0) + 1000).length;
    assert.ok(inWindow <= RATE + 1, `${inWindow} publishes within one second from #${i}`);
  }
  // Never an older value after a newer one on any topic.
  for (const n of names) {
    const values = watch.arrivals.filter((a) => a.topic === `${PREFIX}/Plant1/Line1/${n}`).map((a) => Number(a.value));
    assert.deepEqual(values, [...values].sort((x, y) => x - y), n);
  }
});
