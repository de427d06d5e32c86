/**
 * Rebirth request scheduling (HP-7): one outstanding request per edge node, and a host-wide token
 * bucket so that a broker restart with hundreds of nodes does not turn into a rebirth storm.
 *
 * A node's entry lives from its request until its NBIRTH (`answered`) or, once sent, until
 * `retryAfterMs` has passed: only then may the same node be asked again. Queued requests of nodes
 * that re-birth on their own are dropped unsent, so no request is redundant.
 */
import { ErrorCodes, SparkplugError } from '../errors.js';
import type { NodeModel } from './model.js';
import type { RebirthOptions, RebirthReason } from './types.js';

export type ResolvedRebirthOptions = { readonly [K in keyof RebirthOptions]-?: Exclude<RebirthOptions[K], undefined> };

/** Defaults filled in and checked; throws SPB_ERR_CONFIG. */
export function resolveRebirthOptions(o: RebirthOptions): ResolvedRebirthOptions {
  const numbers = {
    reorderWindowMs: o.reorderWindowMs ?? 2000,
    maxPerSecond: o.maxPerSecond ?? 20,
    burst: o.burst ?? 1,
    staleAfterReconnectMs: o.staleAfterReconnectMs ?? 1000,
    retryAfterMs: o.retryAfterMs ?? 5000,
  };
  for (const [k, v] of Object.entries(numbers)) {
    if (!Number.isFinite(v) || v < 0) throw new SparkplugError(ErrorCodes.CONFIG, `rebirth.${k} must be a finite number ≥ 0`);
  }
  if (numbers.maxPerSecond <= 0) throw new SparkplugError(ErrorCodes.CONFIG, 'rebirth.maxPerSecond must be > 0');
  if (numbers.burst < 1) throw new SparkplugError(ErrorCodes.CONFIG, 'rebirth.burst must be ≥ 1');
  return { enabled: o.enabled !== false, ...numbers };
}

export interface RebirthSchedulerOptions {
  /** Tokens per second. */
  readonly ratePerSecond: number;
  /** Bucket capacity: how many requests may leave back to back. */
  readonly burst: number;
  readonly retryAfterMs: number;
  readonly now: () => number;
  readonly random: () => number;
  readonly send: (node: NodeModel, reason: RebirthReason) => void;
}

interface Entry {
  readonly node: NodeModel;
  readonly reason: RebirthReason;
  /** Host time of the publish; undefined while queued. */
  sentAt: number | undefined;
}

/** Jitter as a fraction of the token interval: keeps several hosts from asking in lock-step. */
const JITTER = 0.2;

export type RebirthRequestResult = 'queued' | 'duplicate';

export class RebirthScheduler {
  private readonly entries = new Map<NodeModel, Entry>();
  private queue: Entry[] = [];
  private head = 0;
  private tokens: number;
  private refilledAt: number;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly intervalMs: number;

  constructor(private readonly o: RebirthSchedulerOptions) {
    this.tokens = o.burst;
    this.refilledAt = o.now();
    this.intervalMs = 1000 / o.ratePerSecond;
  }

  request(node: NodeModel, reason: RebirthReason): RebirthRequestResult {
    if (this.isOutstanding(node)) return 'duplicate';
    const entry: Entry = { node, reason, sentAt: undefined };
    this.entries.set(node, entry);
    this.queue.push(entry);
    this.pump();
    return 'queued';
  }

  /** Whether a request for `node` is queued, or sent less than retryAfterMs ago and not yet answered. */
  isOutstanding(node: NodeModel): boolean {
    const e = this.entries.get(node);
    return e !== undefined && (e.sentAt === undefined || this.o.now() - e.sentAt < this.o.retryAfterMs);
  }

  /** The node sent an NBIRTH: its request is answered; a queued one is never sent. */
  answered(node: NodeModel): void {
    this.entries.delete(node);
  }

  /** Forget everything (host lost its connection: requests are re-derived after the reconnect). */
  clear(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.entries.clear();
    this.queue = [];
    this.head = 0;
  }

  private pump(): void {
    this.refill();
    for (;;) {
      const next = this.peekLive();
      if (next === undefined) return;
      if (this.tokens < 1) break;
      this.head++;
      this.tokens -= 1;
      next.sentAt = this.o.now();
      this.o.send(next.node, next.reason);
    }
    if (this.timer !== undefined) return;
    const waitMs = (1 - this.tokens) * this.intervalMs + this.o.random() * JITTER * this.intervalMs;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.pump();
    }, Math.ceil(waitMs));
  }

  /** The first queued entry still wanted (answered or superseded entries are skipped). */
  private peekLive(): Entry | undefined {
    while (this.head < this.queue.length) {
      const e = this.queue[this.head];
      if (e !== undefined && this.entries.get(e.node) === e && e.sentAt === undefined) return e;
      this.head++;
    }
    this.queue = [];
    this.head = 0;
    return undefined;
  }

  private refill(): void {
    const now = this.o.now();
    const elapsed = Math.max(0, now - this.refilledAt);
    this.refilledAt = now;
    this.tokens = Math.min(this.o.burst, this.tokens + (elapsed * this.o.ratePerSecond) / 1000);
  }
}
