import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic-file.js';
import { storeError } from './errors.js';
import type { StoreLogger } from './logger.js';

/** File name of the bdSeq record inside the store directory. */
export const BDSEQ_FILE = 'bdseq.json';

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
 * A corrupt or unreadable file does not stop the edge: it logs a warning and starts again at 0,
 * as a fresh install would. Refusing to start would keep the whole edge node offline until someone
 * deletes the file; restarting at 0 only costs bdSeq continuity across that one restart, while
 * every session stays self-consistent (its Will and NBIRTH carry the same bdSeq).
 */
export class BdSeqStore {
  /** Serialises `next()` so concurrent callers get distinct, consecutive values. */
  private tail: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly path: string,
    private last: number | undefined,
  ) {}

  /** Opens (creating `dir` if needed) the bdSeq record in `dir`. */
  static async open(dir: string, options: BdSeqStoreOptions = {}): Promise<BdSeqStore> {
    try {
      await mkdir(dir, { recursive: true });
    } catch (e) {
      throw storeError(`cannot create bdSeq directory ${dir}`, e);
    }
    const path = join(dir, BDSEQ_FILE);
    return new BdSeqStore(path, await readLast(path, options.logger));
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
    try {
      await writeFileAtomic(this.path, `${JSON.stringify(content)}\n`);
    } catch (e) {
      // `last` stays as it was: the value was never handed out, so the next call may retry it.
      throw storeError(`cannot persist bdSeq to ${this.path}`, e);
    }
    this.last = value;
    return value;
  }
}

async function readLast(path: string, logger: StoreLogger | undefined): Promise<number | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if (e instanceof Error && 'code' in e && e.code === 'ENOENT') return undefined;
    logger?.warn({ err: e, path }, 'bdSeq file unreadable; starting again at bdSeq 0');
    return undefined;
  }
  const value = parseBdSeq(text);
  if (value === undefined) {
    logger?.warn({ path, content: text.slice(0, 200) }, 'bdSeq file corrupt; starting again at bdSeq 0');
  }
  return value;
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
