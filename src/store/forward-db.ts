import Database from 'better-sqlite3';
import { storeError } from './errors.js';

/** One metric change waiting to be replayed. The queue never looks inside `data`. */
export interface ForwardRecord {
  /** '' for the edge node itself, otherwise the device id. */
  readonly scope: string;
  /** UTC milliseconds when the value was sampled. */
  readonly timestamp: number;
  /** An encoded metric, opaque to the queue. */
  readonly data: Uint8Array;
}

/** A record as read back for replay; `id` grows with append order and is what `ack` takes. */
export interface StoredRecord extends ForwardRecord {
  readonly id: number;
}

/** A record ready to be written, with its accounted size (see `recordSize`). */
export interface SizedRecord extends ForwardRecord {
  readonly size: number;
}

export interface Limits {
  readonly maxBytes: number;
  readonly maxRecords: number;
}

/**
 * The size a record counts against `maxBytes`: its data plus its scope. SQLite's own overhead
 * (row headers, b-tree pages, WAL) is not counted: with 24-byte records the file measured about
 * 1.7x the counted bytes. Deleted rows free pages that later appends reuse, so the file stays at
 * its high-water mark rather than shrinking after a replay.
 */
export function recordSize(record: ForwardRecord): number {
  return record.data.byteLength + Buffer.byteLength(record.scope);
}

const SCHEMA_VERSION = 1;

// AUTOINCREMENT (not plain rowid) so ids are never reused, even after the table has been emptied:
// an `ack` for an old id can then never delete records appended later.
const SCHEMA = `
  CREATE TABLE IF NOT EXISTS records (
    id    INTEGER PRIMARY KEY AUTOINCREMENT,
    scope TEXT    NOT NULL,
    ts    INTEGER NOT NULL,
    data  BLOB    NOT NULL,
    size  INTEGER NOT NULL
  );
  CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
  INSERT OR IGNORE INTO counters (name, value) VALUES ('dropped', 0);
  PRAGMA user_version = ${SCHEMA_VERSION};
`;

interface Totals {
  readonly records: number;
  readonly bytes: number;
}

/** What a transaction body reports: the totals after it, and how many records it dropped. */
interface Outcome {
  readonly totals: Totals;
  readonly dropped: number;
}

/**
 * The SQLite side of the store-and-forward queue: schema, prepared statements, and running totals
 * kept in memory so that bounds checks never scan the table. Every write is one transaction, and
 * the totals change only after it committed.
 */
export class ForwardDb {
  private readonly insertRow;
  private readonly oldestSizes;
  private readonly deleteUpTo;
  private readonly totalsUpTo;
  private readonly selectOldest;
  private readonly saveDropped;
  private readonly transaction;
  private totals: Totals;
  private droppedTotal: number;

  private constructor(private readonly db: Database.Database) {
    this.insertRow = db.prepare<[string, number, Uint8Array, number]>(
      'INSERT INTO records (scope, ts, data, size) VALUES (?, ?, ?, ?)',
    );
    this.oldestSizes = db.prepare<[], { id: number; size: number }>('SELECT id, size FROM records ORDER BY id');
    this.deleteUpTo = db.prepare<[number]>('DELETE FROM records WHERE id <= ?');
    this.totalsUpTo = db.prepare<[number], Totals>(
      'SELECT COUNT(*) AS records, COALESCE(SUM(size), 0) AS bytes FROM records WHERE id <= ?',
    );
    this.selectOldest = db.prepare<[number, number], { id: number; scope: string; timestamp: number; data: Buffer }>(
      'SELECT id, scope, ts AS timestamp, data FROM records WHERE id > ? ORDER BY id LIMIT ?',
    );
    this.saveDropped = db.prepare<[number]>("UPDATE counters SET value = ? WHERE name = 'dropped'");
    this.transaction = db.transaction((body: () => Outcome) => body());
    this.totals = this.totalsUpTo.get(Number.MAX_SAFE_INTEGER) ?? { records: 0, bytes: 0 };
    this.droppedTotal =
      db.prepare<[], number>("SELECT value FROM counters WHERE name = 'dropped'").pluck().get() ?? 0;
  }

