import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCodes, SparkplugError } from '../errors.js';
import { storeError } from './errors.js';
import {
  ForwardDb,
  recordSize,
  type ForwardRecord,
  type Limits,
  type SizedRecord,
  type StoredRecord,
} from './forward-db.js';
import type { StoreLogger } from './logger.js';
import { openOrSalvage } from './forward-salvage.js';

/** File name of the queue database inside its directory (plus `-wal` and `-shm` beside it). */
export const FORWARD_FILE = 'forward.sqlite';

export interface ForwardQueueOptions {
  /** Directory for `forward.sqlite`; created if missing. One queue (one process) per directory. */
  readonly dir: string;
  /** Bound on stored bytes (data + scope of every record); default 256 MiB. */
  readonly maxBytes?: number | undefined;
  /** Bound on the number of stored records; default unbounded (only `maxBytes` applies). */
  readonly maxRecords?: number | undefined;
  /** Appends are written at most this long after they were made; 0 writes each append at once. Default 250. */
  readonly flushIntervalMs?: number | undefined;
  /** Appends are written as soon as this many are pending; default 500. */
  readonly flushBatch?: number | undefined;
  /**
   * While the file cannot be written (disk full, I/O errors), up to this many records wait in
   * memory for the next successful write; appends beyond are refused and counted. Default 10,000.
   * (The batch whose write failed stays in memory too, even if it is larger.)
   */
  readonly maxPending?: number | undefined;
  readonly logger?: StoreLogger | undefined;
}

export interface ForwardQueueStats {
  /** Records in the queue, including those not yet flushed. */
  readonly records: number;
  /** Accounted bytes of those records (see `maxBytes`). */
  readonly bytes: number;
  /** Records dropped by the bounds since the queue file was created (survives restarts). */
  readonly dropped: number;
  /** Records refused by `append` since this process opened the queue, because the file could not be written. */
  readonly unstored: number;
  /** True while the last write to the file failed. */
  readonly failing: boolean;
}

const DEFAULTS = { maxBytes: 256 * 1024 * 1024, flushIntervalMs: 250, flushBatch: 500, maxPending: 10_000 } as const;

/** While writes fail, they are retried at most this often. */
const MIN_RETRY_MS = 1000;

/** The current write failure: since when, and how many appends it has cost so far. */
interface WriteFailure {
  readonly since: number;
  unstored: number;
}

/**
 * Store-and-forward queue: while the broker or the primary host is away, the edge appends each
 * metric change here; after re-birth it replays them oldest first (`peek`) and deletes what was
 * published (`ack`).
 *
 * Durability: appends are buffered and written in one transaction per batch, every
 * `flushIntervalMs` or once `flushBatch` are pending. A killed process loses only the records not
 * yet flushed: fewer than `flushBatch`, none older than `flushIntervalMs`. A power loss may also
 * lose the last flushed batches (see `ForwardDb.open`). One transaction per batch is what makes
 * appends fast (100,000 appends: ~0.5 s batched, ~8 s write-through with `flushIntervalMs: 0`). Replay is at-least-once: records are deleted only by `ack`, so a crash
 * between publishing and `ack` re-sends that batch after the restart.
 *
 * Bounds: past `maxBytes` or `maxRecords` the OLDEST records are dropped: during a long outage the
 * newest values are what an operator needs, and a stale gap is better than a missing present. Drops
 * are counted in `stats().dropped` (persisted) and logged as a warning once per outage (until the
 * queue has been drained again).
 *
 * Write failures (disk full, I/O errors) never throw from `append`, `flush`, `peek` or `close`: the
 * first one is logged as ONE error line, the records stay pending in memory (up to `maxPending`;
 * further appends are refused, return false and are counted in `stats().unstored`) and the write is
 * retried on a timer; the first write that succeeds again logs what the failure cost. What was
 * already in the file stays there and is replayed as usual: an `ack` whose delete fails is
 * remembered, so `peek` never hands those records out again, and the delete is retried with the
 * writes (only a restart before it succeeds re-sends them). Records still pending when the queue
 * is closed during a failure are lost, and logged as such.
 */
