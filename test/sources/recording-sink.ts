/** A ChangeSink that records what a source reports, for tests of sources on their own. */
import type { MetricValue } from '../../src/payload/index.js';
import type { BadQuality, ChangeSink, DeviceSource } from '../../src/sources/types.js';

export interface Report {
  readonly name: string;
  readonly value: MetricValue;
  readonly timestamp: number;
}

export interface Invalidation {
  readonly name: string;
  readonly quality: BadQuality;
  readonly status: string;
  readonly timestamp: number;
}

export class RecordingSink implements ChangeSink {
  /** Reports not yet taken, with the metric's name in place of its index. */
  readonly reports: Report[] = [];
  readonly invalidations: Invalidation[] = [];

  constructor(private readonly source: DeviceSource) {}

  update(index: number, value: MetricValue, timestamp: number): void {
    this.reports.push({ name: this.nameOf(index), value, timestamp });
  }

  invalidate(index: number, quality: BadQuality, status: string, timestamp: number): void {
    this.invalidations.push({ name: this.nameOf(index), quality, status, timestamp });
  }

  /** What the source reported since the last call. */
  take(): Report[] {
    return this.reports.splice(0);
  }

  /** The source's `poll(now)` and what it reported. */
  poll(now: number): Report[] {
    this.source.poll?.(now);
    return this.take();
  }

  private nameOf(index: number): string {
    const def = this.source.metrics[index];
    if (def === undefined) throw new Error(`${this.source.deviceId} reported metric index ${index}, which it does not declare`);
    return def.name;
  }
}

/** Starts `source` reporting into a new RecordingSink. */
export async function record(source: DeviceSource): Promise<RecordingSink> {
  const sink = new RecordingSink(source);
  await source.start(sink);
  return sink;
}
