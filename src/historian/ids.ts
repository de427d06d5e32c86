/**
 * Metric ids by (group, node, device, name) in nested maps: one lookup per message for its
 * device's names, without building a key string, and no two names can collide whatever characters
 * they hold. The reverse (id → metric) names a row PostgreSQL refused and re-keys spooled rows.
 */
import type { MetricKey } from './blocks.js';

type Names = Map<string, number>;

export class IdCache {
  private readonly groups = new Map<string, Map<string, Map<string, Names>>>();
  private readonly byId = new Map<number, MetricKey>();
  /** The last device looked up: consecutive messages mostly come from a few devices. */
  private lastGroup = '';
  private lastNode = '';
  private lastDevice = '';
  private lastNames: Names | undefined;

  /** Metric ids of one device (or of a node's own metrics), by metric name. */
  namesOf(group: string, node: string, device: string): ReadonlyMap<string, number> | undefined {
    return this.names(group, node, device, false);
  }

  get(k: MetricKey): number | undefined {
    return this.names(k.group, k.node, k.device, false)?.get(k.name);
  }

  keyOf(id: number): MetricKey | undefined {
    return this.byId.get(id);
  }

  set(k: MetricKey, id: number): void {
    this.names(k.group, k.node, k.device, true)?.set(k.name, id);
    this.byId.set(id, k);
  }

  /** The metric gets its id anew (its datatype or properties changed: the upsert records them). */
  forget(group: string, node: string, device: string, name: string): void {
    this.names(group, node, device, false)?.delete(name);
  }

  clear(): void {
    this.groups.clear();
    this.byId.clear();
    this.lastNames = undefined;
  }

  private names(group: string, node: string, device: string, create: boolean): Names | undefined {
    if (this.lastNames !== undefined && group === this.lastGroup && node === this.lastNode && device === this.lastDevice) return this.lastNames;
    let nodes = this.groups.get(group);
    if (nodes === undefined) {
      if (!create) return undefined;
      nodes = new Map();
      this.groups.set(group, nodes);
    }
    let devices = nodes.get(node);
    if (devices === undefined) {
      if (!create) return undefined;
      devices = new Map();
      nodes.set(node, devices);
    }
    let names = devices.get(device);
    if (names === undefined) {
      if (!create) return undefined;
      names = new Map();
      devices.set(device, names);
    }
    this.lastGroup = group;
    this.lastNode = node;
    this.lastDevice = device;
    this.lastNames = names;
    return names;
  }
}
