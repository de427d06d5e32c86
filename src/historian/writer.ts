/**
 * Writes batches of sample rows to PostgreSQL over one connection, metric ids upserted and cached.
 * Fast path: ONE `COPY samples FROM STDIN` per batch, the bulk load PostgreSQL does best. The
 * primary key (metric id, time) refuses a row stored before (a replay after a failure, or a
 * duplicate within the batch): the COPY then fails as a whole and the batch goes the replay path,
 * COPY into a per-connection TEMP staging table and ONE `INSERT … SELECT … ON CONFLICT DO NOTHING`
 * in the same transaction, so a batch may be sent again after any failure without a second row.
 * A batch the data makes fail is retried in halves until the bad rows stand alone; they are handed
 * to `onReject` and the rest lands. Every commit is durable (synchronous_commit as configured).
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { migrate } from './migrations.js';
import { dayOf, Partitions, todayAndAhead } from './partitions.js';
import { samplesText, stageText } from './copy-text.js';
import { IdCache } from './ids.js';
import { isDataError, isUniqueViolation, quoteIdent } from './sql.js';
import type { SampleRow } from './types.js';

export interface WriterOptions {
  readonly url: string;
  readonly password: string | undefined;
  readonly schema: string;
  /** A row PostgreSQL refused on its own; the caller logs and counts it. */
  readonly onReject: (row: SampleRow, error: unknown) => void;
}

export interface WriteResult {
  readonly inserted: number;
  readonly rejected: number;
}

const STAGE = 'pg_temp.sparkstate_stage';
const STAGE_COLUMNS = `(metric_id integer, ts_ms bigint, received_ms bigint, value_num numeric, value_text text,
  value_bool boolean, value_bytes bytea, value_json jsonb, is_null boolean, quality integer, is_historical boolean,
  bd_seq numeric(20, 0), seq smallint)`;

const SAMPLE_COLUMNS = `(metric_id, ts, received_at, value_num, value_text, value_bool, value_bytes, value_json, is_null,
  quality, is_historical, bd_seq, seq)`;
/** Batches that go the replay path straight away after one found stored rows (a replay runs on). */
const REPLAY_STREAK = 8;

export class PgWriter {
  private client: pg.Client | undefined;
  /** Set by the client's 'error' event: the connection is gone, the next write reconnects. */
  private broken = false;
  private readonly ids = new IdCache();
  /** Batches left to send by the replay path before trying the fast path again. */
  private replayLeft = 0;
  private readonly partitions: Partitions;
  private readonly s: string;

  constructor(private readonly opts: WriterOptions) {
    this.partitions = new Partitions(opts.schema);
    this.s = quoteIdent(opts.schema);
  }

  get connected(): boolean {
    return this.client !== undefined && !this.broken;
  }

  /** Connects (when not connected), migrates the schema and creates today's and the next days' partitions. */
  async connect(now: number): Promise<void> {
    if (this.connected) return;
    await this.close();
    const client = new pg.Client({
      connectionString: this.opts.url,
      ...(this.opts.password === undefined ? {} : { password: this.opts.password }),
      connectionTimeoutMillis: 5000,
      keepAlive: true,
      application_name: 'sparkstate-historian',
    });
    // Without a listener a dropped connection would crash the process; the next query reports it.
    client.on('error', () => {
      if (this.client === client) this.broken = true;
    });
    this.broken = false;
    this.client = client;
    try {
      await client.connect();
      await migrate(client, this.opts.schema);
      await client.query(`CREATE TEMP TABLE IF NOT EXISTS sparkstate_stage ${STAGE_COLUMNS} ON COMMIT DELETE ROWS`);
      this.partitions.reset();
      await this.partitions.ensure(client, todayAndAhead(now, 2));
    } catch (e) {
      // Only its own client: an abandoned connect may fail after a newer one took its place.
      if (this.client === client) this.client = undefined;
      await client.end().catch(() => undefined);
      throw e;
    }
  }

  /**
   * Gives up on the connection without waiting for it (a write that hangs): a transaction still
   * open there rolls back when the server sees the connection go; one that committed meanwhile is
   * absorbed by the unique key when its rows are sent again.
   */
  abandon(): void {
    const c = this.client;
    this.client = undefined;
    c?.end().catch(() => undefined);
  }

  async close(): Promise<void> {
    const c = this.client;
    this.client = undefined;
    if (c !== undefined) await c.end().catch(() => undefined);
  }

  /** Partitions ahead of time and retention; returns the partitions dropped. */
  async maintain(now: number, retentionDays: number): Promise<string[]> {
    const c = this.need();
    await this.partitions.ensure(c, todayAndAhead(now, 2));
    return this.partitions.dropExpired(c, now, retentionDays);
  }

  /** Throws on anything but bad rows (those are isolated and rejected): the caller keeps the batch. */
  async write(rows: readonly SampleRow[]): Promise<WriteResult> {
    const c = this.need();
    const days = new Set<number>();
    let allDated = true;
    for (const r of rows) {
      const d = dayOf(r.ts);
      if (d === undefined) allDated = false;
      else days.add(d);
    }
    await this.partitions.ensure(c, days);
    return this.attempt(c, rows, allDated);
  }

