/**
 * The on-disk spool: sample rows the database has not taken yet, in arrival order, in a SQLite file
 * under the host's storeDir. Rows keep the order number they got when recorded, so a batch that
 * failed after newer rows were spooled still drains before them.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { SampleRow } from './types.js';

export interface Queued {
  readonly ord: number;
  readonly row: SampleRow;
}

/** A spooled row as read back, with the bytes it counts for. */
export interface Spooled extends Queued {
  readonly size: number;
}

export class Spool {
  private readonly db: Database.Database;
  private readonly insert: Database.Statement<[number, string]>;
  private readonly head: Database.Statement<[number], { ord: number; row: string }>;
  private readonly remove: Database.Statement<[number]>;
  private readonly appendMany: (items: readonly Queued[]) => number;
  rows: number;
  bytes: number;
  /** The order number after the largest one spooled (0 when empty). */
  readonly nextOrd: number;

  constructor(dir: string) {
    mkdirSync(dir, { recursive: true });
    this.db = new Database(join(dir, 'historian-spool.sqlite'));
    this.db.pragma('journal_mode = WAL');
    // A crash of the machine may lose the last moments, never corrupt the file; a crash of the process loses nothing.
    this.db.pragma('synchronous = NORMAL');
    this.db.exec('CREATE TABLE IF NOT EXISTS rows (ord INTEGER PRIMARY KEY, row TEXT NOT NULL)');
    this.insert = this.db.prepare('INSERT OR REPLACE INTO rows (ord, row) VALUES (?, ?)');
    this.head = this.db.prepare('SELECT ord, row FROM rows ORDER BY ord LIMIT ?');
    this.remove = this.db.prepare('DELETE FROM rows WHERE ord <= ?');
    const t = this.db.prepare('SELECT count(*) AS n, coalesce(sum(length(row)), 0) AS b, coalesce(max(ord), -1) AS m FROM rows').get() as {
      n: number;
      b: number;
      m: number;
    };
    this.rows = t.n;
    this.bytes = t.b;
    this.nextOrd = t.m + 1;
    this.appendMany = this.db.transaction((items: readonly Queued[]) => {
      let bytes = 0;
      for (const q of items) {
        const text = JSON.stringify(q.row);
        this.insert.run(q.ord, text);
        bytes += text.length;
      }
      return bytes;
    });
  }

  append(items: readonly Queued[]): void {
    if (items.length === 0) return;
    this.bytes += this.appendMany(items);
    this.rows += items.length;
  }

  /** The oldest `n` rows, in order. */
  peek(n: number): Spooled[] {
    return this.head.all(n).map((r) => ({ ord: r.ord, row: JSON.parse(r.row) as SampleRow, size: r.row.length }));
  }

  /** Removes the rows up to `ord` (those of a committed batch), with their counted bytes. */
  ack(items: readonly Spooled[]): void {
    const last = items[items.length - 1];
    if (last === undefined) return;
    let bytes = 0;
    for (const q of items) bytes += q.size;
    this.remove.run(last.ord);
    this.rows = Math.max(0, this.rows - items.length);
    this.bytes = Math.max(0, this.bytes - bytes);
  }

  close(): void {
    this.db.close();
  }
}
