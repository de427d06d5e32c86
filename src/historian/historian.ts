/**
 * The historian: every value of the host's `metrics` events becomes a row in PostgreSQL, exactly
 * once. Rows wait in memory for the next batch; while the database is unreachable or slower than
 * the data they go to the on-disk spool, which drains in order once it is back. A spool at its size
 * limit raises `backpressure` 'full' (the host should go offline so edge nodes store and forward)
 * and 'normal' once drained.
 */
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { MetricsEvent } from '../host/index.js';
import { BlockEncoder, type Block } from './blocks.js';
import { IdCache } from './ids.js';
import { codeOf, HistorianLogLines, redactedUrl } from './log-lines.js';
import { Spool } from './spool.js';
import { errorText } from './sql.js';
import type { BackpressureState, HistorianEvents, HistorianOptions, HistorianStats } from './types.js';
import { PgWriter } from './writer.js';

const BACKOFF_MIN_MS = 250;
const BACKOFF_MAX_MS = 5000;
/** How long `stop` keeps writing what is left before it leaves the rest in the spool. */
const STOP_FLUSH_MS = 5000;
/**
 * Under load a batch takes up to this many times batchRows: one COPY and one commit for more rows
 * is what keeps PostgreSQL ahead of the data. Memory holds up to MEMORY_BATCHES × that before rows
 * go to the spool (at defaults 640,000 rows, about 55 MB of COPY text off the heap): a database a few seconds behind is
 * caught up from memory, without the disk round trip that costs the host more than the write.
 */
const MAX_BATCH_FACTOR = 8;
const MEMORY_BATCHES = 16;

export class Historian extends EventEmitter<HistorianEvents> {
  private readonly writer: PgWriter;
  private readonly encoder: BlockEncoder;
  private readonly ids = new IdCache();
  /** The database the cached metric ids belong to (PgWriter.identity). */
  private identity: string | undefined;
  private readonly log: Logger | undefined;
  private readonly now: () => number;
  private spool: Spool | undefined;
  private memory: Block[] = [];
  private memoryRows = 0;
  private ord = 0;
  private pressure: BackpressureState = 'normal';
  private loop: Promise<void> | undefined;
  private stopping = false;
  private stopDeadline = Infinity;
  private wakeUp: (() => void) | undefined;
  /** Ends the database call in progress as if it had timed out. */
  private cancelWork: (() => void) | undefined;
  private downSince: number | undefined;
  private everConnected = false;
  private nextMaintenance = 0;
  private dropLogged = false;
  private readonly lines: HistorianLogLines;
  private readonly counters: HistorianStats = {
    rowsWritten: 0,
    rowsDuplicate: 0,
    rowsRejected: 0,
    rowsDropped: 0,
    spoolRows: 0,
    spoolBytes: 0,
    batches: 0,
    databaseUp: false,
  };

  constructor(private readonly opts: HistorianOptions) {
    super();
    this.log = opts.logger;
    this.now = opts.now ?? Date.now;
    this.lines = new HistorianLogLines(opts.logger, this.now, opts.url, opts.password);
    this.encoder = new BlockEncoder(this.ids, (key, ts, reason) => {
      this.counters.rowsRejected++;
      this.lines.rejected(key, ts, reason);
    });
    this.writer = new PgWriter({
      url: opts.url,
      password: opts.password,
      schema: opts.schema,
      ids: this.ids,
      onReject: (key, ts, e) => this.lines.rejected(key, ts, errorText(e), e),
      onNewIds: (entries) => this.spool?.rememberIds(entries),
    });
  }

  get backpressure(): BackpressureState {
    return this.pressure;
  }

  stats(): Readonly<HistorianStats> {
    const s = this.spool;
    return { ...this.counters, spoolRows: s?.rows ?? 0, spoolBytes: s?.bytes ?? 0 };
  }

  /** Opens the spool (rows left from a previous run drain first) and starts writing in the background. */
  start(): void {
    if (this.loop !== undefined) return;
    const spool = new Spool(this.opts.spoolDir);
    this.spool = spool;
    this.ord = spool.nextOrd;
    if (spool.rows > 0) this.log?.info({ rows: spool.rows, bytes: spool.bytes }, 'historian: spooled rows from an earlier run will be written first');
    this.checkPressure();
    this.loop = this.run();
  }

