/**
 * The on-disk spool: blocks the database has not taken yet, in order, in a SQLite file under the
 * host's storeDir. Consecutive blocks are kept as one chunk (a `copy` chunk is their COPY text as
 * it will be sent, a `keyed` chunk JSON), one insert per append, so a host whose database fell
 * behind can spool and drain at the rate values arrive. Blocks keep the order number they got when
 * recorded, so a batch that failed after newer ones were spooled still drains before them.
 * Copy text names metrics by the ids of one database (`identity`); the spool keeps those ids'
 * metrics so its rows can be re-keyed should they meet another (a schema created anew).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Block, CopyBlock, KeyedBlock, MetricKey } from './blocks.js';
import { upgradeLegacySpool } from './spool-legacy.js';

/** A chunk as read back: one block, the order number of its last block and the bytes it counts for. */
export interface Spooled {
  readonly block: Block;
  readonly last: number;
  readonly size: number;
}

/** Rows per chunk at most: a drain reads whole chunks, so this bounds how far a batch overshoots. */
const CHUNK_ROWS = 5000;

interface ChunkRow {
  first: number;
  last: number;
  n: number;
  kind: string;
  days: string;
  oldest: number | null;
  body: Buffer;
}

export class Spool {
  private readonly db: Database.Database;
  private readonly insert: Database.Statement<[number, number, number, string, string, number | null, Buffer]>;
  private readonly head: Database.Statement<[number], ChunkRow>;
  private readonly remove: Database.Statement<[number]>;
  private readonly appendMany: (blocks: readonly Block[]) => number;
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
    // first/last: order numbers of the chunk's first and last block; days: JSON array; oldest: of its live rows.
    this.db.exec(`CREATE TABLE IF NOT EXISTS blocks (first INTEGER PRIMARY KEY, last INTEGER NOT NULL, n INTEGER NOT NULL,
      kind TEXT NOT NULL, days TEXT NOT NULL, oldest REAL, body BLOB NOT NULL);
      CREATE TABLE IF NOT EXISTS ids (id INTEGER PRIMARY KEY, key TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)`);
    this.insert = this.db.prepare('INSERT OR REPLACE INTO blocks (first, last, n, kind, days, oldest, body) VALUES (?, ?, ?, ?, ?, ?, ?)');
    this.appendMany = this.db.transaction((blocks: readonly Block[]) => {
      let bytes = 0;
      for (const part of chunksOf(blocks)) {
        const c = merge(part);
        const body = c.kind === 'copy' ? c.body : Buffer.from(JSON.stringify({ keys: c.keys, tails: c.tails }), 'utf8');
        const last = part[part.length - 1]?.ord ?? c.ord;
        this.insert.run(c.ord, last, c.rows, c.kind, JSON.stringify(c.days), Number.isFinite(c.oldestLive) ? c.oldestLive : null, body);
        bytes += body.length;
      }
      return bytes;
    });
    upgradeLegacySpool(this.db, (blocks) => this.appendMany(blocks));
    this.head = this.db.prepare('SELECT first, last, n, kind, days, oldest, body FROM blocks ORDER BY first LIMIT ?');
    this.remove = this.db.prepare('DELETE FROM blocks WHERE first <= ?');
    const t = this.db.prepare('SELECT coalesce(sum(n), 0) AS n, coalesce(sum(length(body)), 0) AS b, coalesce(max(last), -1) AS m FROM blocks').get() as {
      n: number;
      b: number;
      m: number;
    };
    this.rows = t.n;
    this.bytes = t.b;
    this.nextOrd = t.m + 1;
  }

  append(blocks: readonly Block[]): void {
    if (blocks.length === 0) return;
    this.bytes += this.appendMany(blocks);
    for (const b of blocks) this.rows += b.rows;
  }

  /** The oldest chunks, in order: whole chunks, at least `n` rows when the spool has them. */
  peek(n: number): Spooled[] {
    const out: Spooled[] = [];
    let rows = 0;
    // Chunks hold at most CHUNK_ROWS rows but may hold as few as one: read more until n rows.
    let offset = 0;
    for (let limit = Math.max(1, Math.ceil(n / CHUNK_ROWS)); rows < n; limit *= 2) {
      const chunks = this.head.all(offset + limit).slice(offset);
      if (chunks.length === 0) break;
      offset += chunks.length;
      for (const c of chunks) {
        out.push({ block: blockOf(c), last: c.last, size: c.body.length });
        rows += c.n;
        if (rows >= n) break;
      }
    }
    return out;
  }

  /** Removes the chunks read by `peek` (those of a committed batch), with their counted bytes. */
  ack(items: readonly Spooled[]): void {
    const last = items[items.length - 1];
    if (last === undefined) return;
    this.remove.run(last.block.ord);
    for (const q of items) {
      this.rows = Math.max(0, this.rows - q.block.rows);
      this.bytes = Math.max(0, this.bytes - q.size);
    }
  }

  /**
   * Makes the spool's copy text valid for the database `identity`: when it was written for another,
   * its lines go back to keyed (by the metrics the spool kept for their ids). Returns the rows whose
   * metric the spool did not know (dropped; the caller counts and logs them).
   */
  adopt(identity: string): number {
    const was = (this.db.prepare("SELECT value FROM meta WHERE name = 'identity'").get() as { value: string } | undefined)?.value;
    if (was === identity) return 0;
    let dropped = 0;
    this.db.transaction(() => {
      if (was !== undefined) dropped = this.rekey();
      this.db.prepare('DELETE FROM ids').run();
      this.db.prepare("INSERT OR REPLACE INTO meta (name, value) VALUES ('identity', ?)").run(identity);
    })();
    return dropped;
  }

  /** Ids the database gave in this run, kept while rows may name them. */
  rememberIds(entries: readonly (readonly [number, MetricKey])[]): void {
    if (entries.length === 0) return;
    const put = this.db.prepare('INSERT OR REPLACE INTO ids (id, key) VALUES (?, ?)');
    this.db.transaction(() => {
      for (const [id, key] of entries) put.run(id, JSON.stringify(key));
    })();
  }

  close(): void {
    this.db.close();
  }

  private rekey(): number {
    const keys = new Map<number, MetricKey>();
    for (const r of this.db.prepare('SELECT id, key FROM ids').all() as { id: number; key: string }[]) keys.set(r.id, JSON.parse(r.key) as MetricKey);
    // One chunk in memory at a time: a spool may be far larger than the host's heap.
    const firsts = (this.db.prepare("SELECT first FROM blocks WHERE kind = 'copy' ORDER BY first").all() as { first: number }[]).map((r) => r.first);
    const read = this.db.prepare('SELECT first, n, body FROM blocks WHERE first = ?');
    const update = this.db.prepare("UPDATE blocks SET kind = 'keyed', n = ?, body = ? WHERE first = ?");
    let dropped = 0;
    for (const first of firsts) {
      const c = read.get(first) as Pick<ChunkRow, 'first' | 'n' | 'body'>;
      const out: { keys: MetricKey[]; tails: string[] } = { keys: [], tails: [] };
      for (const line of c.body.toString('utf8').split('\n')) {
        const tab = line.indexOf('\t');
        if (tab < 0) continue;
        const key = keys.get(Number(line.slice(0, tab)));
        if (key === undefined) {
          dropped++;
          continue;
        }
        out.keys.push(key);
        out.tails.push(line.slice(tab) + '\n');
      }
      const body = Buffer.from(JSON.stringify(out), 'utf8');
      update.run(out.keys.length, body, c.first);
      this.rows -= c.n - out.keys.length;
      this.bytes += body.length - c.body.length;
    }
    return dropped;
  }
}