  private need(): pg.Client {
    if (this.client === undefined || this.broken) throw new Error('historian: not connected');
    return this.client;
  }

  /** `dated`: every row has a partition day (the fast path's ISO timestamps need one). */
  private async attempt(c: pg.Client, rows: readonly SampleRow[], dated: boolean): Promise<WriteResult> {
    try {
      return { inserted: await this.once(c, rows, dated), rejected: 0 };
    } catch (e) {
      if (!isDataError(e) || this.broken) throw e;
      const first = rows[0];
      if (rows.length === 1 && first !== undefined) {
        this.opts.onReject(first, e);
        return { inserted: 0, rejected: 1 };
      }
      const mid = rows.length >> 1;
      const a = await this.attempt(c, rows.slice(0, mid), dated);
      const b = await this.attempt(c, rows.slice(mid), dated);
      return { inserted: a.inserted + b.inserted, rejected: a.rejected + b.rejected };
    }
  }

  private async once(c: pg.Client, rows: readonly SampleRow[], dated: boolean): Promise<number> {
    const ids = await this.resolveIds(c, rows);
    if (dated && this.replayLeft === 0) {
      try {
        return await this.transaction(c, () => this.copy(c, `COPY ${this.s}.samples ${SAMPLE_COLUMNS} FROM STDIN`, samplesText(rows, ids)));
      } catch (e) {
        if (!isUniqueViolation(e) || this.broken) throw e;
        this.replayLeft = REPLAY_STREAK;
      }
    } else if (this.replayLeft > 0) {
      this.replayLeft--;
    }
    return this.transaction(c, async () => {
      await this.copy(c, `COPY ${STAGE} FROM STDIN`, stageText(rows, ids));
      const res = await c.query(
        `INSERT INTO ${this.s}.samples ${SAMPLE_COLUMNS}
         SELECT metric_id, timestamptz 'epoch' + ts_ms * interval '1 millisecond',
                timestamptz 'epoch' + received_ms * interval '1 millisecond', value_num, value_text, value_bool,
                value_bytes, value_json, is_null, quality, is_historical, bd_seq, seq
           FROM ${STAGE}
         ON CONFLICT DO NOTHING`,
      );
      return res.rowCount ?? 0;
    });
  }

  /** COPY `text` with `sql`; returns the rows PostgreSQL took. */
  private async copy(c: pg.Client, sql: string, text: string): Promise<number> {
    const stream = c.query(copyFrom(sql));
    await pipeline(Readable.from([text]), stream);
    return stream.rowCount;
  }

  private async transaction(c: pg.Client, work: () => Promise<number>): Promise<number> {
    await c.query('BEGIN');
    try {
      const n = await work();
      await c.query('COMMIT');
      return n;
    } catch (e) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw e;
    }
  }

  /**
   * One stable id per (group, node, device, name), whatever the aliases, rebirths and restarts;
   * returns each row's, in order (one cache lookup per row, not one here and one per COPY line).
   */
  private async resolveIds(c: pg.Client, rows: readonly SampleRow[]): Promise<number[]> {
    const out: number[] = new Array<number>(rows.length).fill(0);
    let missing: Map<string, SampleRow> | undefined;
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i] as SampleRow;
      const id = this.ids.get(r);
      if (id !== undefined) {
        out[i] = id;
        continue;
      }
      missing ??= new Map();
      const k = JSON.stringify([r.group, r.node, r.device, r.name]);
      const had = missing.get(k);
      if (had === undefined || (had.properties === null && r.properties !== null)) missing.set(k, r);
    }
    if (missing === undefined) return out;
    // Sorted: two hosts upserting the same new metrics lock them in one order (no deadlock).
    const todo = [...missing.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, r]) => r);
    const res = await c.query<{ id: number; group_id: string; edge_node_id: string; device_id: string; name: string }>(
      `INSERT INTO ${this.s}.metrics AS m (group_id, edge_node_id, device_id, name, datatype, properties)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::jsonb[])
       ON CONFLICT (group_id, edge_node_id, device_id, name)
         DO UPDATE SET datatype = EXCLUDED.datatype, properties = COALESCE(EXCLUDED.properties, m.properties)
       RETURNING id, group_id, edge_node_id, device_id, name`,
      [
        todo.map((r) => r.group),
        todo.map((r) => r.node),
        todo.map((r) => r.device),
        todo.map((r) => r.name),
        todo.map((r) => r.datatype),
        todo.map((r) => r.properties),
      ],
    );
    for (const x of res.rows) this.ids.set(x.group_id, x.edge_node_id, x.device_id, x.name, x.id);
    for (let i = 0; i < rows.length; i++) if (out[i] === 0) out[i] = this.ids.get(rows[i] as SampleRow) ?? 0;
    return out;
  }
}