  /** Subscribe with `host.on('metrics', (e) => historian.record(e))`. */
  record(e: MetricsEvent): void {
    const spool = this.spool;
    if (spool === undefined || this.stopping) return;
    const block = this.encoder.encode(e, this.now(), this.ord);
    if (block === undefined) return;
    this.ord++;
    // Memory holds only rows newer than everything spooled: the spool drains first, memory after it.
    if (this.downSince !== undefined) {
      this.toSpool([block]);
      return;
    }
    this.memory.push(block);
    this.memoryRows += block.rows;
    if (this.memoryRows >= this.opts.batchRows) this.wake();
    // The database is slower than the data: memory stays bounded, the rest waits on disk, in order.
    if (this.memoryRows > MEMORY_BATCHES * this.maxBatch) this.spillMemory();
  }

  /** Writes what it can within a few seconds; what is left stays in the spool for the next start. */
  async stop(): Promise<void> {
    if (this.loop === undefined) return;
    this.stopping = true;
    this.stopDeadline = this.now() + STOP_FLUSH_MS;
    this.wake();
    // A database that hangs gets the flush time, not writeTimeoutMs: the host's shutdown waits for this.
    const giveUp = setTimeout(() => this.cancelWork?.(), STOP_FLUSH_MS + 1000);
    await this.loop;
    clearTimeout(giveUp);
    this.loop = undefined;
    this.spillMemory();
    this.spool?.close();
    this.spool = undefined;
    await this.writer.close();
  }

  private async run(): Promise<void> {
    let backoff = BACKOFF_MIN_MS;
    for (;;) {
      if (this.stopping && (this.now() >= this.stopDeadline || this.idleNow())) return;
      try {
        if (!this.writer.connected) await this.bounded(this.connect());
        await this.bounded(this.maintain());
        const more = await this.step();
        backoff = BACKOFF_MIN_MS;
        if (!more && !this.stopping) await this.idle(this.opts.batchMs);
      } catch (e) {
        this.down(e);
        if (this.stopping) return;
        await this.idle(backoff);
        backoff = Math.min(backoff * 2, BACKOFF_MAX_MS);
      }
    }
  }

  private idleNow(): boolean {
    return this.memoryRows === 0 && (this.spool?.rows ?? 0) === 0;
  }

  /**
   * One batch, from the spool while it has rows (older than anything in memory), else from memory.
   * A database that is up but behind keeps the newest rows in memory (they spill only past the
   * memory bound): spooling every value would cost the host more than writing it.
   */
  private async step(): Promise<boolean> {
    const spool = this.spool;
    if (spool === undefined) return false;
    if (spool.rows > 0) {
      const batch = spool.peek(this.maxBatch);
      await this.write(batch.map((q) => q.block));
      spool.ack(batch);
      this.checkPressure();
      return spool.rows > 0 || this.memoryRows > 0;
    }
    if (this.memoryRows === 0) return false;
    const batch = this.takeMemory(this.maxBatch);
    try {
      await this.write(batch);
    } catch (e) {
      // Older than whatever is in memory: spooled first, memory after it, each with its own order number.
      this.toSpool(batch);
      this.spillMemory();
      throw e;
    }
    return this.memoryRows >= this.opts.batchRows;
  }

  /** The oldest blocks in memory, up to `rows` rows (at least one block). */
  private takeMemory(rows: number): Block[] {
    let n = 0;
    let count = 0;
    while (count < this.memory.length && (count === 0 || n + (this.memory[count]?.rows ?? 0) <= rows)) n += this.memory[count++]?.rows ?? 0;
    this.memoryRows -= n;
    return this.memory.splice(0, count);
  }

  private get maxBatch(): number {
    return MAX_BATCH_FACTOR * this.opts.batchRows;
  }

  private async write(blocks: readonly Block[]): Promise<void> {
    const started = this.now();
    const res = await this.bounded(this.writer.write(blocks));
    const committed = this.now();
    let oldest = Infinity;
    let rows = 0;
    for (const b of blocks) {
      rows += b.rows;
      if (b.oldestLive < oldest) oldest = b.oldestLive;
    }
    this.counters.rowsWritten += res.inserted;
    this.counters.rowsRejected += res.rejected;
    this.counters.rowsDuplicate += rows - res.inserted - res.rejected;
    this.counters.batches++;
    this.emit('batch', { rows, inserted: res.inserted, durationMs: committed - started, lagMs: Number.isFinite(oldest) ? committed - oldest : undefined });
  }

  /** A database that stops answering (no error, no close) is an outage too, after writeTimeoutMs. */
  private async bounded<T>(work: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const ms = this.opts.writeTimeoutMs ?? 30_000;
    const timeout = new Promise<never>((_, reject) => {
      const cancel = (): void => {
        this.writer.abandon();
        reject(new Error(`no answer from the database within ${ms} ms`));
      };
      this.cancelWork = cancel;
      timer = setTimeout(cancel, ms);
    });
    // The abandoned work may still fail later; nobody waits for it any more.
    work.catch(() => undefined);
    try {
      return await Promise.race([work, timeout]);
    } finally {
      clearTimeout(timer);
      this.cancelWork = undefined;
    }
  }