  /**
   * Opens or creates the queue file. WAL with synchronous=NORMAL: a commit is an append to the WAL
   * without fsync, so it survives the process being killed (kill -9, crash, OOM) because the data
   * is already in the OS; only a power loss or kernel crash may lose the last commits (never
   * corrupting the file). FULL would fsync every commit, which costs milliseconds per flush on the
   * SD cards and eMMC of typical edge gateways and wears them out.
   */
  static open(file: string): ForwardDb {
    let db: Database.Database | undefined;
    try {
      db = new Database(file);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      const version = db.pragma('user_version', { simple: true });
      if (typeof version !== 'number' || version > SCHEMA_VERSION) {
        throw new Error(`schema version ${String(version)} is newer than this sparkstate (${SCHEMA_VERSION})`);
      }
      db.exec(SCHEMA);
      return new ForwardDb(db);
    } catch (e) {
      db?.close();
      throw storeError(`cannot open store-and-forward queue ${file}`, e);
    }
  }

  get records(): number {
    return this.totals.records;
  }

  get bytes(): number {
    return this.totals.bytes;
  }

  get dropped(): number {
    return this.droppedTotal;
  }

  /**
   * Appends `batch` and drops the oldest records beyond `limits`, in one transaction; returns how
   * many were dropped.
   */
  write(batch: readonly SizedRecord[], limits: Limits): number {
    return this.run('write to store-and-forward queue', () => {
      let bytes = this.totals.bytes;
      for (const r of batch) {
        this.insertRow.run(r.scope, r.timestamp, r.data, r.size);
        bytes += r.size;
      }
      return this.dropOldest({ records: this.totals.records + batch.length, bytes }, limits);
    });
  }

  /** Drops the oldest records beyond `limits` (used at open, when the limits may have shrunk). */
  trim(limits: Limits): number {
    return this.run('trim store-and-forward queue', () => this.dropOldest(this.totals, limits));
  }

  /** The oldest `limit` records with an id above `afterId`, oldest first. */
  peek(limit: number, afterId = 0): StoredRecord[] {
    try {
      return this.selectOldest.all(afterId, limit);
    } catch (e) {
      throw storeError('cannot read store-and-forward queue', e);
    }
  }

  /** Deletes every record with id <= `uptoId`. */
  ack(uptoId: number): void {
    this.run('ack store-and-forward records', () => {
      const gone = this.totalsUpTo.get(uptoId) ?? { records: 0, bytes: 0 };
      this.deleteUpTo.run(uptoId);
      const totals = { records: this.totals.records - gone.records, bytes: this.totals.bytes - gone.bytes };
      return { totals, dropped: 0 };
    });
  }

  close(): void {
    try {
      this.db.close();
    } catch (e) {
      throw storeError('cannot close store-and-forward queue', e);
    }
  }

  /** Runs `body` in a transaction and adopts its totals only once it has committed. */
  private run(what: string, body: () => Outcome): number {
    let result: Outcome;
    try {
      result = this.transaction(body);
    } catch (e) {
      throw storeError(`cannot ${what}`, e);
    }
    this.totals = result.totals;
    this.droppedTotal += result.dropped;
    return result.dropped;
  }

  /** Inside a transaction: deletes the oldest rows until `totals` fit `limits`. */
  private dropOldest(totals: Totals, limits: Limits): Outcome {
    const excessRecords = totals.records - limits.maxRecords;
    const excessBytes = totals.bytes - limits.maxBytes;
    if (excessRecords <= 0 && excessBytes <= 0) return { totals, dropped: 0 };
    let count = 0;
    let bytes = 0;
    let lastId = 0;
    for (const row of this.oldestSizes.iterate()) {
      if (count >= excessRecords && bytes >= excessBytes) break;
      count += 1;
      bytes += row.size;
      lastId = row.id;
    }
    this.deleteUpTo.run(lastId);
    this.saveDropped.run(this.droppedTotal + count);
    return { totals: { records: totals.records - count, bytes: totals.bytes - bytes }, dropped: count };
  }
}
