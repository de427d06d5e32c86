/**
 * A damaged queue file (truncated, overwritten, not SQLite at all) must not keep the edge node
 * offline, nor be deleted: it is moved aside for a person to look at, a new queue is started, and
 * the records that can still be read from the damaged copy are carried over.
 */
import { access, rename } from 'node:fs/promises';
import Database from 'better-sqlite3';
import { ForwardDb, type SizedRecord } from './forward-db.js';
import type { StoreLogger } from './logger.js';

/** SQLite's result codes for a file that is not (or no longer) a sound database. */
const DAMAGED = new Set(['SQLITE_CORRUPT', 'SQLITE_NOTADB']);

/** Opens the queue in `file`; if it is damaged, moves it aside, salvages it and starts anew. */
export async function openOrSalvage(file: string, logger: StoreLogger | undefined): Promise<ForwardDb> {
  try {
    return ForwardDb.open(file);
  } catch (e) {
    if (!isDamaged(e)) throw e;
    const movedTo = `${file}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    await moveAside(file, movedTo);
    const db = ForwardDb.open(file);
    const salvaged = salvage(movedTo);
    try {
      // One transaction, no bounds here: the queue's own limits trim it right after.
      db.write(salvaged, { maxBytes: Number.POSITIVE_INFINITY, maxRecords: Number.POSITIVE_INFINITY });
    } catch (writeError) {
      db.close();
      throw writeError;
    }
    logger?.error(
      { err: e, file, movedTo, salvaged: salvaged.length },
      `store-and-forward queue file is damaged: moved aside to ${movedTo}, started a new queue with the ${salvaged.length} record(s) still readable`,
    );
    return db;
  }
}

function isDamaged(e: unknown): boolean {
  const cause = e instanceof Error ? e.cause : undefined;
  const code = cause instanceof Error && 'code' in cause && typeof cause.code === 'string' ? cause.code : '';
  // Extended codes (SQLITE_CORRUPT_INDEX, ...) name their primary code first.
  return [...DAMAGED].some((d) => code === d || code.startsWith(`${d}_`));
}

/** Renames the file and its WAL and shared-memory companions, so the moved copy stays whole. */
async function moveAside(file: string, to: string): Promise<void> {
  for (const suffix of ['-wal', '-shm', '']) {
    const from = `${file}${suffix}`;
    const exists = await access(from).then(
      () => true,
      () => false,
    );
    if (exists) await rename(from, `${to}${suffix}`);
  }
}

type Row = SizedRecord & { readonly id: number };

/**
 * Every record still readable, oldest first. Reading in id order stops at the first damaged page,
 * so the table is also read from the newest end: together they recover all but the damaged middle.
 */
function salvage(file: string): SizedRecord[] {
  let db: Database.Database;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    // A file shorter than its header says is refused as corrupt unless writable_schema is on (a
    // connection flag better-sqlite3 only lets through in unsafe mode); the connection is read-only.
    db.unsafeMode(true);
    db.pragma('writable_schema = ON');
  } catch {
    return [];
  }
  const rows = new Map<number, Row>();
  try {
    for (const order of ['ASC', 'DESC']) {
      try {
        const select = db.prepare<[], Row>(`SELECT id, scope, ts AS timestamp, data, size FROM records ORDER BY id ${order}`);
        for (const row of select.iterate()) {
          if (rows.has(row.id)) break; // the two directions met: everything is read
          if (isRecord(row)) rows.set(row.id, row);
        }
      } catch {
        // Damaged from here on (or no readable schema at all): keep what was read.
      }
    }
  } finally {
    db.close();
  }
  return [...rows.values()].sort((a, b) => a.id - b.id).map(({ scope, timestamp, data, size }) => ({ scope, timestamp, data, size }));
}

/** A damaged page can still decode into a row of the wrong shape: only whole records are kept. */
function isRecord(row: Row): boolean {
  return typeof row.scope === 'string' && Number.isSafeInteger(row.timestamp) && row.data instanceof Uint8Array && Number.isSafeInteger(row.size);
}