export class ForwardQueue {
  private pending: SizedRecord[] = [];
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private warnedDropping = false;
  private failure: WriteFailure | undefined;
  private unstoredTotal = 0;
  /** Highest id acked; above `deletedUpTo` while a full disk refuses the delete (retried with the writes). */
  private ackedUpTo = 0;
  private deletedUpTo = 0;

  private constructor(
    private readonly db: ForwardDb,
    private readonly file: string,
    private readonly limits: Limits,
    private readonly flushIntervalMs: number,
    private readonly flushBatch: number,
    private readonly maxPending: number,
    private readonly logger: StoreLogger | undefined,
  ) {}

  static async open(options: ForwardQueueOptions): Promise<ForwardQueue> {
    const limits: Limits = {
      maxBytes: checkPositive('maxBytes', options.maxBytes ?? DEFAULTS.maxBytes),
      maxRecords: checkPositive('maxRecords', options.maxRecords ?? Number.POSITIVE_INFINITY),
    };
    const flushIntervalMs = options.flushIntervalMs ?? DEFAULTS.flushIntervalMs;
    if (!Number.isInteger(flushIntervalMs) || flushIntervalMs < 0 || flushIntervalMs > 2 ** 31 - 1) {
      throw configError('flushIntervalMs', flushIntervalMs);
    }
    const flushBatch = options.flushBatch ?? DEFAULTS.flushBatch;
    if (!Number.isInteger(flushBatch) || flushBatch < 1) throw configError('flushBatch', flushBatch);
    const maxPending = options.maxPending ?? DEFAULTS.maxPending;
    if (!Number.isInteger(maxPending) || maxPending < 1) throw configError('maxPending', maxPending);
    try {
      await mkdir(options.dir, { recursive: true });
    } catch (e) {
      throw storeError(`cannot create store-and-forward directory ${options.dir}`, e);
    }
    const file = join(options.dir, FORWARD_FILE);
    const db = await openOrSalvage(file, options.logger);
    const queue = new ForwardQueue(db, file, limits, flushIntervalMs, flushBatch, maxPending, options.logger);
    try {
      // The limits may be smaller than when the file was written.
      queue.reportDropped(db.trim(limits));
    } catch (e) {
      db.close();
      throw e;
    }
    return queue;
  }

  /**
   * Queues a record; it is durable after the next flush (see the class comment). Returns false when
   * the record was refused: the file cannot be written and `maxPending` records already wait.
   */
  append(record: ForwardRecord): boolean {
    this.assertOpen('append');
    if (this.failure !== undefined && this.pending.length >= this.maxPending) {
      this.failure.unstored += 1;
      this.unstoredTotal += 1;
      return false;
    }
    // Copied because it may wait in memory, and callers may reuse their encode buffers.
    const data = new Uint8Array(record.data);
    this.pending.push({ scope: record.scope, timestamp: record.timestamp, data, size: recordSize(record) });
    // While failing, only the retry timer writes: one attempt per interval, not one per append.
    if (this.failure === undefined && (this.flushIntervalMs === 0 || this.pending.length >= this.flushBatch)) {
      this.tryWrite();
    } else {
      this.armTimer();
    }
    return true;
  }

  /** Writes every pending record now; false if the write failed (they stay pending, see the class comment). */
  flush(): boolean {
    this.assertOpen('flush');
    return this.tryWrite();
  }

  /**
   * The oldest `limit` records, oldest first. Pending ones are written first so order holds; if
   * that fails, what the file holds is still returned (it is all older than what is pending).
   */
  peek(limit: number): StoredRecord[] {
    this.assertOpen('peek');
    if (!Number.isInteger(limit) || limit < 1) throw configError('peek limit', limit);
    this.tryWrite();
    // Acked records whose delete failed are not handed out again.
    return this.db.peek(limit, this.ackedUpTo);
  }

  /** Deletes every record with id <= `uptoId`, once they have been published. */
  ack(uptoId: number): void {
    this.assertOpen('ack');
    this.ackedUpTo = Math.max(this.ackedUpTo, uptoId);
    this.tryWrite();
    // Drained: the outage is over, so the next overflow deserves a new warning.
    if (this.isEmpty()) this.warnedDropping = false;
  }

