/**
 * COPY text for the historian's two paths, built as one string per row without per-row arrays or
 * field objects (this runs for every value the host stores). The fast path writes `samples`'
 * own columns (timestamps as ISO text); the staging path writes epoch ms that SQL converts.
 */
import { copyField } from './sql.js';
import type { SampleRow } from './types.js';

const NUL = '\\N';

/** The value columns shared by both layouts, from value_num to seq, tab-separated. */
function valueFields(r: SampleRow): string {
  return (
    (r.num ?? NUL) +
    '\t' +
    (r.text === null ? NUL : copyField(r.text)) +
    '\t' +
    (r.bool === null ? NUL : r.bool ? 't' : 'f') +
    '\t' +
    (r.bytes === null ? NUL : '\\\\x' + r.bytes) +
    '\t' +
    (r.json === null ? NUL : copyField(r.json)) +
    '\t' +
    (r.isNull ? 't' : 'f') +
    '\t' +
    (r.quality === null ? NUL : String(r.quality)) +
    '\t' +
    (r.historical ? 't' : 'f') +
    '\t' +
    (r.bdSeq ?? NUL) +
    '\t' +
    (r.seq === null ? NUL : String(r.seq)) +
    '\n'
  );
}

/** Staging layout: metric id, ts ms, received ms, values. */
export function stageText(rows: readonly SampleRow[], ids: readonly number[]): string {
  let out = '';
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i] as SampleRow;
    out += (ids[i] ?? 0) + '\t' + r.ts + '\t' + r.receivedAt + '\t' + valueFields(r);
  }
  return out;
}

/**
 * ISO text of UTC ms, remembering the last few: the rows of one message mostly share their
 * metric time and always their receive time.
 */
class IsoCache {
  private lastMs = Number.NaN;
  private lastText = '';
  private prevMs = Number.NaN;
  private prevText = '';

  text(ms: number): string {
    if (ms === this.lastMs) return this.lastText;
    if (ms === this.prevMs) return this.prevText;
    const t = new Date(ms).toISOString();
    this.prevMs = this.lastMs;
    this.prevText = this.lastText;
    this.lastMs = ms;
    this.lastText = t;
    return t;
  }
}

/**
 * `samples`' own layout. Only for rows whose metric time has a partition day (the caller checks):
 * their ISO text is one PostgreSQL reads back to the same millisecond.
 */
export function samplesText(rows: readonly SampleRow[], ids: readonly number[]): string {
  const ts = new IsoCache();
  const recv = new IsoCache();
  let out = '';
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i] as SampleRow;
    out += (ids[i] ?? 0) + '\t' + ts.text(Number(r.ts)) + '\t' + recv.text(r.receivedAt) + '\t' + valueFields(r);
  }
  return out;
}
