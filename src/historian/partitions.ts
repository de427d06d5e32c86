/**
 * Daily range partitions of `samples`: created ahead of time and on demand for the days a batch
 * needs (old historical data included), dropped once a whole day is older than the retention.
 * DDL runs under the historian's advisory lock so two hosts on one schema never race on it.
 */
import type { ClientBase } from 'pg';
import { LOCK_CLASS } from './migrations.js';
import { quoteIdent } from './sql.js';

const DAY_MS = 86_400_000;
/** Years 1..9999: the days a partition name (samples_pYYYYMMDD) can stand for; rows outside are rejected. */
const MIN_DAY = Math.floor(new Date(0).setUTCFullYear(1, 0, 1) / DAY_MS);
const END_DAY = Math.floor(Date.UTC(9999, 11, 31) / DAY_MS);

/** UTC day number of a metric time (ms), undefined when no partition can hold it. */
export function dayOf(ms: number): number | undefined {
  if (!Number.isFinite(ms)) return undefined;
  const day = Math.floor(ms / DAY_MS);
  return day >= MIN_DAY && day < END_DAY ? day : undefined;
}

function isoDay(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

export function partitionName(day: number): string {
  return `samples_p${isoDay(day).replace(/-/g, '')}`;
}

export class Partitions {
  private readonly known = new Set<number>();

  constructor(private readonly schema: string) {}

  /** Forget what exists (a new connection may talk to a database changed meanwhile). */
  reset(): void {
    this.known.clear();
  }

  async ensure(client: ClientBase, days: Iterable<number>): Promise<void> {
    const missing = [...new Set(days)].filter((d) => !this.known.has(d)).sort((a, b) => a - b);
    if (missing.length === 0) return;
    const s = quoteIdent(this.schema);
    await client.query('BEGIN');
    try {
      await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [LOCK_CLASS, this.schema]);
      for (const day of missing) {
        await client.query(
          `CREATE TABLE IF NOT EXISTS ${s}.${quoteIdent(partitionName(day))} PARTITION OF ${s}.samples ` +
            `FOR VALUES FROM ('${isoDay(day)} 00:00:00+00') TO ('${isoDay(day + 1)} 00:00:00+00')`,
        );
      }
      await client.query('COMMIT');
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw e;
    }
    for (const day of missing) this.known.add(day);
  }

  /** Drops partitions whose whole day is older than `retentionDays`; returns their names. */
  async dropExpired(client: ClientBase, now: number, retentionDays: number): Promise<string[]> {
    const s = quoteIdent(this.schema);
    const cutoffDay = Math.floor(now / DAY_MS) - retentionDays;
    const parts = await client.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = $1::regclass`,
      [`${s}.samples`],
    );
    const dropped: string[] = [];
    for (const { name } of parts.rows) {
      const m = /^samples_p(\d{4})(\d{2})(\d{2})$/.exec(name);
      if (m === null) continue;
      const day = Math.floor(new Date(0).setUTCFullYear(Number(m[1]), Number(m[2]) - 1, Number(m[3])) / DAY_MS);
      if (day >= cutoffDay) continue;
      await client.query(`DROP TABLE IF EXISTS ${s}.${quoteIdent(name)}`);
      this.known.delete(day);
      dropped.push(name);
    }
    return dropped;
  }
}

export function todayAndAhead(now: number, ahead: number): number[] {
  const today = Math.floor(now / DAY_MS);
  return Array.from({ length: ahead + 1 }, (_, i) => today + i);
}
