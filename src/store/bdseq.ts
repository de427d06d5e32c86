import { constants } from 'node:fs';
import { access, mkdir, open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic-file.js';
import { storeError } from './errors.js';
import type { StoreLogger } from './logger.js';

/** File name of the bdSeq record inside the store directory. */
export const BDSEQ_FILE = 'bdseq.json';
/** Second copy of the record, written (atomically) just before `BDSEQ_FILE`. */
export const BDSEQ_BACKUP_FILE = 'bdseq.backup.json';

export interface BdSeqStoreOptions {
  readonly logger?: StoreLogger | undefined;
}

/** On-disk shape; `updatedAt` is for humans reading the file, never read back. */
interface BdSeqFileContent {
  readonly bdSeq: number;
  readonly updatedAt: string;
}

/**
 * The Sparkplug birth/death sequence number, persisted so that a restarted edge process continues
 * it (E-WILL-BDSEQ; the TCK Monitor remembers the last bdSeq per edge node across restarts, Q12).
 *
 * `next()` records the new value durably before returning it: a crash after the MQTT CONNECT can
 * therefore never reuse a bdSeq that a broker may already hold in a Will.
 *
 * Two copies: `bdseq.backup.json` is written first, then `bdseq.json`, each atomically. So the
 * backup is never behind the main file; when one of them is damaged (a truncated or garbled file
 * after a disk fault) the other still holds the latest value, and hosts never see a bdSeq reused.
 * When both are valid but differ (a crash between the two writes), the one ahead wins.
 *
 * When neither copy is usable the edge does not stop: it logs an error and starts again at 0, as a
 * fresh install would. Refusing to start would keep the whole edge node offline until someone
 * deletes the files; restarting at 0 only costs bdSeq continuity across that one restart, while
 * every session stays self-consistent (its Will and NBIRTH carry the same bdSeq).
 */
export class BdSeqStore {
  /** Serialises `next()` so concurrent callers get distinct, consecutive values. */
  private tail: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly path: string,
    private readonly backupPath: string,
    private last: number | undefined,
  ) {}

  /** Opens (creating `dir` if needed) the bdSeq record in `dir`. */
  static async open(dir: string, options: BdSeqStoreOptions = {}): Promise<BdSeqStore> {
    try {
      await mkdir(dir, { recursive: true });
    } catch (e) {
      throw storeError(`cannot create bdSeq directory ${dir}`, e);
    }
    try {
      // Checked up front: a read-only directory would otherwise surface later, or only as an SQLite error.
      await access(dir, constants.W_OK);
    } catch (e) {
      throw storeError(`storeDir ${dir} is not writable (it holds the bdSeq record and the store-and-forward queue)`, e);
    }
    const path = join(dir, BDSEQ_FILE);
    const backupPath = join(dir, BDSEQ_BACKUP_FILE);
    const last = pickLast(await readRecord(path), await readRecord(backupPath), path, backupPath, options.logger);
    return new BdSeqStore(path, backupPath, last);
  }

  /** The bdSeq last handed out (by this or a previous process), or undefined if none yet. */
  current(): number | undefined {
    return this.last;
  }

  /** The bdSeq for the next MQTT CONNECT, already persisted when the promise resolves. */
  next(): Promise<number> {
    const result = this.tail.then(() => this.advance());
    this.tail = result.catch(() => undefined);
    return result;
  }

  private async advance(): Promise<number> {
    const value =
      this.last === undefined
        ? 0 // [tck-id-message-flow-edge-node-birth-publish-will-message-payload-bdSeq]
        : (this.last + 1) % 256; // [tck-id-topics-nbirth-bdseq-increment]
    const content: BdSeqFileContent = { bdSeq: value, updatedAt: new Date().toISOString() };
    const text = `${JSON.stringify(content)}\n`;
    try {
      // Backup first: it may then be ahead of the main file, never behind it.
      await writeRecord(this.backupPath, text);
      await writeRecord(this.path, text);
    } catch (e) {
      // `last` stays as it was: the value was never handed out, so the next call may retry it.
      throw storeError(`cannot persist bdSeq to ${this.path}`, e);
    }
    this.last = value;
    return value;
  }
}

