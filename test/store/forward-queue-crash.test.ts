import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { after, describe, test } from 'node:test';
import { ForwardQueue, type StoredRecord } from '../../src/store/index.js';
import { tempDirs } from './helpers.js';

const dirs = tempDirs('forward-crash');
const children = new Set<ChildProcess>();
after(async () => {
  for (const child of children) child.kill('SIGKILL');
  await dirs.cleanup();
});

const CHILD = fileURLToPath(new URL('./fixtures/append-child.js', import.meta.url));
const SCOPES = ['', 'dev-a', 'dev-b'];

interface ChildOptions {
  readonly flushIntervalMs: number;
  readonly flushBatch: number;
  readonly burst: number;
  /** 0: append until killed. */
  readonly total: number;
}

/** What the child reported before it was killed. */
interface Reported {
  /** Records the child's queue logged as flushed (committed). */
  flushed: number;
  /** Records the child had appended, as of its last report. */
  appended: number;
  done: boolean;
}

/** Runs the child until `killWhen` holds for its reports, then kills it with SIGKILL. */
async function runAndKill(dir: string, options: ChildOptions, killWhen: (r: Reported) => boolean): Promise<Reported> {
  const args = [CHILD, dir, options.flushIntervalMs, options.flushBatch, options.burst, options.total].map(String);
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  children.add(child);
  const reported: Reported = { flushed: 0, appended: 0, done: false };
  const exited = once(child, 'exit');
  const timeout = setTimeout(() => child.kill('SIGKILL'), 15_000);
  for await (const line of createInterface({ input: child.stdout })) {
    const entry = JSON.parse(line) as { msg?: string; flushed?: number; appended?: number };
    if (entry.msg === 'store-and-forward flush') reported.flushed += entry.flushed ?? 0;
    if (entry.msg === 'appended') reported.appended = entry.appended ?? 0;
    if (entry.msg === 'done') reported.done = true;
    if (killWhen(reported)) break;
  }
  child.kill('SIGKILL');
  const [code, signal] = await exited;
  clearTimeout(timeout);
  children.delete(child);
  assert.equal(signal, 'SIGKILL', `child exited on its own (code ${String(code)})`);
  return reported;
}

async function readAll(dir: string): Promise<StoredRecord[]> {
  const queue = await ForwardQueue.open({ dir });
  try {
    return queue.peek(10_000_000);
  } finally {
    queue.close();
  }
}

/** Stored records must be exactly 0..n-1, in id order, each with the scope and timestamp it was appended with. */
function assertContiguous(records: readonly StoredRecord[]): void {
  records.forEach((r, i) => {
    const seq = new DataView(r.data.buffer, r.data.byteOffset, r.data.byteLength).getUint32(0);
    assert.equal(seq, i, `record ${i} out of order or duplicated`);
    assert.equal(r.scope, SCOPES[i % SCOPES.length]);
    assert.equal(r.timestamp, 1_700_000_000_000 + i);
  });
}

describe('ForwardQueue survives kill -9', () => {
  test('size-triggered batches: every flushed record kept, only the un-flushed tail lost', async () => {
    const dir = await dirs.make();
    const options = { flushIntervalMs: 60_000, flushBatch: 100, burst: 50, total: 1050 };
    const reported = await runAndKill(dir, options, (r) => r.done);
    assert.equal(reported.flushed, 1000);
    const records = await readAll(dir);
    assertContiguous(records);
    assert.equal(records.length, 1000, 'the 50 records of the unfinished batch are the only loss');
  });

  for (const [run, killAfterFlushed] of [[1, 2_000], [2, 5_000], [3, 9_000]] as const) {
    test(`continuous appends with timer and size flushes, killed at a random moment (run ${run})`, async () => {
      const dir = await dirs.make();
      const options = { flushIntervalMs: 20, flushBatch: 500, burst: 37, total: 0 };
      // Killing on a later line than the threshold one lands at varying points of a flush.
      const extraLines = Math.floor(Math.random() * 20);
      let seen = -1;
      const reported = await runAndKill(dir, options, (r) => {
        if (seen < 0 && r.flushed >= killAfterFlushed) seen = 0;
        return seen >= 0 && seen++ >= extraLines;
      });
      const records = await readAll(dir);
      assertContiguous(records);
      assert.ok(records.length >= reported.flushed, `${records.length} stored < ${reported.flushed} reported flushed`);
      assert.ok(
        reported.appended - records.length < options.flushBatch,
        `lost ${reported.appended - records.length} records, more than one batch`,
      );
    });
  }
});
