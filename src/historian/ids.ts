/**
 * Metric ids by (group, node, device, name) in nested maps: a lookup per row without building a
 * key string, and no two names can collide whatever characters they hold.
 */
import type { SampleRow } from './types.js';

type Names = Map<string, number>;

export class IdCache {
  private readonly groups = new Map<string, Map<string, Map<string, Names>>>();
  /** The last device looked up: consecutive rows mostly come from one message. */
  private lastGroup = '';
  private lastNode = '';
  private lastDevice = '';
  private lastNames: Names | undefined;

  get(r: SampleRow): number | undefined {
    return this.names(r.group, r.node, r.device, false)?.get(r.name);
  }

  set(group: string, node: string, device: string, name: string, id: number): void {
    this.names(group, node, device, true)?.set(name, id);
  }

  clear(): void {
    this.groups.clear();
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
