/**
 * A small tmpfs the storage tests mount as an edge's storeDir, so that "the disk is full" and "the
 * disk is read-only" are real kernel answers (ENOSPC, EROFS), not simulated ones. Needs root (or
 * CAP_SYS_ADMIN); `mountTmpfs` answers undefined where mounting is not permitted, for a clear skip.
 */
import { execFile } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TmpfsMount {
  readonly dir: string;
  /** Fills what is left of the tmpfs with a filler file (the write ends in ENOSPC, on purpose). */
  fill(): void;
  /** Removes the filler file. */
  free(): Promise<void>;
  /** Remounts read-only (EROFS for every write). */
  readOnly(): Promise<void>;
  /** Unmounts (lazily, so a process still holding a file cannot keep it mounted). Idempotent. */
  unmount(): Promise<void>;
}

export async function mountTmpfs(dir: string, sizeBytes: number): Promise<TmpfsMount | undefined> {
  try {
    await run('mount', ['-t', 'tmpfs', '-o', `size=${sizeBytes},mode=0755`, 'tmpfs', dir]);
  } catch {
    return undefined;
  }
  const filler = join(dir, 'filler');
  let mounted = true;
  return {
    dir,
    fill: () => {
      try {
        writeFileSync(filler, Buffer.alloc(sizeBytes));
      } catch (e) {
        if (!(e instanceof Error && 'code' in e && e.code === 'ENOSPC')) throw e;
      }
    },
    free: async () => rmSync(filler, { force: true }),
    readOnly: async () => {
      await run('mount', ['-o', 'remount,ro', dir]);
    },
    unmount: async () => {
      if (!mounted) return;
      mounted = false;
      await run('umount', ['-l', dir]);
    },
  };
}
