/** bdSeq, the Will (NDEATH) and clean stops, on a real Mosquitto. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startMosquitto } from '../helpers/mosquitto.js';
import { startObserver, type ObservedMessage } from '../helpers/observer.js';
import { startTcpProxy } from '../helpers/proxy.js';
import { sleep } from '../helpers/wait.js';
import { Wire, bdSeqOf, createEdge, edgeYaml, isNode, startEdge, tahu, tempDir } from './helpers.js';

const decode = (m: ObservedMessage): ReturnType<Wire['decode']> => new Wire().decode(m);

function assertWill(m: ObservedMessage, bdSeq: number): void {
  assert.equal(m.qos, 1, 'Will NDEATH QoS 1');
  assert.equal(m.retain, false, 'Will NDEATH not retained');
  const s = decode(m);
  assert.ok(s !== undefined);
  assert.deepEqual(s.raw.metrics?.map((x) => x.name), ['bdSeq'], 'exactly one metric, bdSeq');
  assert.equal(s.raw.seq, undefined, 'no seq field on the wire');
  assert.equal(bdSeqOf(s.raw), bdSeq);
  const tahuView = tahu.decodePayload(m.payload);
  assert.equal(tahuView.seq ?? undefined, undefined, 'Tahu sees no seq either');
}

test(
  'Will NDEATH on a cut link equals the NBIRTH bdSeq; the reconnect uses bdSeq+1 ' +
    '[tck-id-message-flow-edge-node-birth-publish-will-message-qos] [tck-id-payloads-ndeath-will-message-qos] [tck-id-message-flow-edge-node-birth-publish-will-message-will-retained] [tck-id-payloads-ndeath-will-message-retain] ' +
    '[tck-id-topics-ndeath-payload] [tck-id-topics-ndeath-seq] [tck-id-payloads-ndeath-seq] [tck-id-payloads-ndeath-bdseq] ' +
    '[tck-id-topics-nbirth-bdseq-matching] [tck-id-payloads-nbirth-bdseq-repeat] [tck-id-message-flow-edge-node-birth-publish-nbirth-payload-bdSeq] [tck-id-topics-nbirth-bdseq-increment] [tck-id-message-flow-edge-node-birth-publish-will-message-payload-bdSeq]',
  async (t) => {
    const broker = await startMosquitto();
    t.after(() => broker.dispose());
    const proxy = await startTcpProxy(broker.port);
    t.after(() => proxy.close());
    const obs = await startObserver(broker.url);
    t.after(() => obs.close());
    await startEdge(t, { servers: [proxy.url] });
    for (let i = 0; i < 3; i++) {
      const [nbirth] = (await obs.waitForCount(i + 1, isNode('NBIRTH'))).slice(i);
      assert.ok(nbirth !== undefined);
      const nb = decode(nbirth);
      assert.ok(nb !== undefined);
      assert.equal(bdSeqOf(nb.raw), i, `session ${i} bdSeq`);
      proxy.dropAll(); // no DISCONNECT: the broker publishes the Will
      const [will] = (await obs.waitForCount(i + 1, isNode('NDEATH'))).slice(i);
      assert.ok(will !== undefined);
      assertWill(will, i);
    }
    await obs.waitForCount(4, isNode('NBIRTH'));
    const fresh = await startObserver(broker.url);
    t.after(() => fresh.close());
    await sleep(200);
    assert.deepEqual(fresh.messages.filter((m) => m.retain), [], 'the Will was not retained');
  },
);

test(
  'clean stop: explicit NDEATH (same bdSeq) before DISCONNECT, and no Will after it (MQTT 3.1.1) ' +
    '[tck-id-operational-behavior-edge-node-intentional-disconnect-ndeath] [tck-id-payloads-ndeath-will-message-publisher] ' +
    '[tck-id-payloads-ndeath-will-message-publisher-disconnect-mqtt311] [tck-id-operational-behavior-edge-node-intentional-disconnect-packet] [tck-id-topics-ndeath-topic]',
  async (t) => {
    const broker = await startMosquitto();
    t.after(() => broker.dispose());
    const obs = await startObserver(broker.url);
    t.after(() => obs.close());
    const { node } = await startEdge(t, { servers: [broker.url] });
    const nbirth = decode(await obs.waitFor(isNode('NBIRTH')));
    await obs.waitFor((m) => m.topic.includes('/DDATA/'));
    await node.stop();
    const death = await obs.waitFor(isNode('NDEATH'));
    const d = decode(death);
    assert.ok(d !== undefined && nbirth !== undefined);
    assert.deepEqual(d.raw.metrics?.map((x) => x.name), ['bdSeq']);
    assert.equal(d.raw.seq, undefined);
    assert.equal(bdSeqOf(d.raw), bdSeqOf(nbirth.raw));
    assert.equal(obs.messages.at(-1), death, 'NDEATH is the last message');
    await sleep(300);
    assert.equal(obs.messages.filter(isNode('NDEATH')).length, 1, 'the Will was discarded by DISCONNECT');
  },
);

test(
  'clean stop with MQTT 5: explicit NDEATH, then DISCONNECT 0x04 delivers the Will too (same bdSeq) ' +
    '[tck-id-operational-behavior-edge-node-intentional-disconnect-ndeath] [tck-id-payloads-ndeath-will-message-publisher] [tck-id-payloads-ndeath-will-message-publisher-disconnect-mqtt50]',
  async (t) => {
    const broker = await startMosquitto();
    t.after(() => broker.dispose());
    const obs = await startObserver(broker.url);
    t.after(() => obs.close());
    const { node } = await startEdge(t, { servers: [broker.url], protocolVersion: 5 });
    const nbirth = decode(await obs.waitFor(isNode('NBIRTH')));
    assert.ok(nbirth !== undefined);
    await node.stop();
    const deaths = await obs.waitForCount(2, isNode('NDEATH'));
    for (const m of deaths) {
      const d = decode(m);
      assert.ok(d !== undefined);
      assert.equal(d.raw.seq, undefined);
      assert.equal(bdSeqOf(d.raw), bdSeqOf(nbirth.raw));
      assert.equal(m.qos, 1);
      assert.equal(m.retain, false);
    }
  },
);

test('bdSeq continues in a new EdgeNode on the same storeDir [tck-id-topics-nbirth-bdseq-increment] [tck-id-message-flow-edge-node-birth-publish-will-message-payload-bdSeq]', async (t) => {
  const broker = await startMosquitto();
  t.after(() => broker.dispose());
  const obs = await startObserver(broker.url);
  t.after(() => obs.close());
  const dir = tempDir(t);
  const seen: number[] = [];
  for (let run = 0; run < 3; run++) {
    const { node } = await createEdge(t, { servers: [broker.url] }, dir);
    await node.start();
    const [nb] = (await obs.waitForCount(run + 1, isNode('NBIRTH'))).slice(run);
    assert.ok(nb !== undefined);
    const d = decode(nb);
    assert.ok(d !== undefined);
    seen.push(bdSeqOf(d.raw));
    await node.stop();
  }
  assert.deepEqual(seen, [0, 1, 2], 'bdSeq +1 per CONNECT across restarts');
});

test(
  'real process: kill -9 → Will with the NBIRTH bdSeq; restart continues with bdSeq+1; SIGTERM → explicit NDEATH ' +
    '[tck-id-message-flow-edge-node-birth-publish-will-message] [tck-id-payloads-ndeath-will-message] [tck-id-topics-nbirth-bdseq-increment] [tck-id-message-flow-edge-node-birth-publish-will-message-payload-bdSeq] ' +
    '[tck-id-operational-behavior-edge-node-intentional-disconnect-ndeath] [tck-id-payloads-ndeath-will-message-publisher]',
  async (t) => {
    const broker = await startMosquitto();
    t.after(() => broker.dispose());
    const obs = await startObserver(broker.url);
    t.after(() => obs.close());
    const dir = tempDir(t);
    const configFile = join(dir, 'edge.yaml');
    writeFileSync(configFile, edgeYaml({ servers: [broker.url], scanIntervalMs: 100 }));
    const children = new Set<ChildProcess>();
    t.after(() => {
      for (const c of children) c.kill('SIGKILL');
    });
    const run = (): ChildProcess => {
      const child = spawn(process.execPath, ['build/src/cli/main.js', 'edge', '--config', configFile], {
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      children.add(child);
      child.once('exit', () => children.delete(child));
      return child;
    };
    const exited = (c: ChildProcess): Promise<void> =>
      c.exitCode !== null || c.signalCode !== null ? Promise.resolve() : new Promise((r) => c.once('exit', () => r()));

    const first = run();
    const nb0 = decode(await obs.waitFor(isNode('NBIRTH'), 10_000));
    assert.ok(nb0 !== undefined);
    assert.equal(bdSeqOf(nb0.raw), 0);
    first.kill('SIGKILL');
    await exited(first);
    assertWill(await obs.waitFor(isNode('NDEATH'), 10_000), 0);

    const second = run();
    const [, nb1m] = await obs.waitForCount(2, isNode('NBIRTH'), 10_000);
    assert.ok(nb1m !== undefined);
    const nb1 = decode(nb1m);
    assert.ok(nb1 !== undefined);
    assert.equal(bdSeqOf(nb1.raw), 1, 'the restarted process continues bdSeq');
    second.kill('SIGTERM');
    await exited(second);
    assert.equal(second.exitCode, 0, 'clean exit on SIGTERM');
    const [, death] = await obs.waitForCount(2, isNode('NDEATH'));
    assert.ok(death !== undefined);
    const d = decode(death);
    assert.ok(d !== undefined);
    assert.equal(bdSeqOf(d.raw), 1);
    await sleep(200);
    assert.equal(obs.messages.filter(isNode('NDEATH')).length, 2, 'no Will after the clean stop');
  },
);
