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
  readonly logger?: StoreLogger | undefined;
}

export interface ForwardQueueStats {
  /** Records in the queue, including those not yet flushed. */
  readonly records: number;
  /** Accounted bytes of those records (see `maxBytes`). */
  readonly bytes: number;
  /** Records dropped by the bounds since the queue file was created (survives restarts). */
  readonly dropped: number;
}

const DEFAULTS = { maxBytes: 256 * 1024 * 1024, flushIntervalMs: 250, flushBatch: 500 } as const;

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
 * A timer flush that fails is logged and retried on the next append; explicit calls (`append` that
 * fills a batch, `flush`, `peek`, `close`) throw SparkplugError(STORE).
 */
export class ForwardQueue {
  private pending: SizedRecord[] = [];
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private warnedDropping = false;

  private constructor(
    private readonly db: ForwardDb,
    private readonly limits: Limits,
    private readonly flushIntervalMs: number,
    private readonly flushBatch: number,
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
    try {
      await mkdir(options.dir, { recursive: true });
    } catch (e) {
      throw storeError(`cannot create store-and-forward directory ${options.dir}`, e);
    }
    const db = ForwardDb.open(join(options.dir, FORWARD_FILE));
    const queue = new ForwardQueue(db, limits, flushIntervalMs, flushBatch, options.logger);
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
   * Queues a record; it is durable after the next flush (see the class comment). If that flush
   * happens here and fails, the error is thrown but the record stays queued: do not append it again.
   */
  append(record: ForwardRecord): void {
    this.assertOpen('append');
    // Copied because it may wait in memory, and callers may reuse their encode buffers.
    const data = new Uint8Array(record.data);
    this.pending.push({ scope: record.scope, timestamp: record.timestamp, data, size: recordSize(record) });
    if (this.flushIntervalMs === 0 || this.pending.length >= this.flushBatch) {
      this.writePending();
    } else {
      // unref: a pending flush must not keep an otherwise finished process alive; close() flushes.
      this.timer ??= setTimeout(() => this.flushOnTimer(), this.flushIntervalMs).unref();
    }
  }

  /** Writes every pending record now. */
  flush(): void {
    this.assertOpen('flush');
    this.writePending();
  }

  /** The oldest `limit` records, oldest first (pending ones are flushed first so order holds). */
  peek(limit: number): StoredRecord[] {
    this.assertOpen('peek');
    if (!Number.isInteger(limit) || limit < 1) throw configError('peek limit', limit);
    this.writePending();
    return this.db.peek(limit);
  }

  /** Deletes every record with id <= `uptoId`, once they have been published. */
  ack(uptoId: number): void {
    this.assertOpen('ack');
    this.db.ack(uptoId);
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
    };
  }

  /** Flushes and closes; further calls throw. Closing twice is a no-op. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.writePending();
    } finally {
      this.db.close();
    }
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
    try {
      this.writePending();
    } catch (e) {
      const pending = this.pending.length;
      this.logger?.error({ err: e, pending }, 'store-and-forward flush failed; retrying on next append');
    }
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