/** Consecutive blocks of one kind, at most CHUNK_ROWS rows each (a single larger block stays whole). */
function* chunksOf(blocks: readonly Block[]): Generator<Block[]> {
  let part: Block[] = [];
  let rows = 0;
  for (const b of blocks) {
    if (part.length > 0 && (part[0]?.kind !== b.kind || rows + b.rows > CHUNK_ROWS)) {
      yield part;
      part = [];
      rows = 0;
    }
    part.push(b);
    rows += b.rows;
  }
  if (part.length > 0) yield part;
}

/** One block of several consecutive ones of one kind; its order number is the first's. */
function merge(part: readonly Block[]): Block {
  const first = part[0] as Block;
  if (part.length === 1) return first;
  const days = [...new Set(part.flatMap((b) => b.days))];
  const oldestLive = part.reduce((m, b) => Math.min(m, b.oldestLive), Infinity);
  const rows = part.reduce((n, b) => n + b.rows, 0);
  if (first.kind === 'copy') return { kind: 'copy', ord: first.ord, rows, days, oldestLive, body: Buffer.concat(part.map((b) => (b as CopyBlock).body)) };
  const keyed = part as readonly KeyedBlock[];
  return { kind: 'keyed', ord: first.ord, rows, days, oldestLive, keys: keyed.flatMap((b) => b.keys), tails: keyed.flatMap((b) => b.tails) };
}

function blockOf(c: ChunkRow): Block {
  const base = { ord: c.first, rows: c.n, days: JSON.parse(c.days) as number[], oldestLive: c.oldest ?? Infinity };
  if (c.kind === 'copy') return { kind: 'copy', ...base, body: c.body };
  const k = JSON.parse(c.body.toString('utf8')) as { keys: MetricKey[]; tails: string[] };
  return { kind: 'keyed', ...base, keys: k.keys, tails: k.tails };
}
