import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from 'mqtt';
import { startMosquitto } from './mosquitto.js';
import { startObserver } from './observer.js';
import { startTcpProxy } from './proxy.js';
import { waitUntil } from './wait.js';

test('harness: QoS 1 retained message is observed and survives kill -9 + restart with persistence', async (t) => {
  const broker = await startMosquitto({ persistence: true });
  t.after(() => broker.dispose());

  const pub = await connectAsync(broker.url);
  await pub.publishAsync('spBv1.0/STATE/harness', 'hello', { qos: 1, retain: true });
  await pub.endAsync();

  const obs = await startObserver(broker.url);
  const first = await obs.waitFor((m) => m.topic === 'spBv1.0/STATE/harness');
  assert.equal(first.qos, 1);
  assert.equal(first.retain, true);
  assert.equal(Buffer.from(first.payload).toString(), 'hello');
  await obs.close();

  // autosave_on_changes writes the db shortly after the change; wait for it before the crash.
  await waitUntil(() => existsSync(join(broker.dir, 'mosquitto.db')), 3_000, 'persistence file');
  await broker.kill();
  await broker.restart();

  const obs2 = await startObserver(broker.url);
  t.after(() => obs2.close());
  const again = await obs2.waitFor((m) => m.topic === 'spBv1.0/STATE/harness');
  assert.equal(again.retain, true);
  assert.equal(Buffer.from(again.payload).toString(), 'hello');
});

test('harness: a failed start reports the broker log', async () => {
  await assert.rejects(startMosquitto({ extraConfig: 'no_such_option 1' }), /exited early/);
});

test('harness: proxy dropAll cuts the link without DISCONNECT so the broker sends the Will', async (t) => {
  const broker = await startMosquitto();
  t.after(() => broker.dispose());
  const proxy = await startTcpProxy(broker.port);
  t.after(() => proxy.close());
  const obs = await startObserver(broker.url);
  t.after(() => obs.close());

  const client = await connectAsync(proxy.url, {
    will: { topic: 'spBv1.0/g/NDEATH/n', payload: Buffer.from('bye'), qos: 1, retain: false },
  });
  t.after(() => client.endAsync(true));
  proxy.dropAll();
  const will = await obs.waitFor((m) => m.topic === 'spBv1.0/g/NDEATH/n');
  assert.equal(Buffer.from(will.payload).toString(), 'bye');
});

function connectAsync(url: string, extra: Parameters<typeof connect>[1] = {}): Promise<ReturnType<typeof connect>> {
  const client = connect(url, { reconnectPeriod: 0, ...extra });
  return new Promise((resolve, reject) => {
    client.once('connect', () => resolve(client));
    client.once('error', reject);
  });
}
