/**
 * Idempotency keys for POST /api/write: the first answer to a key is kept (SQLite, so it outlives a
 * host restart) and a retry with the same key gets that answer back without acting again.
 *
 * Only answers of requests that acted are kept: a refused request (nothing was sent) can be retried
 * with the same key. A key is recorded as pending before its request acts: after a crash between
 * sending a command and recording its answer, a retry learns that the outcome is unknown instead of
 * acting a second time.
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
  | { readonly kind: 'mismatch' }
  /** The host stopped while the first request with this key was acting: it may or may not have acted. */
  | { readonly kind: 'interrupted' };

/** `status` of a key whose request was acting (no answer yet); a real HTTP status is never 0. */
const PENDING = 0;

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
  private readonly forget;
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
    this.forget = db.prepare<[string]>('DELETE FROM answers WHERE key = ?');
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
   * mismatch. If `act` throws nothing is kept and the error propagates (to every waiter). A key left
   * pending by a process that stopped while acting is `interrupted`.
   */
  async run(key: string, fingerprint: string, act: () => Promise<StoredAnswer>): Promise<KeyedOutcome> {
    const pending = this.inFlight.get(key);
    if (pending !== undefined) {
      return pending.fingerprint === fingerprint ? { kind: 'replayed', answer: await pending.answer } : { kind: 'mismatch' };
    }
    const now = this.now();
    const row = this.select.get(key, now - this.windowMs);
    if (row !== undefined) {
      if (row.fingerprint !== fingerprint) return { kind: 'mismatch' };
      if (row.status === PENDING) return { kind: 'interrupted' };
      return { kind: 'replayed', answer: { status: row.status, body: JSON.parse(row.body) as unknown } };
    }
    const recorded = this.record(key, fingerprint, PENDING, null, now);
    const answer = act();
    this.inFlight.set(key, { fingerprint, answer });
    try {
      let a: StoredAnswer;
      try {
        a = await answer;
      } catch (e) {
        if (recorded) this.forget.run(key); // nothing was sent: the key may be used again
        throw e;
      }
      this.expire.run(now - this.windowMs);
      this.record(key, fingerprint, a.status, a.body, this.now());
      return { kind: 'first', answer: a };
    } finally {
      this.inFlight.delete(key);
    }
  }

  /** false when the store could not write: the request still acts, since answering matters more than remembering. */
  private record(key: string, fingerprint: string, status: number, body: unknown, at: number): boolean {
    try {
      this.insert.run(key, fingerprint, status, JSON.stringify(body), at);
      return true;
    } catch (err) {
      this.log?.error({ err, key }, 'idempotency key not recorded; a retry with it would act again');
      return false;
    }
  }

  close(): void {
    this.db.close();
  }
}
