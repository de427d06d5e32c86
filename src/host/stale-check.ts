/**
 * After the host's own reconnect, nodes that were online and have not re-birthed on their own
 * within `staleAfterMs` are asked; those that stay silent are asked again, after `retryAfterMs` and
 * then twice as long each time (up to RE_ASK_MAX_MS), until they birth or die. A node still
 * reconnecting to the broker does not receive a request (it is lost) and births by itself once
 * connected; one that kept its session but only births when asked does receive it.
 */
import type { NodeModel } from './model.js';

/** Longest wait between two requests to a node that stays silent after the host's reconnect. */
const RE_ASK_MAX_MS = 60_000;

export interface StaleCheckOptions {
  readonly staleAfterMs: number;
  readonly retryAfterMs: number;
  readonly nodes: () => Iterable<NodeModel>;
  /** Still the session the check was started for, and online. */
  readonly current: (connection: number) => boolean;
  /** Asks `node` for a rebirth unless a request is already outstanding. */
  readonly ask: (node: NodeModel) => void;
}

export class StaleCheck {
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly o: StaleCheckOptions) {}

  start(connection: number, round = 0): void {
    let any = false;
    for (const n of this.o.nodes()) any ||= n.online && n.stale;
    if (!any) return;
    const delayMs = round === 0 ? this.o.staleAfterMs : Math.min(this.o.retryAfterMs * 2 ** (round - 1), RE_ASK_MAX_MS);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (!this.o.current(connection)) return;
      for (const n of this.o.nodes()) if (n.online && n.stale) this.o.ask(n);
      this.start(connection, round + 1);
    }, delayMs);
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
