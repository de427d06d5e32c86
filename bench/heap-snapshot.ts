/**
 * The live heap of another Node process, after a full GC: the process is started with
 * `--heapsnapshot-signal=SIGUSR2 --diagnostic-dir=<dir>`; on the signal V8 collects garbage and
 * writes a snapshot, whose nodes' self sizes add up to what is still reachable. A soak compares
 * it at two times: RSS alone moves with the collector's own sizing and cannot show a slow leak.
 */
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

interface Snapshot {
  snapshot: { meta: { node_fields: string[] } };
  nodes: number[];
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function heapSnapshotArgs(dir: string): string[] {
  return ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${dir}`];
}

/** Signals `pid`, waits for its snapshot in `dir`, returns the live heap in MB and removes the file. */
export async function liveHeapMb(pid: number, dir: string, timeoutMs = 60_000): Promise<number> {
  const before = new Set(readdirSync(dir));
  process.kill(pid, 'SIGUSR2');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (Date.now() > deadline) throw new Error('no heap snapshot written');
    await sleep(500);
    const file = readdirSync(dir).find((f) => f.endsWith('.heapsnapshot') && !before.has(f));
    if (file === undefined) continue;
    const path = join(dir, file);
    // Written in pieces: parse once the size holds still.
    const size = statSync(path).size;
    await sleep(500);
    if (statSync(path).size !== size || size === 0) continue;
    let snap: Snapshot;
    try {
      snap = JSON.parse(readFileSync(path, 'utf8')) as Snapshot;
    } catch {
      continue;
    }
    rmSync(path);
    const fields = snap.snapshot.meta.node_fields;
    const stride = fields.length;
    const at = fields.indexOf('self_size');
    let bytes = 0;
    for (let i = at; i < snap.nodes.length; i += stride) bytes += snap.nodes[i] ?? 0;
    return bytes / 1024 / 1024;
  }
}
