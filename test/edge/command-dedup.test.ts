/** A duplicated NCMD/DCMD delivery acts once; two genuine writes of one value both act. On a real Mosquitto. */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { pino } from 'pino';
import { parseEdgeConfig } from '../../src/config/index.js';
import { createEdgeNode } from '../../src/edge/from-config.js';
import { CommandDedup } from '../../src/edge/command-dedup.js';
import type { EdgeNode } from '../../src/edge/index.js';
import { encodePayload } from '../../src/payload/index.js';
import { startMosquitto } from '../helpers/mosquitto.js';
import { startObserver } from '../helpers/observer.js';
import { waitUntil } from '../helpers/wait.js';
import { dcmdTopic, edgeYaml, isDevice, mqttClient, tempDir } from './helpers.js';

interface LogLine {
  readonly level: number;
  readonly msg: string;
  readonly duplicates?: number;
}

/** An edge node from YAML (as the CLI builds it) whose log lines are kept. */
async function edgeWithLog(t: TestContext, url: string): Promise<{ node: EdgeNode; lines: LogLine[] }> {
  const lines: LogLine[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) });
  const dir = tempDir(t);
  const node = await createEdgeNode(await parseEdgeConfig(edgeYaml({ servers: [url] }), {}, 'edge.yaml', dir), { seed: 1, logger });
  t.after(() => node.stop());
  await node.start();
  return { node, lines };
}

const applied = (lines: readonly LogLine[]): number => lines.filter((l) => l.msg === 'write applied').length;
const dropped = (lines: readonly LogLine[]): LogLine[] => lines.filter((l) => l.msg.startsWith('duplicate command delivery dropped'));

test('the same DCMD bytes delivered three times are applied once, logged once and counted; two writes of one value with new timestamps are both applied', async (t) => {
  const broker = await startMosquitto();
  t.after(() => broker.dispose());
  const obs = await startObserver(broker.url);
  t.after(() => obs.close());
  const { node, lines } = await edgeWithLog(t, broker.url);
  await obs.waitForCount(2, isDevice('DBIRTH'));
  const client = await mqttClient(broker.url);
  t.after(() => client.endAsync());

  // A redelivery: one host command, the very same bytes on the wire three times (QoS 1 each).
  const ts = Date.now();
  const bytes = Buffer.from(encodePayload({ timestamp: ts, metrics: [{ name: 'Setpoint', type: 'Float', value: 3.5, timestamp: ts }] }));
  for (let i = 0; i < 3; i++) await client.publishAsync(dcmdTopic('Filler'), bytes, { qos: 1 });
  await waitUntil(() => applied(lines) >= 1 && node.stats.commandsDuplicate >= 2, 3000, 'first applied, the repeats dropped');
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(applied(lines), 1, 'applied once');
  assert.equal(node.stats.commandsDuplicate, 2);
  assert.equal(dropped(lines).length, 1, 'one log line for the repeats (rate-limited)');
  assert.equal(dropped(lines)[0]?.level, 40, 'at warn');

  // Two genuine writes of the same value: same metric and value, payload timestamps 1 ms apart.
  for (const at of [ts + 1, ts + 2]) {
    const payload = encodePayload({ timestamp: at, metrics: [{ name: 'Setpoint', type: 'Float', value: 3.5, timestamp: at }] });
    await client.publishAsync(dcmdTopic('Filler'), Buffer.from(payload), { qos: 1 });
  }
  // A command without a payload timestamp cannot be told from a genuine repeat: never dropped.
  const bare = Buffer.from(encodePayload({ metrics: [{ name: 'Setpoint', type: 'Float', value: 3.5 }] }));
  await client.publishAsync(dcmdTopic('Filler'), bare, { qos: 1 });
  await client.publishAsync(dcmdTopic('Filler'), bare, { qos: 1 });
  await waitUntil(() => applied(lines) >= 5, 3000, 'four more writes applied');
  assert.equal(node.stats.commandsDuplicate, 2, 'nothing more dropped');
  assert.equal(node.state, 'online');
});

test('the same bytes to another device are not a duplicate', async (t) => {
  const broker = await startMosquitto();
  t.after(() => broker.dispose());
  const obs = await startObserver(broker.url);
  t.after(() => obs.close());
  const { node, lines } = await edgeWithLog(t, broker.url);
  await obs.waitForCount(2, isDevice('DBIRTH'));
  const client = await mqttClient(broker.url);
  t.after(() => client.endAsync());
  const ts = Date.now();
  const bytes = Buffer.from(encodePayload({ timestamp: ts, metrics: [{ name: 'Mode', type: 'String', value: 'manual', timestamp: ts }] }));
  // Capper has Mode; Filler has no Mode (refused, but not as a duplicate).
  await client.publishAsync(dcmdTopic('Capper'), bytes, { qos: 1 });
  await client.publishAsync(dcmdTopic('Filler'), bytes, { qos: 1 });
  await waitUntil(() => applied(lines) >= 1 && node.stats.commandsRejected >= 1, 3000, 'one applied, one refused');
  assert.equal(node.stats.commandsDuplicate, 0);
});

test('CommandDedup: a repeat within the window is a duplicate, after it is not; the log line is rate-limited', () => {
  let now = 1000;
  const lines: LogLine[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) });
  const stats = { commandsDuplicate: 0 };
  const dedup = new CommandDedup(stats, 10_000, () => now, logger);
  const a = new Uint8Array([1, 2, 3]);
  assert.equal(dedup.isDuplicate('t', a), false);
  now += 9_999;
  assert.equal(dedup.isDuplicate('t', a), true);
  assert.equal(dedup.isDuplicate('t', new Uint8Array([1, 2, 4])), false, 'other bytes');
  assert.equal(dedup.isDuplicate('u', a), false, 'other topic');
  now += 1;
  assert.equal(dedup.isDuplicate('t', a), false, 'window over: remembered afresh');
  assert.equal(dedup.isDuplicate('t', a), true);
  now += 10_000;
  assert.equal(dedup.isDuplicate('u', a), false);
  assert.equal(dedup.isDuplicate('u', a), true);
  assert.equal(stats.commandsDuplicate, 3);
  // Three drops: logged at 10 999, not at 11 000 (within 10 s), then at 21 000 counting that one too.
  assert.deepEqual(dropped(lines).map((l) => l.duplicates), [1, 2]);
});