  isEmpty(): boolean {
    return this.pending.length === 0 && this.db.records === 0;
  }

  stats(): ForwardQueueStats {
    const pendingBytes = this.pending.reduce((sum, r) => sum + r.size, 0);
    return {
      records: this.db.records + this.pending.length,
      bytes: this.db.bytes + pendingBytes,
      dropped: this.db.dropped,
      unstored: this.unstoredTotal,
      failing: this.failure !== undefined,
    };
  }

  /** Flushes and closes; further calls throw. Closing twice is a no-op. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      if (!this.tryWrite()) {
        const lost = this.pending.length;
        this.logger?.error({ file: this.file, lost }, 'store-and-forward queue closed while its file cannot be written: records still in memory are lost');
      }
    } finally {
      clearTimeout(this.timer);
      this.db.close();
    }
  }

  /** Writes what is pending; on failure keeps it pending and says so once per failure. */
  private tryWrite(): boolean {
    try {
      this.writePending();
      // A delete writes too: on a full disk it fails like an append, and is retried the same way.
      if (this.deletedUpTo < this.ackedUpTo) {
        this.db.ack(this.ackedUpTo);
        this.deletedUpTo = this.ackedUpTo;
      }
    } catch (e) {
      this.noteFailure(e);
      return false;
    }
    if (this.failure !== undefined) {
      const { since, unstored } = this.failure;
      this.failure = undefined;
      this.logger?.warn(
        { file: this.file, failedForMs: Date.now() - since, unstored, records: this.db.records },
        `store-and-forward queue writable again; ${unstored} record(s) could not be stored meanwhile`,
      );
    }
    return true;
  }

  private noteFailure(e: unknown): void {
    if (this.failure === undefined) {
      this.failure = { since: Date.now(), unstored: 0 };
      this.logger?.error(
        { err: e, file: this.file, pending: this.pending.length, maxPending: this.maxPending, stored: this.db.records },
        `store-and-forward queue cannot be written (disk full?): keeping up to ${this.maxPending} records in memory and retrying; what does not fit is counted as not stored`,
      );
    } else {
      this.logger?.debug({ err: e, pending: this.pending.length }, 'store-and-forward queue still cannot be written');
    }
    this.armTimer();
  }

  private armTimer(): void {
    const delay = this.failure === undefined ? this.flushIntervalMs : Math.max(this.flushIntervalMs, MIN_RETRY_MS);
    // unref: a pending flush must not keep an otherwise finished process alive; close() flushes.
    this.timer ??= setTimeout(() => this.flushOnTimer(), delay).unref();
  }

  private writePending(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0) return;
    const batch = this.pending;
    // On failure the batch stays pending and is retried by the next flush.
    const dropped = this.db.write(batch, this.limits);
    this.pending = [];
    this.logger?.debug({ flushed: batch.length, stored: this.db.records }, 'store-and-forward flush');
    this.reportDropped(dropped);
  }

  private flushOnTimer(): void {
    this.timer = undefined;
    if (!this.closed) this.tryWrite();
  }

  private reportDropped(count: number): void {
    if (count === 0) return;
    const details = { ...this.stats(), droppedNow: count, ...this.limits };
    if (this.warnedDropping) {
      this.logger?.debug(details, 'store-and-forward queue full: dropped oldest records');
      return;
    }
    this.warnedDropping = true;
    this.logger?.warn(details, 'store-and-forward queue full: dropping the oldest records, keeping the newest');
  }

  private assertOpen(operation: string): void {
    if (this.closed) {
      throw new SparkplugError(ErrorCodes.LIFECYCLE, `store-and-forward queue is closed (${operation})`);
    }
  }
}

function checkPositive(name: string, value: number): number {
  // Written as !(value > 0) so that NaN is rejected too; Infinity means unbounded.
  if (!(value > 0)) throw configError(name, value);
  return value;
}

function configError(name: string, value: number): SparkplugError {
  return new SparkplugError(ErrorCodes.CONFIG, `invalid store-and-forward ${name}: ${value}`);
}
