/**
 * `sparkstate edge` and `sparkstate host` as their own process groups against Mosquitto, signalled
 * like `docker stop` / systemd / a terminal do: several signals at once to the whole group.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { decodePayload } from '../../src/payload/index.js';
import { startMosquitto } from '../helpers/mosquitto.js';
import { startObserver } from '../helpers/observer.js';
import { startTcpProxy } from '../helpers/proxy.js';
import { sleep } from '../helpers/wait.js';
import { edgeYaml, hostYaml, lifo, tempDir } from '../host/broker-helpers.js';
import { MAIN, spawnGroup } from './cli-process.js';

const json = (bytes: Uint8Array): { online: boolean; timestamp: number } =>
  JSON.parse(new TextDecoder().decode(bytes)) as { online: boolean; timestamp: number };

test('CLI edge: SIGTERM ×3 to its process group → NDEATH (the NBIRTH bdSeq, QoS 1) then DISCONNECT, exit 0 [tck-id-operational-behavior-edge-node-intentional-disconnect-ndeath]', async (t) => {
  const s = lifo(t);
  const broker = await startMosquitto();
  s.after(() => broker.dispose());
  const observer = await startObserver(broker.url);
  s.after(() => observer.close());
  const dir = tempDir(s, 'sparkstate-cli-edge-');
  const file = join(dir, 'edge.yaml');
  writeFileSync(file, edgeYaml([broker.url], 'Sig', 'Edge1', join(dir, 'store')));
  const edge = spawnGroup(s, process.execPath, [MAIN, 'edge', '--config', file]);

  const nbirth = await observer.waitFor((m) => m.topic === 'spBv1.0/Sig/NBIRTH/Edge1', 8000);
  await observer.waitFor((m) => m.topic === 'spBv1.0/Sig/DDATA/Edge1/Filler');
  edge.signalGroup('SIGTERM', 3);
  const exit = await edge.exited;
  // The three kill() calls are not one act: on a loaded machine a repeat can land after this (fast)
  // shutdown has finished, while Node is already tearing down, and its default action ends the
  // process. Either way the NDEATH and the clean DISCONNECT below prove the shutdown ran first.
  assert.ok(exit.code === 0 || (exit.code === null && exit.signal === 'SIGTERM'), `${JSON.stringify(exit)}\n${edge.stderr()}`);

  await sleep(200); // a Will, had the broker sent one, would arrive now
  const deaths = observer.messages.filter((m) => m.topic === 'spBv1.0/Sig/NDEATH/Edge1');
  assert.equal(deaths.length, 1, 'one NDEATH: the published one, no Will after it');
  const [death] = deaths;
  assert.equal(death?.qos, 1);
  assert.equal(death.retain, false);
  const bdSeq = (p: Uint8Array) => decodePayload(p).metrics?.find((m) => m.name === 'bdSeq')?.value;
  assert.equal(bdSeq(death.payload), bdSeq(nbirth.payload));
  assert.match(broker.log(), /Client Sig-Edge1 disconnected\./, 'a clean DISCONNECT, not a dropped socket');
});

test('CLI host: SIGTERM ×3 to its process group → offline STATE (QoS 1, retained, stop time) then DISCONNECT, exit 0 [tck-id-operational-behavior-host-application-termination]', async (t) => {
  const s = lifo(t);
  const broker = await startMosquitto();
  s.after(() => broker.dispose());
  const observer = await startObserver(broker.url, { topics: ['spBv1.0/STATE/#'] });
  s.after(() => observer.close());
  const file = join(tempDir(s, 'sparkstate-cli-host-'), 'host.yaml');
  writeFileSync(file, hostYaml([broker.url], { hostId: 'sig-host' }));
  const host = spawnGroup(s, process.execPath, [MAIN, 'host', '--config', file]);

  const birth = await observer.waitFor((m) => m.topic === 'spBv1.0/STATE/sig-host' && json(m.payload).online, 8000);
  host.signalGroup('SIGTERM', 3);
  assert.deepEqual(await host.exited, { code: 0, signal: null }, host.stderr());

  const death = observer.messages.filter((m) => m.topic === 'spBv1.0/STATE/sig-host').at(-1);
  assert.ok(death !== undefined && death !== birth, 'offline STATE published before the exit');
  assert.equal(json(death.payload).online, false);
  assert.ok(json(death.payload).timestamp > json(birth.payload).timestamp, 'the explicit death, not the Will (which repeats the birth time)');
  assert.equal(death.qos, 1);
  assert.equal(death.retain, true);
});

test('CLI edge: a shutdown stuck on an unresponsive broker is forced by a repeat ≥ 5 s after the first signal: exit 130, said in the log', async (t) => {
  const s = lifo(t);
  const broker = await startMosquitto();
  s.after(() => broker.dispose());
  const proxy = await startTcpProxy(broker.port);
  s.after(() => proxy.close());
  const observer = await startObserver(broker.url);
  s.after(() => observer.close());
  const dir = tempDir(s, 'sparkstate-cli-edge-');
  const file = join(dir, 'edge.yaml');
  // keepalive 60 s: the edge must not notice the silent broker by itself within the test
  const yaml = edgeYaml([proxy.url], 'Sig', 'Stuck', join(dir, 'store')).replace('keepaliveSec: 5', 'keepaliveSec: 60').replace('logLevel: silent', 'logLevel: info');
  writeFileSync(file, yaml);
  const edge = spawnGroup(s, process.execPath, [MAIN, 'edge', '--config', file]);
  await observer.waitFor((m) => m.topic === 'spBv1.0/Sig/NBIRTH/Stuck', 8000);

  proxy.hold(true); // the NDEATH's PUBACK will never come
  const first = Date.now();
  edge.signalGroup('SIGTERM', 2);
  await sleep(1000);
  assert.equal(edge.child.exitCode, null, 'still stopping: repeats within the grace period are ignored');
  await sleep(5000 - (Date.now() - first) + 100);
  edge.signalGroup('SIGTERM');
  assert.deepEqual(await edge.exited, { code: 130, signal: null });
  assert.match(edge.stderr(), /repeats within 5 s are ignored, a repeat after that forces the exit/);
  assert.match(edge.stderr(), /forced exit: SIGTERM repeated while the shutdown had not finished/);
});
