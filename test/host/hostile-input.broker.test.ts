/**
 * Hostile input to the host over a real broker, one test per group of causes: each bad message is
 * counted under its cause in /metrics, logged once per cause (never a line per message), and a
 * well-behaved node publishing alongside keeps an exact model.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { encodePayload } from '../../src/payload/index.js';
import { parseTopic } from '../../src/topic/index.js';
import { startObserver } from '../helpers/observer.js';
import { sleep, waitUntil } from '../helpers/wait.js';
import { RawEdge } from './broker-helpers.js';
import { assertLogsAddUp, G, GoodNode, hostileClient, problemLines, scrapedProblems, hostileSetup } from './hostile-helpers.js';

const LIMIT = 4096;

test('random bytes, truncated and oversized payloads, wrong topics: counted by cause, one line per cause, a summary per interval, the good node unaffected', async (t) => {
  const { s, url, rig, host } = await hostileSetup(t, { maxPayloadBytes: LIMIT, problemLogIntervalMs: 500 });
  const good = await GoodNode.start(s, url, 'Good1');
  const bad = await hostileClient(s, url);
  const nbirth = encodePayload({ timestamp: Date.now(), seq: 0, metrics: [{ name: 'bdSeq', type: 'Int64', value: 0 }] });

  const wrongTopics = ['spBv1.0/Plant1', 'spBv1.0/Plant1/NFOO/x', 'spBv1.0/Plant1/NDATA', 'spBv1.0/Plant1/NDATA/a/b/c', 'spBv1.0//NDATA/x'];
  for (const topic of wrongTopics) assert.throws(() => parseTopic(topic), `${topic} is not a Sparkplug topic`);
  for (let i = 0; i < 20; i++) {
    await good.step();
    // 0xff 0xff: field 31 with wire type 7, which does not exist: never decodes
    await bad.publishAsync(`spBv1.0/${G}/NBIRTH/Bad`, Buffer.concat([Buffer.from([0xff, 0xff]), randomBytes(30)]));
    // cut inside the last field
    await bad.publishAsync(`spBv1.0/${G}/NBIRTH/Cut`, Buffer.from(nbirth.subarray(0, nbirth.length - 1)));
    await bad.publishAsync(`spBv1.0/${G}/NBIRTH/Huge`, randomBytes(LIMIT + 1));
    await bad.publishAsync(wrongTopics[i % wrongTopics.length] ?? '', Buffer.from(nbirth));
  }
  await waitUntil(() => host.inputProblems.malformed_payload === 40 && host.inputProblems.oversized_payload === 20 && host.inputProblems.bad_topic === 20, 5000, 'all counted');
  await good.assertModel(host);
  assert.equal(host.hasNode(G, 'Huge'), false, 'an oversized payload never reaches the model');
  assert.equal(host.counters.decodeErrors, 40, 'oversized payloads are not decoded');

  // Within one interval: one line per cause; the rest arrives as "N more …" once the interval ends.
  await waitUntil(() => problemLines(rig.lines, 'oversized_payload').summarised > 0, 3000, 'a summary line');
  const summary = rig.lines.find((l) => l.cause === 'oversized_payload' && l.count !== undefined);
  assert.match(summary?.msg ?? '', /^\d+ more oversized_payload in the last \d+ s$/);
  const problemLineCount = rig.lines.filter((l) => l.cause !== undefined).length;
  assert.ok(problemLineCount <= 8, `${problemLineCount} problem lines for 80 bad messages`);

  const scraped = await scrapedProblems(host);
  assert.equal(scraped.malformed_payload, 40);
  assert.equal(scraped.oversized_payload, 20);
  assert.equal(scraped.bad_topic, 20);
  assert.equal(host.state, 'online');
  await host.stop();
  assertLogsAddUp(rig);
});

test('births without bdSeq, data before birth, aliases and devices never born, missing seq: counted by cause, the good node unaffected', async (t) => {
  const { s, url, rig, host } = await hostileSetup(t);
  const good = await GoodNode.start(s, url, 'Good1');
  const odd = await RawEdge.connect(s, url, G, 'NoBdSeq');
  const late = await RawEdge.connect(s, url, G, 'Late');

  await odd.send('NBIRTH', undefined, { timestamp: Date.now(), seq: 0, metrics: [{ name: 'Temperature', alias: 1, type: 'Double', value: 1 }] });
  await waitUntil(() => host.snapshot().groups[G]?.nodes['NoBdSeq']?.online === true, 3000, 'NBIRTH without bdSeq applied');
  late.seq = 17;
  for (let i = 0; i < 5; i++) {
    await good.step();
    await late.ndata([{ alias: 1, type: 'Double', value: i }]);
    await odd.ndata([{ alias: 99, type: 'Double', value: i }]);
    await odd.ddata('Ghost', [{ alias: 3, type: 'Double', value: i }]);
    await odd.send('DBIRTH', 'Box', { timestamp: Date.now(), seq: odd.next(), metrics: [{ alias: 5, type: 'Double', value: 1 }] });
  }
  await odd.send('NDATA', undefined, { timestamp: Date.now(), metrics: [{ name: 'Temperature', type: 'Double', value: 3 }] });
  const p = host.inputProblems;
  await waitUntil(
    () => p.birth_without_bdseq === 1 && p.data_before_birth === 5 && p.unknown_alias === 5 && p.unknown_device === 5 && p.invalid_birth_metric === 5 && p.invalid_seq === 1,
    5000,
    'all counted',
  ).catch((err: unknown) => assert.fail(`${String(err)}: ${JSON.stringify(p)}`));
  await good.assertModel(host);
  assert.equal(host.state, 'online');
  await host.stop();
  assertLogsAddUp(rig);
  for (const cause of ['birth_without_bdseq', 'data_before_birth', 'unknown_alias', 'unknown_device', 'invalid_birth_metric', 'invalid_seq'] as const) {
    assert.equal(problemLines(rig.lines, cause).first, 1, `one full line for ${cause}`);
  }
});

test('repeated, reversed and skipped seq: counted as seq_repeated, seq_out_of_order and seq_gap; the good node unaffected', async (t) => {
  const { s, url, rig, host } = await hostileSetup(t);
  const good = await GoodNode.start(s, url, 'Good1');
  const edge = await RawEdge.connect(s, url, G, 'Jumpy');
  await edge.nbirth(0, [{ name: 'Temperature', alias: 1, type: 'Double', value: 1 }]);
  await edge.ndata([{ alias: 1, type: 'Double', value: 2 }], 1);
  await edge.ndata([{ alias: 1, type: 'Double', value: 3 }], 2);
  await edge.ndata([{ alias: 1, type: 'Double', value: 4 }], 2); // repeated
  await edge.ndata([{ alias: 1, type: 'Double', value: 5 }], 1); // reversed
  await edge.ndata([{ alias: 1, type: 'Double', value: 6 }], 0); // reversed
  await edge.ndata([{ alias: 1, type: 'Double', value: 7 }], 9); // skipped 3..8
  await good.step();
  const p = host.inputProblems;
  await waitUntil(() => p.seq_repeated === 1 && p.seq_out_of_order === 2 && p.seq_gap === 1, 3000, 'seq problems counted').catch((err: unknown) =>
    assert.fail(`${String(err)}: ${JSON.stringify(p)}`),
  );
  assert.equal(host.snapshot().groups[G]?.nodes['Jumpy']?.metrics['Temperature']?.value, 3, 'repeated and reversed messages are not applied');
  await good.assertModel(host);
  await host.stop();
  assertLogsAddUp(rig);
});

test('NCMD and DCMD from another client are counted as foreign_command (info), the host\'s own are not; the model is unaffected', async (t) => {
  const { s, url, rig, host } = await hostileSetup(t);
  const cmds = await startObserver(url, { topics: ['spBv1.0/+/NCMD/#'] });
  s.after(() => cmds.close());
  const good = await GoodNode.start(s, url, 'Good1');
  const other = await RawEdge.connect(s, url, G, 'Other');
  await other.nbirth(0, [{ name: 'Temperature', alias: 1, type: 'Double', value: 1 }]);
  await waitUntil(() => host.hasNode(G, 'Other') && host.snapshot().groups[G]?.nodes['Other']?.online === true, 3000, 'Other born');
  const client = await hostileClient(s, url, 'other-host');
  const rebirth = encodePayload({ timestamp: Date.now(), metrics: [{ name: 'Node Control/Rebirth', type: 'Boolean', value: true }] });
  await client.publishAsync(`spBv1.0/${G}/NCMD/Good1`, Buffer.from(rebirth));
  await client.publishAsync(`spBv1.0/${G}/DCMD/Good1/Pump`, Buffer.from(encodePayload({ timestamp: Date.now(), metrics: [{ name: 'Speed', type: 'UInt16', value: 9 }] })));
  assert.equal(host.requestRebirth(G, 'Other'), 'queued');
  await cmds.waitFor((m) => m.topic === `spBv1.0/${G}/NCMD/Other`, 3000);
  await good.step();
  await waitUntil(() => host.inputProblems.foreign_command === 2, 3000, 'foreign commands counted');
  await sleep(200);
  assert.equal(host.inputProblems.foreign_command, 2, 'the host\'s own NCMD coming back is not foreign');
  await good.assertModel(host);
  const line = rig.lines.find((l) => l.cause === 'foreign_command');
  assert.equal(line?.level, 30, 'logged as information');
  await host.stop();
  assertLogsAddUp(rig);
});

test('a publisher inventing edge node ids: beyond limits.maxNodes their messages are dropped and counted as too_many_nodes, one line; the nodes held keep working', async (t) => {
  const { s, url, rig, host } = await hostileSetup(t, { maxNodes: 3, problemLogIntervalMs: 60_000 });
  const good = await GoodNode.start(s, url, 'Good1');
  const bad = await hostileClient(s, url);
  const nbirth = (): Buffer => Buffer.from(encodePayload({ timestamp: Date.now(), seq: 0, metrics: [{ name: 'bdSeq', type: 'Int64', value: 0 }] }));
  for (let i = 0; i < 10; i++) {
    await good.step();
    await bad.publishAsync(`spBv1.0/${G}/NBIRTH/Invented${i}`, nbirth());
  }
  await waitUntil(() => host.inputProblems.too_many_nodes === 8, 5000, 'the messages of 8 nodes beyond the limit counted');
  assert.equal(host.hasNode(G, 'Invented0'), true);
  assert.equal(host.hasNode(G, 'Invented1'), true);
  for (let i = 2; i < 10; i++) assert.equal(host.hasNode(G, `Invented${i}`), false, `Invented${i} is not in the model`);
  // A node already held is not refused, whatever it sends next.
  await bad.publishAsync(`spBv1.0/${G}/NBIRTH/Invented1`, nbirth());
  await good.step();
  await good.assertModel(host);
  assert.equal(host.inputProblems.too_many_nodes, 8);
  assert.equal(problemLines(rig.lines, 'too_many_nodes').first, 1);
  assert.equal((await scrapedProblems(host)).too_many_nodes, 8);
  await host.stop();
  assertLogsAddUp(rig);
});
