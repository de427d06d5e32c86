/**
 * The on-disk spool: sample rows the database has not taken yet, in arrival order, in a SQLite file
 * under the host's storeDir. Rows keep the order number they got when recorded, so a batch that
 * failed after newer rows were spooled still drains before them. Rows are kept in chunks, one
 * SQLite row (a JSON array) per append: one stringify and one insert per chunk, not per value, so
 * a host whose database fell behind can still spool and drain at the rate values arrive.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { SampleRow } from './types.js';

export interface Queued {
  readonly ord: number;
  readonly row: SampleRow;
}

/** A spooled row as read back, with the bytes it counts for (a chunk's bytes count on its first row). */
export interface Spooled extends Queued {
  readonly size: number;
}

/** Rows per chunk at most: a drain reads whole chunks, so this bounds how far a batch overshoots. */
const CHUNK_ROWS = 5000;

interface ChunkRow {
  first: number;
  rows: string;
}

export class Spool {
  private readonly db: Database.Database;
  private readonly insert: Database.Statement<[number, number, number, string]>;
  private readonly head: Database.Statement<[number], ChunkRow>;
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
    // first/last: the order numbers of the chunk's first and last row; rows: their JSON array.
    this.db.exec('CREATE TABLE IF NOT EXISTS chunks (first INTEGER PRIMARY KEY, last INTEGER NOT NULL, n INTEGER NOT NULL, rows TEXT NOT NULL)');
    this.insert = this.db.prepare('INSERT OR REPLACE INTO chunks (first, last, n, rows) VALUES (?, ?, ?, ?)');
    this.appendMany = this.db.transaction((items: readonly Queued[]) => {
      let bytes = 0;
      for (let i = 0; i < items.length; i += CHUNK_ROWS) {
        const part = items.slice(i, i + CHUNK_ROWS);
        const text = JSON.stringify(part.map((q) => [q.ord, q.row]));
        this.insert.run(part[0]?.ord ?? 0, part[part.length - 1]?.ord ?? 0, part.length, text);
        bytes += text.length;
      }
      return bytes;
    });
    this.upgrade();
    this.head = this.db.prepare('SELECT first, rows FROM chunks ORDER BY first LIMIT ?');
    this.remove = this.db.prepare('DELETE FROM chunks WHERE first <= ?');
    const t = this.db.prepare('SELECT coalesce(sum(n), 0) AS n, coalesce(sum(length(rows)), 0) AS b, coalesce(max(last), -1) AS m FROM chunks').get() as {
      n: number;
      b: number;
      m: number;
    };
    this.rows = t.n;
    this.bytes = t.b;
    this.nextOrd = t.m + 1;
  }

  /** A spool written by the first release (one SQLite row per value) moves into chunks once. */
  private upgrade(): void {
    const old = this.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'rows'").get();
    if (old === undefined) return;
    const all = this.db.prepare('SELECT ord, row FROM rows ORDER BY ord').all() as { ord: number; row: string }[];
    this.db.transaction(() => {
      this.appendMany(all.map((r) => ({ ord: r.ord, row: JSON.parse(r.row) as SampleRow })));
      this.db.exec('DROP TABLE rows');
    })();
  }

  append(items: readonly Queued[]): void {
    if (items.length === 0) return;
    this.bytes += this.appendMany(items);
    this.rows += items.length;
  }

  /** The oldest rows, in order: whole chunks, at least `n` rows when the spool has them. */
  peek(n: number): Spooled[] {
    const out: Spooled[] = [];
    // Chunks hold at most CHUNK_ROWS rows but may hold as few as one: read more until n rows.
    let offset = 0;
    for (let limit = Math.max(1, Math.ceil(n / CHUNK_ROWS)); out.length < n; limit *= 2) {
      const chunks = this.head.all(offset + limit).slice(offset);
      if (chunks.length === 0) break;
      offset += chunks.length;
      for (const c of chunks) {
        const parsed = JSON.parse(c.rows) as [number, SampleRow][];
        parsed.forEach(([ord, row], i) => out.push({ ord, row, size: i === 0 ? c.rows.length : 0 }));
        if (out.length >= n) break;
      }
    }
    return out;
  }

  /** Removes the chunks read by `peek` (those of a committed batch), with their counted bytes. */
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
