/**
 * What happened since the last delta went out: the events in order, and the latest value of each
 * metric that changed. However fast a metric changes, it costs one entry per batch, so a delta is
 * bounded by the number of metrics, not by the message rate.
 */
import { toJson } from '../../host/snapshot.js';
import type { MetricUpdate } from '../../host/index.js';
import type { Int64 } from '../../payload/types.js';
import { wireMetric, type DeltaMessage, type LiveEvent, type WireInt, type WireValue, type WireValues } from './wire.js';

type BirthEvent = Extract<LiveEvent, { k: 'nbirth' | 'dbirth' }>;

interface Owner {
  readonly g: string;
  readonly n: string;
  readonly d: string | null;
  readonly values: Map<string, WireValue>;
}

export function wireInt(v: Int64): WireInt {
  return typeof v === 'bigint' ? v.toString() : v;
}

/** Node (device undefined) or device: ids cannot contain '/', so the key is unique. */
function ownerKey(g: string, n: string, d: string | undefined): string {
  return d === undefined ? `${g}/${n}` : `${g}/${n}/${d}`;
}

export class Batch {
  private events: LiveEvent[] = [];
  private owners = new Map<string, Owner>();
  /**
   * The birth whose metrics come next: the host emits `nodeBirth`/`deviceBirth`, then at once a
   * `metrics` event with the whole birth table (see host/apply.ts).
   */
  private awaiting: { readonly key: string; readonly event: BirthEvent } | undefined;

  get empty(): boolean {
    return this.events.length === 0 && this.owners.size === 0;
  }

  event(e: LiveEvent): void {
    this.awaiting = undefined;
    this.events.push(e);
  }

  /** A birth replaces its owner's metric set: values pending for the old set would overwrite the birth's. */
  birth(e: BirthEvent): void {
    const key = ownerKey(e.g, e.n, e.k === 'dbirth' ? e.d : undefined);
    this.owners.delete(key);
    this.events.push(e);
    this.awaiting = { key, event: e };
  }

  metrics(g: string, n: string, d: string | undefined, updates: readonly MetricUpdate[]): void {
    const key = ownerKey(g, n, d);
    const awaiting = this.awaiting;
    this.awaiting = undefined;
    if (awaiting?.key === key) {
      awaiting.event.metrics = updates.map((u) => wireMetric(u.name, u.type, toJson(u.value), wireInt(u.timestamp), u.properties?.['engUnit']?.value));
      return;
    }
    let owner = this.owners.get(key);
    for (const u of updates) {
      // Replayed history (store-and-forward) is not the current value; the model keeps it only when newer.
      if (u.isHistorical) continue;
      if (owner === undefined) {
        owner = { g, n, d: d ?? null, values: new Map() };
        this.owners.set(key, owner);
      }
      owner.values.set(u.name, [u.name, toJson(u.value), wireInt(u.timestamp)]);
    }
  }

  /** The batch as a message; the batch is empty afterwards. */
  take(): DeltaMessage {
    const values: WireValues[] = [];
    for (const o of this.owners.values()) values.push([o.g, o.n, o.d, [...o.values.values()]]);
    const msg: DeltaMessage = { events: this.events, values };
    this.events = [];
    this.owners = new Map();
    this.awaiting = undefined;
    return msg;
  }
}
