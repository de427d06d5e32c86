/**
 * Writes batches of blocks (COPY text of `samples` rows) to PostgreSQL over one connection; keyed
 * blocks get their metric ids first (upserted, then cached). Fast path: ONE `COPY samples FROM
 * STDIN` per batch, the bulk load PostgreSQL does best. The primary key (metric id, time) refuses a
 * row stored before (a replay after a failure, or a duplicate within the batch): the COPY then
 * fails as a whole and the batch goes the replay path, COPY into a per-connection TEMP staging
 * table and ONE `INSERT … SELECT … ON CONFLICT DO NOTHING` in the same transaction, so a batch may
 * be sent again after any failure without a second row. A batch the data makes fail is retried in
 * halves (by lines) until the bad rows stand alone; they are handed to `onReject` and the rest
 * lands. Every commit is durable (synchronous_commit as configured).
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { Block, KeyedBlock, MetricKey } from './blocks.js';
import type { IdCache } from './ids.js';
import { migrate } from './migrations.js';
import { Partitions, todayAndAhead } from './partitions.js';
import { isDataError, isUniqueViolation, quoteIdent } from './sql.js';

export interface WriterOptions {
  readonly url: string;
  readonly password: string | undefined;
  readonly schema: string;
  /** Shared with the encoder, which builds `copy` blocks from it. */
  readonly ids: IdCache;
  /** A row PostgreSQL refused on its own (its metric, when known, and time); the caller logs and counts it. */
  readonly onReject: (key: MetricKey | undefined, ts: string, error: unknown) => void;
  /** Ids the `metrics` table gave for the first time in this run (the spool keeps them to re-key its rows). */
  readonly onNewIds: (entries: readonly (readonly [number, MetricKey])[]) => void;
}

export interface WriteResult {
  readonly inserted: number;
  readonly rejected: number;
}

const STAGE = 'pg_temp.sparkstate_stage';
const SAMPLE_COLUMNS = `(metric_id, ts, received_at, value_num, value_text, value_bool, value_bytes, value_json, is_null,
  quality, is_historical, bd_seq, seq)`;
/** Batches that go the replay path straight away after one found stored rows (a replay runs on). */
const REPLAY_STREAK = 8;
const NEWLINE = 10;

export class PgWriter {
  private client: pg.Client | undefined;
  /** Set by the client's 'error' event: the connection is gone, the next write reconnects. */
  private broken = false;
  private dbIdentity: string | undefined;
  /** Batches left to send by the replay path before trying the fast path again. */
  private replayLeft = 0;
  private readonly partitions: Partitions;
  private readonly s: string;

  constructor(private readonly opts: WriterOptions) {
    this.partitions = new Partitions(opts.schema);
    this.s = quoteIdent(opts.schema);
  }

  /**
   * The database's system identifier and the `metrics` table's oid: metric ids are only valid where
   * both are the same (a schema dropped and created again numbers its metrics anew).
   */
  get identity(): string | undefined {
    return this.dbIdentity;
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
      await client.query(`CREATE TEMP TABLE IF NOT EXISTS sparkstate_stage (LIKE ${this.s}.samples) ON COMMIT DELETE ROWS`);
      const who = await client.query<{ id: string }>(
        `SELECT (SELECT system_identifier::text FROM pg_control_system()) || '/' || $1::regclass::oid::text AS id`,
        [`${this.s}.metrics`],
      );
      this.dbIdentity = who.rows[0]?.id;
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
  async write(blocks: readonly Block[]): Promise<WriteResult> {
    const c = this.need();
    await this.resolveIds(c, blocks);
    const parts: Buffer[] = [];
    const days = new Set<number>();
    let rows = 0;
    for (const b of blocks) {
      parts.push(b.kind === 'copy' ? b.body : this.linesOf(b));
      rows += b.rows;
      for (const d of b.days) days.add(d);
    }
    await this.partitions.ensure(c, days);
    return this.attempt(c, parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts), rows);
  }

  private need(): pg.Client {
    if (this.client === undefined || this.broken) throw new Error('historian: not connected');
    return this.client;
  }

