/**
 * Plumbing of the CLI historian benchmark: the host's /metrics read as numbers and histograms,
 * the PostgreSQL backend CPU of one schema's writer, and the psql COPY ceiling of the same rows.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import pg from 'pg';
import { migrate } from '../src/historian/migrations.js';
import { Partitions } from '../src/historian/partitions.js';
import { PG_URL, sql } from '../test/historian/helpers.js';

const CLK_TCK = 100;


/** The host's /metrics: plain samples by name (labels ignored) and histogram buckets. */
export interface Scrape {
  readonly at: number;
  value(name: string): number;
  /** Cumulative bucket counts by upper bound (+Inf last). */
  buckets(name: string): [number, number][];
}

export async function scrape(http: string): Promise<Scrape> {
  const text = await (await fetch(`${http}/metrics`)).text();
  const at = performance.now();
  return {
    at,
    value: (name) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN),
    buckets: (name) => {
      const out: [number, number][] = [];
      const re = new RegExp(`^${name}_bucket\\{le="([^"]+)"[^}]*\\} (\\S+)$`, 'gm');
      for (let m = re.exec(text); m !== null; m = re.exec(text)) out.push([m[1] === '+Inf' ? Infinity : Number(m[1]), Number(m[2])]);
      return out;
    },
  };
}

/**
 * A quantile of the observations between two scrapes of one histogram, interpolated linearly
 * within its bucket (the histogram's own resolution); Infinity when it falls in +Inf.
 */
export function quantile(before: Scrape, after: Scrape, name: string, q: number): number {
  const a = before.buckets(name);
  const b = after.buckets(name);
  const counts = b.map(([le, n], i) => [le, n - (a[i]?.[1] ?? 0)] as const);
  const total = counts[counts.length - 1]?.[1] ?? 0;
  if (total === 0) return Number.NaN;
  const target = q * total;
  let prevLe = 0;
  let prevN = 0;
  for (const [le, n] of counts) {
    if (n >= target) return le === Infinity ? Infinity : prevLe + ((le - prevLe) * (target - prevN)) / Math.max(1, n - prevN);
    prevLe = le;
    prevN = n;
  }
  return Infinity;
}

/** CPU ms (user + system) of a process, 0 once it is gone. */
export function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / CLK_TCK;
  } catch {
    return 0;
  }
}

/** CPU ms of every PostgreSQL server process (the backends of other clients included). */
export function postgresCpuMs(): number {
  let sum = 0;
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (readFileSync(`/proc/${d}/comm`, 'utf8').trim() === 'postgres') sum += cpuMs(Number(d));
    } catch {
      // Gone meanwhile.
    }
  }
  return sum;
}

/** Busy and total CPU ms of the whole machine (all cores), from /proc/stat. */
export function machineCpuMs(): { busy: number; total: number } {
  const f = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
  const total = f.reduce((a, b) => a + b, 0);
  const idle = (f[3] ?? 0) + (f[4] ?? 0);
  return { busy: ((total - idle) * 1000) / CLK_TCK, total: (total * 1000) / CLK_TCK };
}

/**
 * The PostgreSQL backend pid of the historian writing `schema`: the one whose statement names it
 * (its last one is mostly COMMIT, so a few looks over a second).
 */
export async function writerBackend(schema: string): Promise<number | undefined> {
  for (let i = 0; i < 50; i++) {
    const rows = await sql<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity WHERE application_name = 'sparkstate-historian' AND query LIKE $1 LIMIT 1`,
      [`%${schema}%`],
    );
    if (rows[0] !== undefined) return rows[0].pid;
    await new Promise((r) => setTimeout(r, 20));
  }
  return undefined;
}

function psql(command: string): void {
  execFileSync('psql', ['-h', '127.0.0.1', '-U', 'postgres', '-d', 'test', '-v', 'ON_ERROR_STOP=1', '-q', '-c', command], { stdio: ['ignore', 'ignore', 'inherit'] });
}

const COLUMNS = 'metric_id, ts, received_at, value_num, value_text, value_bool, value_bytes, value_json, is_null, quality, is_historical, bd_seq, seq';

/**
 * The ceiling: the rows the historian stored in `schema`, written to a text file by psql, then
 * loaded by psql's own `\copy … from` into an identical table (the same migration: partitions,
 * primary key) in `ceilingSchema`, timed. Returns rows and ms of that load.
 */
export async function psqlCeiling(schema: string, ceilingSchema: string, file: string): Promise<{ rows: number; ms: number }> {
  psql(`\\copy (SELECT ${COLUMNS} FROM "${schema}".samples) TO '${file}'`);
  const days = await sql<{ d: number }>(`SELECT DISTINCT floor(extract(epoch FROM ts) / 86400)::int AS d FROM "${schema}".samples`);
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  try {
    await migrate(c, ceilingSchema);
    await new Partitions(ceilingSchema).ensure(
      c,
      days.map((x) => x.d),
    );
  } finally {
    await c.end();
  }
  const t0 = performance.now();
  psql(`\\copy "${ceilingSchema}".samples (${COLUMNS}) FROM '${file}'`);
  const ms = performance.now() - t0;
  const n = await sql<{ n: string }>(`SELECT count(*) AS n FROM "${ceilingSchema}".samples`);
  return { rows: Number(n[0]?.n ?? 0), ms };
}