  private async connect(): Promise<void> {
    await this.writer.connect(this.now());
    this.counters.databaseUp = true;
    const identity = this.writer.identity;
    // A schema created anew while the host ran numbers its metrics anew: the cached ids are void.
    if (this.identity !== undefined && identity !== this.identity) this.ids.clear();
    this.identity = identity;
    const lost = identity === undefined ? 0 : (this.spool?.adopt(identity) ?? 0);
    if (lost > 0) {
      this.counters.rowsDropped += lost;
      this.log?.error({ rows: lost }, 'historian: spooled rows were for another database and their metrics are unknown; dropped');
    }
    if (this.downSince !== undefined) {
      this.log?.info(
        { downMs: this.now() - this.downSince, spoolRows: this.spool?.rows ?? 0 },
        'historian: database reachable again; draining the spool',
      );
      this.downSince = undefined;
    } else if (!this.everConnected) {
      this.log?.info({ server: redactedUrl(this.opts.url), schema: this.opts.schema }, 'historian: connected, schema up to date');
    }
    this.everConnected = true;
  }

  /** One log line per outage, not per batch or retry. */
  private down(e: unknown): void {
    this.counters.databaseUp = false;
    this.spillMemory();
    void this.writer.close();
    if (this.downSince !== undefined) return;
    this.downSince = this.now();
    this.log?.warn(
      { server: redactedUrl(this.opts.url), code: codeOf(e), error: this.lines.redact(errorText(e)) },
      'historian: database unreachable; rows go to the spool until it is back',
    );
  }

  private async maintain(): Promise<void> {
    const now = this.now();
    if (now < this.nextMaintenance) return;
    const dropped = await this.writer.maintain(now, this.opts.retentionDays);
    this.nextMaintenance = now + (this.opts.maintenanceMs ?? 3_600_000);
    if (dropped.length > 0) this.log?.info({ partitions: dropped, retentionDays: this.opts.retentionDays }, 'historian: partitions past retention dropped');
  }

  private toSpool(blocks: readonly Block[]): void {
    const spool = this.spool;
    if (spool === undefined || blocks.length === 0) return;
    if (spool.bytes >= 2 * this.opts.spoolMaxBytes) {
      this.counters.rowsDropped += rowsOf(blocks);
      if (!this.dropLogged) {
        this.dropLogged = true;
        this.log?.error({ spoolBytes: spool.bytes, limit: this.opts.spoolMaxBytes }, 'historian: spool at twice its limit; rows dropped until it drains');
      }
      return;
    }
    try {
      spool.append(blocks);
    } catch (e) {
      // A disk that is full or failing: the rows are lost, counted and said once, never a crash of the host.
      this.counters.rowsDropped += rowsOf(blocks);
      if (!this.dropLogged) {
        this.dropLogged = true;
        this.log?.error({ error: errorText(e) }, 'historian: spool write failed; rows dropped');
      }
      return;
    }
    this.checkPressure();
  }

  private spillMemory(): void {
    if (this.memory.length === 0) return;
    const m = this.memory;
    this.memory = [];
    this.memoryRows = 0;
    this.toSpool(m);
  }

  private checkPressure(): void {
    const spool = this.spool;
    if (spool === undefined) return;
    // One "rows dropped" line per episode: a new one may start once the spool has emptied.
    if (spool.rows === 0) this.dropLogged = false;
    if (this.pressure === 'normal' && spool.bytes >= this.opts.spoolMaxBytes) {
      this.pressure = 'full';
      this.log?.warn({ spoolBytes: spool.bytes, limit: this.opts.spoolMaxBytes }, 'historian: spool full; back-pressure on');
      this.emit('backpressure', 'full');
    } else if (this.pressure === 'full' && spool.rows === 0) {
      this.pressure = 'normal';
      this.log?.info('historian: spool drained; back-pressure off');
      this.emit('backpressure', 'normal');
    }
  }

  private wake(): void {
    const w = this.wakeUp;
    this.wakeUp = undefined;
    w?.();
  }

  private idle(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      const self = this;
      function done(): void {
        clearTimeout(t);
        if (self.wakeUp === done) self.wakeUp = undefined;
        resolve();
      }
      this.wakeUp = done;
    });
  }
}

function rowsOf(blocks: readonly Block[]): number {
  return blocks.reduce((n, b) => n + b.rows, 0);
}