  private async attempt(c: pg.Client, body: Buffer, rows: number): Promise<WriteResult> {
    try {
      return { inserted: await this.once(c, body), rejected: 0 };
    } catch (e) {
      if (!isDataError(e) || this.broken) throw e;
      if (rows === 1) {
        this.rejectLine(body, e);
        return { inserted: 0, rejected: 1 };
      }
      const mid = rows >> 1;
      let cut = 0;
      for (let i = 0; i < mid; i++) cut = body.indexOf(NEWLINE, cut) + 1;
      const a = await this.attempt(c, body.subarray(0, cut), mid);
      const b = await this.attempt(c, body.subarray(cut), rows - mid);
      return { inserted: a.inserted + b.inserted, rejected: a.rejected + b.rejected };
    }
  }

  /** A refused line names its metric by id; COPY escapes every tab and newline inside a field. */
  private rejectLine(line: Buffer, e: unknown): void {
    const [id, ts] = line.toString('utf8').split('\t', 2);
    this.opts.onReject(this.opts.ids.keyOf(Number(id)), String(Date.parse(ts ?? '')), e);
  }

  private async once(c: pg.Client, body: Buffer): Promise<number> {
    if (this.replayLeft === 0) {
      try {
        return await this.transaction(c, () => this.copy(c, `COPY ${this.s}.samples ${SAMPLE_COLUMNS} FROM STDIN`, body));
      } catch (e) {
        if (!isUniqueViolation(e) || this.broken) throw e;
        this.replayLeft = REPLAY_STREAK;
      }
    } else {
      this.replayLeft--;
    }
    return this.transaction(c, async () => {
      await this.copy(c, `COPY ${STAGE} ${SAMPLE_COLUMNS} FROM STDIN`, body);
      const res = await c.query(`INSERT INTO ${this.s}.samples ${SAMPLE_COLUMNS} SELECT ${SAMPLE_COLUMNS.slice(1, -1)} FROM ${STAGE} ON CONFLICT DO NOTHING`);
      return res.rowCount ?? 0;
    });
  }

  /** COPY `body` with `sql`; returns the rows PostgreSQL took. */
  private async copy(c: pg.Client, sql: string, body: Buffer): Promise<number> {
    const stream = c.query(copyFrom(sql));
    await pipeline(Readable.from([body]), stream);
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

  /** A keyed block's lines, each with its metric's id (resolved before). */
  private linesOf(b: KeyedBlock): Buffer {
    let text = '';
    for (let i = 0; i < b.rows; i++) {
      const key = b.keys[i] as MetricKey;
      const id = this.opts.ids.get(key);
      if (id === undefined) throw new Error(`historian: no id for metric ${key.name}`);
      text += String(id) + (b.tails[i] ?? '');
    }
    return Buffer.from(text, 'utf8');
  }

  /**
   * One stable id per (group, node, device, name), whatever the aliases, rebirths and restarts,
   * for every metric of the keyed blocks not in the cache yet.
   */
  private async resolveIds(c: pg.Client, blocks: readonly Block[]): Promise<void> {
    let missing: Map<string, MetricKey> | undefined;
    for (const b of blocks) {
      if (b.kind !== 'keyed') continue;
      for (const k of b.keys) {
        if (this.opts.ids.get(k) !== undefined) continue;
        missing ??= new Map();
        const name = JSON.stringify([k.group, k.node, k.device, k.name]);
        const had = missing.get(name);
        if (had === undefined || (had.properties === null && k.properties !== null)) missing.set(name, k);
      }
    }
    if (missing === undefined) return;
    // Sorted: two hosts upserting the same new metrics lock them in one order (no deadlock).
    const todo = [...missing.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, k]) => k);
    const res = await c.query<{ id: number; group_id: string; edge_node_id: string; device_id: string; name: string }>(
      `INSERT INTO ${this.s}.metrics AS m (group_id, edge_node_id, device_id, name, datatype, properties)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::jsonb[])
       ON CONFLICT (group_id, edge_node_id, device_id, name)
         DO UPDATE SET datatype = EXCLUDED.datatype, properties = COALESCE(EXCLUDED.properties, m.properties)
       RETURNING id, group_id, edge_node_id, device_id, name`,
      [
        todo.map((k) => k.group),
        todo.map((k) => k.node),
        todo.map((k) => k.device),
        todo.map((k) => k.name),
        todo.map((k) => k.datatype),
        todo.map((k) => k.properties),
      ],
    );
    const entries: [number, MetricKey][] = [];
    for (const x of res.rows) {
      const key = missing.get(JSON.stringify([x.group_id, x.edge_node_id, x.device_id, x.name]));
      if (key === undefined) continue;
      this.opts.ids.set(key, x.id);
      entries.push([x.id, key]);
    }
    this.opts.onNewIds(entries);
  }
}
