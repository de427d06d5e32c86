/** Shapes shared by the historian's parts: one sample row, its options, its counters and events. */
import type { Logger } from 'pino';
import type { MetricTypeName } from '../payload/types.js';

/**
 * One metric value ready for the database. Plain JSON (bigints as decimal strings) so the spool can
 * keep it as text and give it back unchanged.
 */
export interface SampleRow {
  readonly group: string;
  readonly node: string;
  /** '' for a node metric. */
  readonly device: string;
  readonly name: string;
  readonly datatype: MetricTypeName;
  /** The metric's properties as JSON (births carry them), else null. */
  readonly properties: string | null;
  /** Metric time, UTC ms since the epoch, as a decimal integer (a Sparkplug uint64). */
  readonly ts: string;
  /** Host receive time, UTC ms. */
  readonly receivedAt: number;
  /** Every number type (and DateTime, ms): the exact decimal, JS's shortest round-trip form for floats. */
  readonly num: string | null;
  /** String, Text, UUID. */
  readonly text: string | null;
  readonly bool: boolean | null;
  /** Bytes and File, hex. */
  readonly bytes: string | null;
  /** Arrays, DataSet, Template: JSON with exact numbers. */
  readonly json: string | null;
  readonly isNull: boolean;
  /** The metric's `Quality` property (192 good, 0 bad, 500 stale), null when it has none. */
  readonly quality: number | null;
  readonly historical: boolean;
  /** The node's bdSeq (decimal), null for a birth without one. */
  readonly bdSeq: string | null;
  /** The message's seq, null when unknown. */
  readonly seq: number | null;
}

export interface HistorianOptions {
  /** postgres:// URL; a password in it is used unless `password` is given. */
  readonly url: string;
  /** Overrides the URL's password (the CLI passes SPARKSTATE_HISTORIAN_PASSWORD). */
  readonly password?: string | undefined;
  readonly schema: string;
  readonly retentionDays: number;
  readonly batchMs: number;
  readonly batchRows: number;
  /** Directory of the spool file (`historian-spool.sqlite`). */
  readonly spoolDir: string;
  /** Spool size at which `backpressure` goes to 'full'; rows beyond twice this are dropped and counted. */
  readonly spoolMaxBytes: number;
  /** A connect or batch write without an answer for this long counts as an outage (rows spool). Default 30000. */
  readonly writeTimeoutMs?: number | undefined;
  readonly logger?: Logger | undefined;
  /** How often partitions are created ahead and old ones dropped, ms. Default one hour. */
  readonly maintenanceMs?: number | undefined;
  /** UTC ms; injected for tests. Default Date.now. */
  readonly now?: (() => number) | undefined;
}

export interface HistorianStats {
  /** Rows inserted (replays absorbed by the unique key are not counted). */
  rowsWritten: number;
  /** Rows sent that the unique key absorbed as already stored. */
  rowsDuplicate: number;
  /** Rows PostgreSQL refused (isolated from their batch, logged with their metric). */
  rowsRejected: number;
  /** Rows dropped because the spool was over twice its limit. */
  rowsDropped: number;
  spoolRows: number;
  spoolBytes: number;
  batches: number;
  /** Whether the last attempt to reach the database worked. */
  databaseUp: boolean;
}

/** 'full': the spool reached its limit, the host should go offline (STATE) until 'normal' again (drained). */
export type BackpressureState = 'normal' | 'full';

export type HistorianEvents = {
  backpressure: [state: BackpressureState];
  /** One committed batch: its rows, its duration and the largest lag (metric time → commit) of its live rows. */
  batch: [info: { readonly rows: number; readonly inserted: number; readonly durationMs: number; readonly lagMs: number | undefined }];
};
