/**
 * Idempotency keys for POST /api/write: the first answer to a key is kept (SQLite, so it outlives a
 * host restart) and a retry with the same key gets that answer back without acting again.
 *
 * Only answers of requests that acted are kept: a refused request (nothing was sent) can be retried
 * with the same key. A crash between sending a command and recording its answer loses the record;
 * the retry then acts again.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Logger } from 'pino';
import { storeError } from '../store/errors.js';

/** File name of the key store inside the host's storeDir. */
export const IDEMPOTENCY_FILE = 'idempotency.sqlite';

export interface StoredAnswer {
  readonly status: number;
  readonly body: unknown;
}

export type KeyedOutcome =
  | { readonly kind: 'first' | 'replayed'; readonly answer: StoredAnswer }
  /** The key was used before for a different request. */
  | { readonly kind: 'mismatch' };

export interface IdempotencyOptions {
  /** How long a key is remembered, ms. */
  readonly windowMs: number;
  readonly now?: (() => number) | undefined;
  readonly logger?: Logger | undefined;
}

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS answers (
    key         TEXT    PRIMARY KEY,
    fingerprint TEXT    NOT NULL,
    status      INTEGER NOT NULL,
    body        TEXT    NOT NULL,
    at          INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS answers_at ON answers (at);
`;

interface Row {
  readonly fingerprint: string;
  readonly status: number;
  readonly body: string;
}

interface InFlight {
  readonly fingerprint: string;
  readonly answer: Promise<StoredAnswer>;
}

export class IdempotencyStore {
  private readonly select;
  private readonly insert;
  private readonly expire;
  /** Requests still acting: a concurrent retry waits for the first one's answer. */
  private readonly inFlight = new Map<string, InFlight>();
  private readonly now: () => number;

  private constructor(
    private readonly db: Database.Database,
    private readonly windowMs: number,
    now: (() => number) | undefined,
    private readonly log: Logger | undefined,
  ) {
    this.now = now ?? Date.now;
    this.select = db.prepare<[string, number], Row>('SELECT fingerprint, status, body FROM answers WHERE key = ? AND at > ?');
    this.insert = db.prepare<[string, string, number, string, number]>(
      'INSERT OR REPLACE INTO answers (key, fingerprint, status, body, at) VALUES (?, ?, ?, ?, ?)',
    );
    this.expire = db.prepare<[number]>('DELETE FROM answers WHERE at <= ?');
  }

  /**
   * `<dir>/idempotency.sqlite`, or a store in memory when `dir` is undefined (embedding, tests).
   * synchronous=FULL: an answer is on disk before it is given, since a retry after a power loss
   * must not move the machine again.
   */
  static open(dir: string | undefined, options: IdempotencyOptions): IdempotencyStore {
    let db: Database.Database | undefined;
    try {
      if (dir !== undefined) mkdirSync(dir, { recursive: true });
      db = new Database(dir === undefined ? ':memory:' : join(dir, IDEMPOTENCY_FILE));
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.exec(SCHEMA);
      return new IdempotencyStore(db, options.windowMs, options.now, options.logger);
    } catch (e) {
      db?.close();
      throw storeError(`cannot open the idempotency key store in ${dir ?? 'memory'}`, e);
    }
  }

  /**
   * Acts once per key: the first request with `key` runs `act` and its answer is kept; a later or
   * concurrent one with the same fingerprint gets that answer; one with another fingerprint is a
   * mismatch. If `act` throws nothing is kept and the error propagates (to every waiter).
   */
  async run(key: string, fingerprint: string, act: () => Promise<StoredAnswer>): Promise<KeyedOutcome> {
    const pending = this.inFlight.get(key);
    if (pending !== undefined) {
      return pending.fingerprint === fingerprint ? { kind: 'replayed', answer: await pending.answer } : { kind: 'mismatch' };
    }
    const now = this.now();
    const row = this.select.get(key, now - this.windowMs);
    if (row !== undefined) {
      return row.fingerprint === fingerprint ? { kind: 'replayed', answer: { status: row.status, body: JSON.parse(row.body) as unknown } } : { kind: 'mismatch' };
    }
    const answer = act();
    this.inFlight.set(key, { fingerprint, answer });
    try {
      const a = await answer;
      try {
        this.expire.run(now - this.windowMs);
        this.insert.run(key, fingerprint, a.status, JSON.stringify(a.body), this.now());
      } catch (err) {
        // The command went out: answering it matters more than remembering it.
        this.log?.error({ err, key }, 'idempotency key not recorded; a retry with it would act again');
      }
      return { kind: 'first', answer: a };
    } finally {
      this.inFlight.delete(key);
    }
  }

  close(): void {
    this.db.close();
  }
}
