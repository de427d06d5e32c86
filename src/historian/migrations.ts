/**
 * Versioned schema migrations, applied at start in one transaction under a PostgreSQL advisory
 * lock: two hosts starting at once on one database wait for each other instead of racing, and the
 * second finds nothing left to do. Migrations are append-only: a released one is never edited.
 */
import type { ClientBase } from 'pg';
import { quoteIdent } from './sql.js';

interface Migration {
  readonly version: number;
  readonly name: string;
  /** SQL with `S` standing for the quoted schema. */
  sql(s: string): string;
}

const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'metrics, samples (daily range partitions), history view',
    sql: (s) => `
      CREATE TABLE ${s}.metrics (
        id           integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        group_id     text NOT NULL,
        edge_node_id text NOT NULL,
        device_id    text NOT NULL DEFAULT '',
        name         text NOT NULL,
        datatype     text NOT NULL,
        properties   jsonb,
        first_seen   timestamptz NOT NULL DEFAULT now(),
        UNIQUE (group_id, edge_node_id, device_id, name)
      );
      CREATE TABLE ${s}.samples (
        metric_id     integer NOT NULL,
        ts            timestamptz NOT NULL,
        received_at   timestamptz NOT NULL,
        value_num     numeric,
        value_text    text,
        value_bool    boolean,
        value_bytes   bytea,
        value_json    jsonb,
        is_null       boolean NOT NULL,
        quality       integer,
        is_historical boolean NOT NULL,
        bd_seq        numeric(20, 0),
        seq           smallint,
        PRIMARY KEY (metric_id, ts)
      ) PARTITION BY RANGE (ts);
      CREATE VIEW ${s}.history AS
        SELECT m.group_id, m.edge_node_id, NULLIF(m.device_id, '') AS device_id, m.name AS metric, m.datatype,
               x.ts, x.received_at, x.value_num AS value, x.value_text, x.value_bool, x.is_null, x.quality,
               x.is_historical, x.value_bytes, x.value_json, x.bd_seq, x.seq
          FROM ${s}.samples x JOIN ${s}.metrics m ON m.id = x.metric_id;
      COMMENT ON VIEW ${s}.history IS 'sparkstate historian: one row per metric value (README: Historian)';
    `,
  },
];

/** Advisory lock namespace of the historian ("SS"), the second key is the schema's hash. */
export const LOCK_CLASS = 0x5353;

/** Applies what is missing; returns the versions applied now (empty when up to date). */
export async function migrate(client: ClientBase, schema: string): Promise<number[]> {
  const s = quoteIdent(schema);
  const applied: number[] = [];
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [LOCK_CLASS, schema]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${s}.schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    const done = await client.query<{ version: number }>(`SELECT version FROM ${s}.schema_migrations`);
    const have = new Set(done.rows.map((r) => r.version));
    for (const m of MIGRATIONS) {
      if (have.has(m.version)) continue;
      await client.query(m.sql(s));
      await client.query(`INSERT INTO ${s}.schema_migrations (version, name) VALUES ($1, $2)`, [m.version, m.name]);
      applied.push(m.version);
    }
    await client.query('COMMIT');
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  }
  return applied;
}

export const LATEST_VERSION = MIGRATIONS.length === 0 ? 0 : (MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0);
