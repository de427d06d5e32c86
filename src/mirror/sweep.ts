/**
 * Clears the leftovers of an earlier run (retained mirror topics no metric of the model has) once
 * their node has birthed again and its devices had a grace period to DBIRTH (README: Retained MQTT
 * mirror, "Leftovers of an earlier run").
 *
 * A topic `<prefix>/<group>/<node>/a/b` is node metric "a/b" or device "a"'s metric "b": which one
 * is not read from the topic but decided by the model when the grace ends. The topic is cleared only
 * when no metric of the node or of any of its devices maps to it (format.ts's metricTopic, as the
 * mirror itself builds topics). Leftovers of nodes that never birth again are kept (stale).
 */
import type { Logger } from 'pino';
import { metricTopic } from './format.js';
import type { MirrorHost } from './mirror.js';

export interface LeftoverSweepOptions {
  readonly host: Pick<MirrorHost, 'metricOwner'>;
  readonly prefix: string;
  readonly graceMs: number;
  /** The devices of a node the mirror has seen: the host's model never drops a device, nor does this. */
  readonly devicesOf: (group: string, node: string) => Iterable<string>;
  /** Sends the empty retained message. */
  readonly clear: (topic: string) => void;
  readonly logger?: Logger | undefined;
}

interface NodeLeftovers {
  readonly group: string;
  readonly node: string;
  readonly topics: Set<string>;
  timer: ReturnType<typeof setTimeout> | undefined;
}

export class LeftoverSweep {
  /** `<group>/<node>` → its leftover topics, until its grace ends. */
  private readonly nodes = new Map<string, NodeLeftovers>();
  private pendingTopics = 0;
  private clearedTopics = 0;

  constructor(private readonly o: LeftoverSweepOptions) {}

  /** Leftover topics waiting for their node's birth and grace. */
  get pending(): number {
    return this.pendingTopics;
  }

  /** Leftover topics cleared (their empty message queued). */
  get cleared(): number {
    return this.clearedTopics;
  }

  /**
   * Takes the leftovers the start-up scan found. Nodes already born by then (in this host's run)
   * get their grace from now: their devices may not have had theirs yet.
   */
  add(topics: Iterable<string>): void {
    const base = `${this.o.prefix}/`;
    for (const topic of topics) {
      if (!topic.startsWith(base)) continue;
      const levels = topic.slice(base.length).split('/');
      // <group>/<node>/<metric…>: anything shorter is not a metric topic.
      const [group, node] = levels;
      if (levels.length < 3 || group === undefined || node === undefined) continue;
      const key = `${group}/${node}`;
      let n = this.nodes.get(key);
      if (n === undefined) this.nodes.set(key, (n = { group, node, topics: new Set(), timer: undefined }));
      if (!n.topics.has(topic)) this.pendingTopics++;
      n.topics.add(topic);
    }
    for (const n of this.nodes.values()) if (this.o.host.metricOwner(n.group, n.node, undefined)?.online === true) this.arm(n);
  }

  /** A node's birth: its leftovers are decided a grace period later (a newer birth restarts it). */
  nodeBorn(group: string, node: string): void {
    const n = this.nodes.get(`${group}/${node}`);
    if (n !== undefined) this.arm(n);
  }

  close(): void {
    for (const n of this.nodes.values()) clearTimeout(n.timer);
  }

  private arm(n: NodeLeftovers): void {
    clearTimeout(n.timer);
    n.timer = setTimeout(() => this.sweep(n), this.o.graceMs);
  }

  private sweep(n: NodeLeftovers): void {
    n.timer = undefined;
    const view = this.o.host.metricOwner(n.group, n.node, undefined);
    // Died within the grace (its devices may not have had theirs), or the host lost its link
    // meanwhile (births it missed are unknown; it asks such nodes to rebirth): the next birth decides.
    if (view === undefined || view.stale) return;
    const claimed = new Set<string>();
    view.forEachMetric((name) => claimed.add(metricTopic(this.o.prefix, n.group, n.node, undefined, name)));
    for (const device of this.o.devicesOf(n.group, n.node)) {
      this.o.host.metricOwner(n.group, n.node, device)?.forEachMetric((name) => claimed.add(metricTopic(this.o.prefix, n.group, n.node, device, name)));
    }
    let cleared = 0;
    for (const topic of n.topics) {
      // A claimed topic is the mirror's own again: it holds the metric's value and is cleared when the metric leaves.
      if (claimed.has(topic)) continue;
      this.o.clear(topic);
      cleared++;
    }
    this.nodes.delete(`${n.group}/${n.node}`);
    this.pendingTopics -= n.topics.size;
    this.clearedTopics += cleared;
    if (cleared > 0) this.o.logger?.info({ group: n.group, node: n.node, cleared }, 'mirror: leftovers of an earlier run no metric has any more cleared');
  }
}
