/**
 * Spool files of earlier releases, read once into blocks: the first release kept one SQLite row
 * per value (`rows`), the next chunks of JSON rows (`chunks`); both held each row as an object.
 * They become keyed blocks in order, then their tables go.
 */
import type Database from 'better-sqlite3';
import type { Block, MetricKey } from './blocks.js';
import { dayOf } from './partitions.js';
import { copyField } from './sql.js';
import { NUL } from './values.js';

/** A row as those releases spooled it (bigints as decimal strings), its metric's key fields first. */
interface LegacyRow extends MetricKey {
  readonly ts: string;
  readonly receivedAt: number;
  readonly num: string | null;
  readonly text: string | null;
  readonly bool: boolean | null;
  readonly bytes: string | null;
  readonly json: string | null;
  readonly isNull: boolean;
  readonly quality: number | null;
  readonly historical: boolean;
  readonly bdSeq: string | null;
  readonly seq: number | null;
}

export function upgradeLegacySpool(db: Database.Database, append: (blocks: readonly Block[]) => void): void {
  const tables = new Set((db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((t) => t.name));
  if (!tables.has('rows') && !tables.has('chunks')) return;
  const rows: [number, LegacyRow][] = [];
  if (tables.has('rows')) {
    for (const r of db.prepare('SELECT ord, row FROM rows').all() as { ord: number; row: string }[]) rows.push([r.ord, JSON.parse(r.row) as LegacyRow]);
  }
  if (tables.has('chunks')) {
    for (const c of db.prepare('SELECT rows FROM chunks').all() as { rows: string }[]) rows.push(...(JSON.parse(c.rows) as [number, LegacyRow][]));
  }
  rows.sort((a, b) => a[0] - b[0]);
  db.transaction(() => {
    append(rows.flatMap(([ord, row]) => blockOfLegacy(ord, row) ?? []));
    db.exec('DROP TABLE IF EXISTS rows; DROP TABLE IF EXISTS chunks');
  })();
}

/** Undefined for a row no partition can hold (the release that spooled it would have had it refused). */
function blockOfLegacy(ord: number, r: LegacyRow): Block | undefined {
  const ms = Number(r.ts);
  const day = dayOf(ms);
  if (day === undefined) return undefined;
  const key: MetricKey = { group: r.group, node: r.node, device: r.device, name: r.name, datatype: r.datatype, properties: r.properties };
  const fields = [
    new Date(ms).toISOString(),
    new Date(r.receivedAt).toISOString(),
    r.num ?? NUL,
    r.text === null ? NUL : copyField(r.text),
    r.bool === null ? NUL : r.bool ? 't' : 'f',
    r.bytes === null ? NUL : '\\\\x' + r.bytes,
    r.json === null ? NUL : copyField(r.json),
    r.isNull ? 't' : 'f',
    r.quality === null ? NUL : String(r.quality),
    r.historical ? 't' : 'f',
    r.bdSeq ?? NUL,
    r.seq === null ? NUL : String(r.seq),
  ];
  return { kind: 'keyed', ord, rows: 1, days: [day], oldestLive: r.historical ? Infinity : ms, keys: [key], tails: [`\t${fields.join('\t')}\n`] };
}
