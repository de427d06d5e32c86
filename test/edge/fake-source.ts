/**
 * A device for edge tests whose values the test sets, in both ways a real source reports:
 * `report` / `invalidate` push one change straight into the sink the edge handed it (as an OPC UA
 * subscription does); `set` holds a value that every `poll` reports again (as a simulated device
 * does, so that report by exception sees the same value scan after scan).
 */
import type { MetricValue } from '../../src/payload/index.js';
import type { BadQuality, ChangeSink, DeviceSource, MetricDefinition } from '../../src/sources/types.js';

export class FakeSource implements DeviceSource {
  /** A mutable copy: a test may declare metrics late, as a source that learns them from its device. */
  readonly metrics: MetricDefinition[];
  /** What `poll(now)` reports for metric i, at now + dt; nothing for a metric never `set`. */
  private readonly held: ({ value: MetricValue; dt: number } | undefined)[] = [];
  private sink: ChangeSink | undefined;

  constructor(
    readonly deviceId: string,
    metrics: readonly MetricDefinition[],
  ) {
    this.metrics = [...metrics];
  }

  async start(sink: ChangeSink): Promise<void> {
    this.sink = sink;
  }

  async stop(): Promise<void> {
    this.sink = undefined;
  }

  isOnline(): boolean {
    return true;
  }

  onConnectivity(): () => void {
    return () => {};
  }

  async write(): Promise<void> {}

  /** The index of `metric` (a name, or already an index); -1 for a name the source does not declare, which the sink ignores. */
  private indexOf(metric: string | number): number {
    return typeof metric === 'number' ? metric : this.metrics.findIndex((m) => m.name === metric);
  }

  /** One change of `metric` (a name or an index), pushed at once. */
  report(metric: string | number, value: MetricValue, timestamp: number): void {
    this.started().update(this.indexOf(metric), value, timestamp);
  }

  invalidate(metric: string | number, quality: BadQuality, status: string, timestamp: number): void {
    this.started().invalidate(this.indexOf(metric), quality, status, timestamp);
  }

  /** Holds `value` for `metric` (a name or an index): every later poll reports it, `dt` ms after the poll's time. */
  set(metric: string | number, value: MetricValue, dt = 0): void {
    const index = this.indexOf(metric);
    if (index < 0) throw new Error(`${this.deviceId} has no metric ${String(metric)}`);
    this.held[index] = { value, dt };
  }

  poll(now: number): void {
    const sink = this.sink;
    if (sink === undefined) return;
    for (let i = 0; i < this.held.length; i++) {
      const h = this.held[i];
      if (h !== undefined) sink.update(i, h.value, now + h.dt);
    }
  }

  private started(): ChangeSink {
    if (this.sink === undefined) throw new Error(`${this.deviceId} was not started`);
    return this.sink;
  }
}