/**
 * Atomic replace; on a full disk (no room for the temp file) the record is overwritten in place
 * instead: a few dozen bytes within the file's existing block need no new space. Such a write is
 * not atomic, but it rewrites one copy at a time, so a torn write leaves the other copy whole.
 */
async function writeRecord(path: string, text: string): Promise<void> {
  try {
    await writeFileAtomic(path, text);
  } catch (e) {
    if (!(e instanceof Error && 'code' in e && (e.code === 'ENOSPC' || e.code === 'EDQUOT'))) throw e;
    // No copy yet (nothing to overwrite) or another failure: the disk's answer is the one to report.
    await overwrite(path, text).catch(() => Promise.reject(e));
  }
}

async function overwrite(path: string, text: string): Promise<void> {
  const file = await open(path, 'r+');
  try {
    await file.write(text, 0, 'utf8');
    await file.truncate(Buffer.byteLength(text));
    await file.sync();
  } finally {
    await file.close();
  }
}

/** What one copy of the record holds. */
type BdSeqRecord =
  | { readonly kind: 'value'; readonly bdSeq: number }
  | { readonly kind: 'missing' }
  | { readonly kind: 'damaged'; readonly reason: string; readonly content?: string };

async function readRecord(path: string): Promise<BdSeqRecord> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if (e instanceof Error && 'code' in e && e.code === 'ENOENT') return { kind: 'missing' };
    return { kind: 'damaged', reason: `unreadable: ${e instanceof Error ? e.message : String(e)}` };
  }
  const value = parseBdSeq(text);
  return value === undefined ? { kind: 'damaged', reason: 'corrupt', content: text.slice(0, 200) } : { kind: 'value', bdSeq: value };
}

/** The value to continue from, saying in one log line what was damaged and what is done about it. */
function pickLast(
  main: BdSeqRecord,
  backup: BdSeqRecord,
  path: string,
  backupPath: string,
  logger: StoreLogger | undefined,
): number | undefined {
  if (main.kind === 'value' && backup.kind === 'value') return ahead(main.bdSeq, backup.bdSeq);
  if (main.kind === 'value') {
    // A missing backup is an older install's layout (or a fresh one's first write): nothing to say.
    if (backup.kind === 'damaged') logger?.warn({ path: backupPath, reason: backup.reason, content: backup.content, bdSeq: main.bdSeq }, `bdSeq backup ${backup.reason}; continuing from ${path}`);
    return main.bdSeq;
  }
  if (backup.kind === 'value') {
    if (main.kind === 'damaged') logger?.warn({ path, reason: main.reason, content: main.content, backup: backupPath, bdSeq: backup.bdSeq }, `bdSeq file ${main.reason}; continuing from its backup ${backupPath}`);
    else logger?.warn({ path, backup: backupPath, bdSeq: backup.bdSeq }, `bdSeq file missing; continuing from its backup ${backupPath}`);
    return backup.bdSeq;
  }
  if (main.kind === 'missing' && backup.kind === 'missing') return undefined;
  logger?.error(
    { path, reason: main.kind === 'damaged' ? main.reason : 'missing', content: main.kind === 'damaged' ? main.content : undefined, backup: backupPath, backupReason: backup.kind === 'damaged' ? backup.reason : 'missing' },
    'bdSeq file and its backup both unusable; starting again at bdSeq 0: hosts may see a bdSeq this edge node already used',
  );
  return undefined;
}

/** Of two values at most a step apart (mod 256), the later one. */
function ahead(a: number, b: number): number {
  return (a - b + 256) % 256 < 128 ? a : b;
}

function parseBdSeq(text: string): number | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || !('bdSeq' in parsed)) return undefined;
  const value = parsed.bdSeq;
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 255 ? value : undefined;
}
