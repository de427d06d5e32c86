import { open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Replaces `path` with `content` so that after a crash or power loss the file holds either the old
 * or the new content, never a mix or nothing: write a temp file, fsync it, rename it over the
 * target (atomic on POSIX), then fsync the directory so the rename itself is on disk.
 *
 * The temp name is fixed (`<path>.tmp`): one writer per file is assumed, and a temp file left by a
 * crash is simply overwritten by the next write.
 */
export async function writeFileAtomic(path: string, content: string): Promise<void> {
  const tmp = `${path}.tmp`;
  try {
    const file = await open(tmp, 'w', 0o644);
    try {
      await file.writeFile(content, 'utf8');
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw e;
  }
  await fsyncDir(dirname(path));
}

async function fsyncDir(dir: string): Promise<void> {
  // Windows cannot open a directory as a file; NTFS journals the rename itself.
  if (process.platform === 'win32') return;
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
