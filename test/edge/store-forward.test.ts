/** Store-and-forward across a broker crash, on a real Mosquitto. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startMosquitto } from '../helpers/mosquitto.js';
import { startObserver } from '../helpers/observer.js';
import { startTcpProxy } from '../helpers/proxy.js';
import { sleep, waitUntil } from '../helpers/wait.js';
import { Wire, edgeYaml, isDevice, isNode, metricValues, startEdge, tempDir } from './helpers.js';

test('broker down: every sample taken once the node noticed arrives after the births as historical, in order, none lost, none duplicated (only QoS 0 messages in flight at the crash may be lost); live data is not held back', async (t) => {
  const broker = await startMosquitto();
  t.after(() => broker.dispose());
  const gate = await startTcpProxy(broker.port);
  t.after(() => gate.close());
  const obs1 = await startObserver(broker.url);
  t.after(() => obs1.close());
  const { node } = await startEdge(t, { servers: [gate.url], scanIntervalMs: 50, flushIntervalMs: 100, replayRatePerSec: 80 });
  let replayed = 0;
  node.on('replayDone', (n) => (replayed += n));
  await obs1.waitForCount(10, isDevice('DDATA', 'Filler'));

  let noticedAt = 0;
  node.on('stateChanged', (_from, to) => {
    if (to === 'connecting' && noticedAt === 0) noticedAt = Date.now();
  });
  gate.open = false;
  // Samples taken before the first connection were replayed already; count only this outage's replay.
  replayed = 0;
  const downAt = Date.now();
  await broker.kill();
  await waitUntil(() => node.state === 'connecting', 3000, 'node notices the loss');
  await sleep(2500);
  await broker.restart();
  const obs2 = await startObserver(broker.url);
  t.after(() => obs2.close());
  const upAt = Date.now();
  gate.open = true;
  await obs2.waitFor(isNode('NBIRTH'), 5000);
  await waitUntil(() => replayed > 0, 10_000, 'backlog replayed');
  await obs2.waitForCount(obs2.messages.filter(isDevice('DDATA', 'Filler')).length + 3, isDevice('DDATA', 'Filler'));
  await node.stop();

  const wire = new Wire();
  const seen = wire.decodeAll([...obs1.messages, ...obs2.messages]);
  const session2 = wire.decodeAll(obs2.messages);
  assert.deepEqual(
    session2.slice(0, 3).map((s) => s.type),
    ['NBIRTH', 'DBIRTH', 'DBIRTH'],
    'the new session starts with its births',
  );

  for (const [device, type, name] of [
    ['Filler', 'DDATA', 'Count'],
    [undefined, 'NDATA', 'Uptime'],
  ] as const) {
    const values: number[] = [];
    const historical: { value: number; timestamp: number; index: number }[] = [];
    const liveAfterUp: number[] = [];
    seen.forEach((s, index) => {
      if (s.device !== device || (s.type !== type && s.type !== (device === undefined ? 'NBIRTH' : 'DBIRTH'))) return;
      for (const v of metricValues(wire, s, name)) {
        values.push(Number(v.value));
        if (v.historical) historical.push({ value: Number(v.value), timestamp: v.timestamp, index });
        else if (s.msg.receivedAt >= upAt && s.type === type) liveAfterUp.push(index);
      }
    });
    const sorted = [...values].sort((a, b) => a - b);
    const min = sorted[0] ?? 0;
    const max = sorted.at(-1) ?? 0;
    assert.equal(new Set(values).size, values.length, `${name}: no value published twice`);
    // Data is QoS 0 (Sparkplug): what was written to the socket between the broker's death and the
    // node noticing it is lost in flight. Everything sampled from then on must come back.
    const present = new Set(values);
    const missing: number[] = [];
    for (let v = min; v <= max; v++) if (!present.has(v)) missing.push(v);
    const firstHistorical = historical.find((h) => h.timestamp >= downAt)?.value ?? Infinity;
    for (const v of missing) {
      assert.ok(v < firstHistorical, `${name}: ${v} missing after the node began storing (historical ${historical.map((h) => h.value).join(',')}; missing ${missing.join(',')})`);
    }
    const inFlight = Math.ceil((noticedAt - downAt) / 50) + 2;
    assert.ok(missing.length <= inFlight, `${name}: ${missing.length} lost in flight, more than the ${inFlight} scans before the loss was noticed`);

    const outage = historical.filter((h) => h.timestamp >= downAt);
    assert.ok(outage.length >= 25, `${name}: samples of the ~2.5 s outage replayed (${outage.length})`);
    for (const h of outage) assert.ok(h.timestamp < upAt + 1000, `${name}: historical keeps its original timestamp`);
    for (let i = 1; i < historical.length; i++) {
      const a = historical[i - 1];
      const b = historical[i];
      assert.ok(a !== undefined && b !== undefined);
      assert.ok(b.value > a.value && b.timestamp >= a.timestamp, `${name}: historical values in order`);
    }
    const firstH = outage[0]?.index ?? 0;
    const lastH = outage.at(-1)?.index ?? 0;
    assert.ok(
      liveAfterUp.some((i) => i > firstH && i < lastH) || liveAfterUp.some((i) => i < firstH),
      `${name}: live data flowed while the backlog was replayed`,
    );
  }
});

test('kill -9 of the edge process during an outage loses at most the last unflushed batch; the restarted process replays the rest', async (t) => {
  const broker = await startMosquitto();
  t.after(() => broker.dispose());
  const gate = await startTcpProxy(broker.port);
  t.after(() => gate.close());
  const obs1 = await startObserver(broker.url);
  t.after(() => obs1.close());
  const dir = tempDir(t);
  const configFile = join(dir, 'edge.yaml');
  const scanMs = 50;
  const flushMs = 100;
  writeFileSync(configFile, edgeYaml({ servers: [gate.url], scanIntervalMs: scanMs, flushIntervalMs: flushMs }));
  const children = new Set<ChildProcess>();
  t.after(() => {
    for (const c of children) c.kill('SIGKILL');
  });
  const run = (): ChildProcess => {
    const child = spawn(process.execPath, ['build/src/cli/main.js', 'edge', '--config', configFile], { stdio: ['ignore', 'ignore', 'inherit'] });
    children.add(child);
    child.once('exit', () => children.delete(child));
    return child;
  };
  const first = run();
  await obs1.waitForCount(5, isDevice('DDATA', 'Filler'), 10_000);

  gate.open = false;
  gate.dropAll();
  await broker.kill();
  await sleep(1500);
  const killedAt = Date.now();
  first.kill('SIGKILL');
  await new Promise<void>((r) => (first.exitCode !== null || first.signalCode !== null ? r() : first.once('exit', () => r())));
  await broker.restart();
  const obs2 = await startObserver(broker.url);
  t.after(() => obs2.close());
  gate.open = true;
  const second = run();
  await obs2.waitFor(isNode('NBIRTH'), 10_000);
  await waitUntil(
    () => new Wire().decodeAll(obs2.messages).some((s) => (s.payload.metrics ?? []).some((m) => m.isHistorical === true)),
    10_000,
    'historical data from the killed process',
  );
  await sleep(500);
  second.kill('SIGTERM');

  const wire = new Wire();
  const live1: number[] = [];
  for (const s of wire.decodeAll(obs1.messages)) {
    if (s.device === 'Filler') for (const v of metricValues(wire, s, 'Count')) if (!v.historical) live1.push(Number(v.value));
  }
  const replayed: { value: number; timestamp: number }[] = [];
  for (const s of wire.decodeAll(obs2.messages)) {
    if (s.device !== 'Filler') continue;
    for (const v of metricValues(wire, s, 'Count')) if (v.historical && v.timestamp <= killedAt) replayed.push({ value: Number(v.value), timestamp: v.timestamp });
  }
  const lastLive = Math.max(...live1);
  assert.ok(replayed.length >= 15, `the outage's samples were replayed (${replayed.length})`);
  replayed.forEach((r, i) => assert.equal(r.value, lastLive + 1 + i, 'contiguous after the last live value, in order, no duplicates'));
  const lastTs = replayed.at(-1)?.timestamp ?? 0;
  assert.ok(killedAt - lastTs <= flushMs + 2 * scanMs + 150, `at most the last unflushed batch lost (${killedAt - lastTs} ms before the kill)`);
});
