/** The stop-signal policy of the long-running commands, with a fake signal source and clock. */
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { test } from 'node:test';
import { pino } from 'pino';
import { FORCE_AFTER_MS, FORCED_EXIT_CODE, watchStopSignals } from '../../src/cli/signals.js';

function harness() {
  const source = new EventEmitter();
  const exits: number[] = [];
  const lines: { level: number; msg: string }[] = [];
  let clock = 1_000;
  const log = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as { level: number; msg: string }) });
  const stop = watchStopSignals(log, { source, exit: (code) => void exits.push(code), now: () => clock });
  return {
    stop,
    exits,
    lines,
    signal: (name: 'SIGINT' | 'SIGTERM', atMs: number) => {
      clock = 1_000 + atMs;
      source.emit(name, name);
    },
  };
}

test('signals: SIGINT twice within milliseconds (terminal + npm) and SIGTERM ×3 (Docker) run one clean shutdown, no forced exit', async () => {
  for (const burst of [['SIGINT', 'SIGINT'], ['SIGTERM', 'SIGTERM', 'SIGTERM'], ['SIGINT', 'SIGTERM', 'SIGINT', 'SIGINT']] as const) {
    const h = harness();
    let shutdowns = 0;
    let release = (): void => {};
    const done = h.stop.stopWith(() => {
      shutdowns++;
      return new Promise((resolve) => (release = resolve));
    });
    burst.forEach((name, i) => h.signal(name, i * 2));
    h.signal('SIGINT', FORCE_AFTER_MS - 1); // still within the grace period
    assert.equal(await h.stop.received, burst[0]);
    await new Promise((r) => setImmediate(r));
    release();
    await done;
    assert.equal(shutdowns, 1, `${burst.join(',')}: one shutdown`);
    assert.deepEqual(h.exits, [], `${burst.join(',')}: never forced`);
    assert.match(h.lines[0]?.msg ?? '', new RegExp(`stopping on ${burst[0]}: .*repeats within ${FORCE_AFTER_MS / 1000} s are ignored, a repeat after that forces the exit`));
    assert.equal(h.lines.filter((l) => /already stopping/.test(l.msg)).length, 1, 'the ignored repeats are logged once');
  }
});

test('signals: a repeat after the grace period forces the exit with status 130 while the shutdown hangs', async () => {
  const h = harness();
  void h.stop.stopWith(() => new Promise(() => {})); // a shutdown that never ends
  h.signal('SIGINT', 0);
  h.signal('SIGINT', 10);
  assert.deepEqual(h.exits, []);
  h.signal('SIGINT', FORCE_AFTER_MS);
  assert.deepEqual(h.exits, [FORCED_EXIT_CODE]);
  assert.match(h.lines.at(-1)?.msg ?? '', /forced exit: SIGINT repeated while the shutdown had not finished/);
  assert.equal(h.lines.at(-1)?.level, pino.levels.values['error']);
});

test('signals: a failing shutdown rejects (the command exits non-zero) instead of being swallowed', async () => {
  const h = harness();
  const done = h.stop.stopWith(() => Promise.reject(new Error('broker gone')));
  h.signal('SIGTERM', 0);
  await assert.rejects(done, /broker gone/);
});
