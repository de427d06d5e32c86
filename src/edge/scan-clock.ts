/**
 * When the edge node scans its sources.
 *
 * A positive interval: one scan per interval, on a timer. 0, continuous: the next scan as soon as
 * the messages of the previous one are written to the socket, so the broker connection sets the
 * pace (a push source's values go out as they arrive; simulated devices become a load generator).
 * A continuous scan that published nothing waits IDLE_MS while the node is online, and
 * OFFLINE_MS while it is not: store-and-forward then samples at a bounded rate.
 *
 * Scanning starts at the node's first birth, the first failed connection attempt, or FIRST_SCAN_MS
 * after start, whichever comes first: samples taken in the few hundred milliseconds of a normal
 * start-up would only be replayed as history of values the births carry anyway.
 */
const IDLE_MS = 1;
const OFFLINE_MS = 1000;
export const FIRST_SCAN_MS = 1000;

export interface ScanTarget {
  /** Samples every source; returns a promise of the last message written, or undefined when none was published. */
  scan(): Promise<unknown> | undefined;
  isOnline(): boolean;
}

export class ScanClock {
  private timer: NodeJS.Timeout | undefined;
  private startTimer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(
    private readonly intervalMs: number,
    private readonly target: ScanTarget,
  ) {}

  /** Arms the deadline of the first scan; `begin()` may start it sooner. */
  arm(): void {
    this.startTimer = setTimeout(() => this.begin(), FIRST_SCAN_MS);
  }

  /** Starts scanning, once. */
  begin(): void {
    if (this.running) return;
    this.running = true;
    clearTimeout(this.startTimer);
    if (this.intervalMs > 0) this.timer = setInterval(() => void this.target.scan(), this.intervalMs);
    else void this.continuous();
  }

  stop(): void {
    this.running = false;
    clearTimeout(this.startTimer);
    clearInterval(this.timer);
    clearTimeout(this.timer);
  }

  private async continuous(): Promise<void> {
    while (this.running) {
      const written = this.target.scan();
      if (written === undefined) {
        await new Promise((r) => {
          this.timer = setTimeout(r, this.target.isOnline() ? IDLE_MS : OFFLINE_MS);
        });
      } else {
        await written;
        // One event-loop turn: lets incoming commands, timers and socket events in between scans.
        await new Promise((r) => setImmediate(r));
      }
    }
  }
}
