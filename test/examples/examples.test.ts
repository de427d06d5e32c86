/**
 * The examples, compiled by `npm test`'s tsc into build/examples/, run as child processes against a
 * test Mosquitto, judged by what they print.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { encodePayload } from '../../src/payload/index.js';
import { num, publishOnce, tahu, tempDir } from '../edge/helpers.js';
import { startMosquitto } from '../helpers/mosquitto.js';
import { waitUntil } from '../helpers/wait.js';

// Compiled to build/test/examples/: the compiled examples are in build/examples/, the sources in examples/.
const compiled = (name: string): string => fileURLToPath(new URL(`../../examples/${name}.js`, import.meta.url));
const CAPTURED = fileURLToPath(new URL('../../../examples/tank1-dbirth.bin', import.meta.url));

interface Running {
  out(): string;
  /** Waits until stdout matches `pattern`; fails with everything printed so far. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  readonly exited: Promise<number | null>;
  signal(s: NodeJS.Signals): void;
}

function run(t: TestContext, name: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Running {
  const child = spawn(process.execPath, [compiled(name), ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const signal = (s: NodeJS.Signals): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill(s);
  };
  t.after(() => signal('SIGKILL'));
  return {
    out: () => out,
    waitFor: (pattern, timeoutMs = 30_000) =>
      waitUntil(() => pattern.test(out), timeoutMs, `${name} to print ${String(pattern)}`).catch((e: unknown) =>
        assert.fail(`${String(e)}\nstdout:\n${out}\nstderr:\n${err}`),
      ),
    exited,
    signal,
  };
}

test('examples/host-events: URL and duration from the environment; stops by itself, STATE online then offline', async (t) => {
  const broker = await startMosquitto();
  t.after(() => broker.dispose());
  const host = run(t, 'host-events', [], { MQTT_URL: broker.url, DURATION_SEC: '1' });
  assert.equal(await host.exited, 0, host.out());
  assert.match(host.out(), /host example-host online\n[\s\S]*host example-host offline\n$/);
});

test('examples/edge-custom-source + host-events: the host prints the tank source’s births, its data, a write through DCMD and the NDEATH at stop', async (t) => {
  const broker = await startMosquitto();
  t.after(() => broker.dispose());
  const host = run(t, 'host-events', [broker.url, '60']);
  await host.waitFor(/host example-host online/);
  const edge = run(t, 'edge-custom-source', [broker.url, '60'], { STORE_DIR: tempDir(t) });

  await edge.waitFor(/edge birthing -> online/);
  await host.waitFor(/NBIRTH Examples\/Tank1 bdSeq=\d+/);
  const births = /DBIRTH Examples\/Tank1\/Tank\n {2}Examples\/Tank1\/Tank: Level=[\d.]+ \(Double\), Inflow=(true|false) \(Boolean\), Setpoint=2 \(Double\)\n/;
  await host.waitFor(births);
  // The line after the birth's values: data from the source's own timer.
  await host.waitFor(new RegExp(`${births.source} {2}Examples/Tank1/Tank: Level=[\\d.]+ \\(Double\\)`));

  // The source's write(): accepted within its range, refused outside it (and said so by the edge).
  const dcmd = (value: number): Uint8Array => encodePayload({ timestamp: Date.now(), metrics: [{ name: 'Setpoint', type: 'Double', value }] });
  await publishOnce(broker.url, 'spBv1.0/Examples/DCMD/Tank1/Tank', dcmd(3.5), { qos: 1 });
  await host.waitFor(/Setpoint=3\.5 \(Double\)/);
  await publishOnce(broker.url, 'spBv1.0/Examples/DCMD/Tank1/Tank', dcmd(9), { qos: 1 });
  await edge.waitFor(/command refused: Setpoint \(SPB_ERR_WRITE: Setpoint must be a number between 0\.5 and 4\.5 m\)/);

  edge.signal('SIGTERM');
  assert.equal(await edge.exited, 0, edge.out());
  assert.match(edge.out(), /edge closing -> offline\nstopped after \d+ messages, \d+ metric values\n$/);
  await host.waitFor(/NDEATH Examples\/Tank1 bdSeq=\d+/);
  host.signal('SIGTERM');
  assert.equal(await host.exited, 0, host.out());
});

test('examples/decode-payload prints every metric of the captured DBIRTH, as Tahu decodes it', async (t) => {
  const decode = run(t, 'decode-payload', []);
  assert.equal(await decode.exited, 0);
  const reference = tahu.decodePayload(readFileSync(CAPTURED));
  const metrics = reference.metrics ?? [];
  assert.ok(metrics.length > 0);
  const lines = decode.out().trimEnd().split('\n');
  assert.match(lines[0] ?? '', new RegExp(`^timestamp \\S+Z, seq ${num(reference.seq)}, ${metrics.length} metrics$`));
  assert.deepEqual(
    lines.slice(1).map((l) => /^ {2}(\S+) alias=(\d+) (\w+) = (\S+)/.exec(l)?.slice(1)),
    metrics.map((m) => [m.name, String(num(m.alias)), m.type, JSON.stringify(m.value)]),
  );
  assert.match(decode.out(), /Level alias=1 Double = [\d.]+ \{engUnit: "m"\}/);
});
