/** The historian's log lines that need care: refused rows (rate-limited, named by metric) and text that may hold the password. */
import type { Logger } from 'pino';
import type { MetricKey } from './blocks.js';

/** Refused rows: at most this many log lines per minute (each names its metric), the rest only counted. */
const REJECT_LOG_PER_MINUTE = 20;

export class HistorianLogLines {
  private readonly secrets: string[];
  private rejectWindowStart = 0;
  private rejectLines = 0;

  constructor(
    private readonly log: Logger | undefined,
    private readonly now: () => number,
    url: string,
    password: string | undefined,
  ) {
    this.secrets = [password, passwordOf(url)].filter((p): p is string => p !== undefined && p !== '');
  }

  /** A refused row, logged with its metric; the caller counts it. */
  rejected(key: MetricKey | undefined, ts: string, reason: string, e?: unknown): void {
    const now = this.now();
    if (now - this.rejectWindowStart >= 60_000) {
      this.rejectWindowStart = now;
      this.rejectLines = 0;
    }
    if (this.rejectLines++ >= REJECT_LOG_PER_MINUTE) return;
    this.log?.warn(
      { group: key?.group, node: key?.node, device: key?.device === '' ? undefined : key?.device, metric: key?.name, datatype: key?.datatype, ts, code: codeOf(e), error: this.redact(reason) },
      'historian: row rejected (the rest of its batch is stored)',
    );
  }

  /** The text with the password replaced, should a driver message quote it. */
  redact(text: string): string {
    return this.secrets.reduce((t, p) => t.split(p).join('***'), text);
  }
}

/** An error's SQLSTATE or Node code, if it has one. */
export function codeOf(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : undefined;
}

function passwordOf(url: string): string | undefined {
  try {
    const p = new URL(url).password;
    return p === '' ? undefined : decodeURIComponent(p);
  } catch {
    return undefined;
  }
}

/** The URL without its password, for log lines. */
export function redactedUrl(url: string): string {
  try {
    const u = new URL(url);
    u.password = '';
    return u.toString();
  } catch {
    return 'postgres://(unparsable URL)';
  }
}
