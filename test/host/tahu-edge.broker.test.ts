/** Interop: an edge node built with Eclipse Tahu's `sparkplug-client` (its own MQTT.js and codec) is tracked correctly. */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { startMosquitto } from '../helpers/mosquitto.js';
import { waitUntil } from '../helpers/wait.js';
import { hostValues, lifo, startHostOn } from './broker-helpers.js';

const require = createRequire(import.meta.url);
const tahu = require('sparkplug-client') as typeof import('sparkplug-client');

test('a Tahu sparkplug-client edge node: births, data by alias, a requested rebirth answered; values equal (Q5, HP-10: bdSeq as UInt64)', async (t) => {
  const s = lifo(t);
  const broker = await startMosquitto();
  s.after(() => broker.dispose());
  const host = await startHostOn(s, [broker.url]);

  const client = tahu.newClient({
    serverUrl: broker.url,
    username: '',
    password: '',
    groupId: 'Plant1',
    edgeNode: 'Tahu1',
    clientId: 'tahu-edge-1',
    version: 'spBv1.0',
    keepalive: 5,
    mqttOptions: { reconnectPeriod: 0 },
  });
  s.after(() => client.stop());
  let temperature = 20.25;
  let speed = 7;
  const births = (): void => {
    const now = Date.now();
    client.publishNodeBirth({
      timestamp: now,
      metrics: [
        { name: 'Node Control/Rebirth', type: 'Boolean', value: false },
        { name: 'Temperature', alias: 1, type: 'Double', value: temperature },
        { name: 'Serial', alias: 2, type: 'String', value: 'T-0001' },
      ],
    });
    client.publishDeviceBirth('Pump', {
      timestamp: now,
      metrics: [
        { name: 'Speed', alias: 10, type: 'Int32', value: speed },
        { name: 'Running', alias: 11, type: 'Boolean', value: true },
      ],
    });
  };
  let ncmds = 0;
  client.on('birth', births);
  client.on('ncmd', (p) => {
    if (p.metrics?.some((m) => m.name === 'Node Control/Rebirth' && m.value === true) === true) {
      ncmds++;
      births();
    }
  });

  const values = () => hostValues(host.snapshot(), 'Plant1', 'Tahu1');
  await waitUntil(() => values()?.devices['Pump'] !== undefined, 5000, 'Tahu births tracked');
  temperature = 21.75;
  speed = -3; // negative Int32: two's complement on the wire
  client.publishNodeData({ timestamp: Date.now(), metrics: [{ alias: 1, type: 'Double', value: temperature }] });
  client.publishDeviceData('Pump', { timestamp: Date.now(), metrics: [{ alias: 10, type: 'Int32', value: speed }] });
  const expected = {
    metrics: { Temperature: 21.75, Serial: 'T-0001' },
    devices: { Pump: { Speed: -3, Running: true } },
  };
  await waitUntil(() => JSON.stringify(values()) === JSON.stringify(expected), 5000, 'Tahu data tracked').catch(() =>
    assert.deepEqual(values(), expected),
  );
  const n = host.snapshot().groups['Plant1']?.nodes['Tahu1'];
  assert.equal(n?.bdSeq, 0);
  assert.equal(n.counters.gaps, 0);

  // A rebirth requested by the host is answered by the Tahu application with a full set of births.
  assert.equal(host.requestRebirth('Plant1', 'Tahu1'), 'queued');
  await waitUntil(() => ncmds === 1, 5000, 'Tahu edge received the rebirth NCMD');
  await waitUntil(() => host.snapshot().groups['Plant1']?.nodes['Tahu1']?.lastSeq === 1, 5000, 'new births applied');
  assert.deepEqual(values(), expected);
  assert.equal(host.counters.rebirthsRequested, 1);
});
