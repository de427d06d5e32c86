/** Shapes shared by the historian's parts: its options, its counters and events. */
import type { Logger } from 'pino';

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
