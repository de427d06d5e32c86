/**
 * The unit the historian queues, spools and writes: the `samples` rows of one host message (or of
 * several, once spooled), already as COPY text. A message whose metric ids are all known becomes
 * one `copy` block: its lines, ids included, in a Buffer. This runs once per message and keeps no
 * object per value, so rows waiting for their batch cost the garbage collector next to nothing.
 * A message with a metric not yet in the `metrics` table is a `keyed` block (each line's metric
 * by name, the text after its id); the writer gives it ids when it writes it.
 */
import type { MetricsEvent, MetricUpdate } from '../host/index.js';
import type { MetricTypeName } from '../payload/types.js';
import type { IdCache } from './ids.js';
import { dayOf } from './partitions.js';
import { exactJson, NUL, valueFields } from './values.js';

/** What identifies a metric in the `metrics` table, with what a new row there gets. */
export interface MetricKey {
  readonly group: string;
  readonly node: string;
  /** '' for a node metric. */
  readonly device: string;
  readonly name: string;
  readonly datatype: MetricTypeName;
  /** The metric's properties as exact JSON (births carry them), else null. */
  readonly properties: string | null;
}

interface BlockBase {
  /** Order number: blocks drain in this order, spooled or not. */
  readonly ord: number;
  readonly rows: number;
  /** UTC day numbers of the rows' metric times (the partitions they need). */
  readonly days: readonly number[];
  /** The oldest metric time (UTC ms) of the live rows, for the lag; Infinity when all are historical. */
  readonly oldestLive: number;
}

/** Lines of `samples`' COPY text (SAMPLE_COLUMNS), ids included. */
export interface CopyBlock extends BlockBase {
  readonly kind: 'copy';
  readonly body: Buffer;
}

/** Per row its metric's key and its COPY line after the metric id (from the tab before the time). */
export interface KeyedBlock extends BlockBase {
  readonly kind: 'keyed';
  readonly keys: readonly MetricKey[];
  readonly tails: readonly string[];
}

export type Block = CopyBlock | KeyedBlock;

/** A row no partition can hold: refused before it is queued (the caller logs and counts it). */
export type RejectOutright = (key: MetricKey, ts: string, reason: string) => void;

/**
 * ISO text of UTC ms, remembering the last two: the rows of one message mostly share their metric
 * time and always their receive time. Only for times with a partition day: PostgreSQL reads their
 * ISO text back to the same millisecond.
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

export class BlockEncoder {
  private readonly tsIso = new IsoCache();
  private readonly recvIso = new IsoCache();

  constructor(
    private readonly cache: IdCache,
    private readonly reject: RejectOutright,
  ) {}

  /** The message's rows as a block, undefined when none is left (all refused, or no metrics). */
  encode(e: MetricsEvent, receivedAt: number, ord: number): Block | undefined {
    const device = e.device ?? '';
    if (e.birth) this.forgetChanged(e.group, e.node, device, e.metrics);
    const ids = this.cache.namesOf(e.group, e.node, device);
    let known = ids !== undefined;
    for (const m of e.metrics) if (known && ids?.has(m.name) !== true) known = false;
    const after = '\t' + (e.bdSeq === undefined ? NUL : String(e.bdSeq)) + '\t' + (e.seq >= 0 && e.seq <= 255 ? String(e.seq) : NUL) + '\n';
    const recv = '\t' + this.recvIso.text(receivedAt) + '\t';
    const days: number[] = [];
    const keys: MetricKey[] = [];
    const tails: string[] = [];
    let oldestLive = Infinity;
    let text = '';
    let rows = 0;
    for (const m of e.metrics) {
      const ms = Number(m.timestamp);
      const day = dayOf(ms);
      if (day === undefined) {
        this.reject(keyOf(e.group, e.node, device, m), String(m.timestamp), 'metric time outside the years 1 to 9999');
        continue;
      }
      if (!days.includes(day)) days.push(day);
      if (!m.isHistorical && ms < oldestLive) oldestLive = ms;
      const tail = '\t' + this.tsIso.text(ms) + recv + valueFields(m) + after;
      rows++;
      if (known) {
        text += String(ids?.get(m.name)) + tail;
      } else {
        keys.push(keyOf(e.group, e.node, device, m));
        tails.push(tail);
      }
    }
    if (rows === 0) return undefined;
    if (known) return { kind: 'copy', ord, rows, days, oldestLive, body: Buffer.from(text, 'utf8') };
    return { kind: 'keyed', ord, rows, days, oldestLive, keys, tails };
  }

  /**
   * A birth whose metric has another datatype or other properties than the `metrics` table got:
   * the metric goes keyed once, so its upsert records them (same id).
   */
  private forgetChanged(group: string, node: string, device: string, metrics: readonly MetricUpdate[]): void {
    const names = this.cache.namesOf(group, node, device);
    if (names === undefined) return;
    for (const m of metrics) {
      const id = names.get(m.name);
      if (id === undefined) continue;
      const had = this.cache.keyOf(id);
      // A birth without properties keeps the stored ones (the upsert's COALESCE): no change.
      const props = m.properties === undefined ? null : exactJson(m.properties);
      if (had !== undefined && had.datatype === m.type && (props === null || props === had.properties)) continue;
      this.cache.forget(group, node, device, m.name);
    }
  }
}

function keyOf(group: string, node: string, device: string, m: MetricUpdate): MetricKey {
  return { group, node, device, name: m.name, datatype: m.type, properties: m.properties === undefined ? null : exactJson(m.properties) };
}
