/** The Tahu contenders' sink: what a Tahu application keeps of its sources' reports. */
import type { MetricValue } from '../src/payload/index.js';
import type { ChangeSink } from '../src/sources/types.js';

/** The latest value and timestamp of each metric by index. */
export class LatestValues implements ChangeSink {
  readonly values: MetricValue[];
  readonly timestamps: Float64Array;

  constructor(n: number) {
    this.values = new Array<MetricValue>(n).fill(null);
    this.timestamps = new Float64Array(n);
  }

  update(index: number, value: MetricValue, timestamp: number): void {
    this.values[index] = value;
    this.timestamps[index] = timestamp;
  }

  /** Sent as a null: what a Tahu application without Quality handling would do. */
  invalidate(index: number, _quality: number, _status: string, timestamp: number): void {
    this.update(index, null, timestamp);
  }
}
