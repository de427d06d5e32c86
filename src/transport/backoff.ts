/**
 * Reconnect delays: exponential growth per consecutive failure, with jitter so that many clients
 * cut off by the same broker restart do not reconnect in lock-step (see the AWS Architecture Blog,
 * "Exponential Backoff And Jitter", for the two strategies).
 */

export type Jitter = 'full' | 'decorrelated';

export interface BackoffOptions {
  /** First delay (upper bound with full jitter, lower bound with decorrelated). */
  initialMs: number;
  /** No delay exceeds this. */
  maxMs: number;
  /** Growth per consecutive failure. */
  factor: number;
  /**
   * `full`: uniform in [0, min(max, initial * factor^n)].
   * `decorrelated`: uniform in [initial, previous * factor], capped at max.
   */
  jitter: Jitter;
}

export const DEFAULT_BACKOFF: Readonly<BackoffOptions> = {
  initialMs: 500,
  maxMs: 30_000,
  factor: 2,
  jitter: 'full',
};

export class Backoff {
  private failures = 0;
  private previous: number;

  /** `random` returns a number in [0, 1); injectable so tests can pin the jitter. */
  constructor(
    private readonly opts: Readonly<BackoffOptions>,
    private readonly random: () => number = Math.random,
  ) {
    this.previous = opts.initialMs;
  }

  /** Consecutive failures since the last reset. */
  get attempts(): number {
    return this.failures;
  }

  /** The delay before the next attempt; each call counts one more consecutive failure. */
  next(): number {
    const { initialMs, maxMs, factor, jitter } = this.opts;
    let delay: number;
    switch (jitter) {
      case 'full': {
        const ceiling = Math.min(maxMs, initialMs * factor ** this.failures);
        delay = this.random() * ceiling;
        break;
      }
      case 'decorrelated': {
        const upper = Math.max(initialMs, this.previous * factor);
        delay = Math.min(maxMs, initialMs + this.random() * (upper - initialMs));
        break;
      }
      default: {
        const unknown: never = jitter;
        throw new Error(`unknown jitter ${String(unknown)}`);
      }
    }
    this.failures++;
    this.previous = delay;
    return Math.round(delay);
  }

  /** After a connection that reached CONNACK: the next failure starts from `initialMs` again. */
  reset(): void {
    this.failures = 0;
    this.previous = this.opts.initialMs;
  }
}
