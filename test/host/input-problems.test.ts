/** The rate-limited problem log with a fake clock: one line per cause per interval, summaries that add up. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pino } from 'pino';
import { FLOOD_PROBLEMS, InputProblems, OwnCommands } from '../../src/host/input-problems.js';

interface Line {
  readonly level: number;
  readonly msg: string;
  readonly cause: string;
  readonly count?: number;
}

function rig(intervalMs = 60_000) {
  const lines: Line[] = [];
  let now = 1_000_000;
  const log = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s) as Line) });
  const problems = new InputProblems({ log, intervalMs, now: () => now });
  return { lines, problems, advance: (ms: number) => (now += ms) };
}

test('first occurrence logged at once, the rest of the interval summarised in one line; a quiet interval resets it', () => {
  const { lines, problems, advance } = rig();
  for (let i = 0; i < 1000; i++) problems.report('malformed_payload', { node: `n${i}` });
  problems.report('foreign_command', { topic: 'spBv1.0/G/NCMD/n' });
  assert.equal(lines.length, 2, 'one line per cause');
  assert.equal(lines[0]?.level, 40);
  assert.equal(lines[1]?.level, 30, 'foreign commands are information');
  advance(30_000);
  problems.flush(false);
  assert.equal(lines.length, 2, 'no summary before the interval ends');
  advance(30_000);
  problems.flush(false);
  assert.equal(lines.length, 3);
  assert.equal(lines[2]?.msg, '999 more malformed_payload in the last 60 s');
  advance(60_000);
  problems.flush(false);
  assert.equal(lines.length, 3, 'nothing to summarise: no line');
  advance(60_000);
  problems.flush(false);
  problems.report('malformed_payload', { node: 'again' });
  assert.equal(lines.length, 4, 'after a quiet interval the next one is logged in full');
  assert.equal(lines[3]?.count, undefined);
  assert.equal(problems.counts.malformed_payload, 1001);
  assert.equal(problems.counts.foreign_command, 1);
  assert.equal(problems.counts.bad_topic, 0);
});

test('flush(true) writes every summary still owed (at stop)', () => {
  const { lines, problems } = rig();
  for (let i = 0; i < 5; i++) problems.report('seq_repeated', {});
  problems.flush(true);
  assert.deepEqual(
    lines.map((l) => l.count),
    [undefined, 4],
  );
});

test('own commands: each echo taken off once; what is left over is foreign', () => {
  const own = new OwnCommands(2);
  own.sent('a');
  own.sent('a');
  assert.equal(own.echo('a'), true);
  assert.equal(own.echo('a'), true);
  assert.equal(own.echo('a'), false);
  own.sent('b');
  own.sent('c');
  own.sent('d'); // full: starts over rather than grow
  assert.equal(own.echo('b'), false);
  assert.equal(own.echo('d'), true);
});

test('a node with more than FLOOD_PROBLEMS bad messages in one interval is named once as a flood', () => {
  const { lines, problems, advance } = rig();
  for (let i = 0; i < 3 * FLOOD_PROBLEMS; i++) problems.report('malformed_payload', { group: 'G', node: 'Noisy' });
  for (let i = 0; i < FLOOD_PROBLEMS - 1; i++) problems.report('seq_repeated', { group: 'G', node: 'Busy' });
  assert.equal(problems.counts.flood, 1);
  assert.equal(lines.filter((l) => l.cause === 'flood').length, 1);
  advance(60_000);
  problems.report('malformed_payload', { group: 'G', node: 'Busy' });
  assert.equal(problems.counts.flood, 1, 'tallies start over each interval');
});
