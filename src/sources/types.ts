/**
 * A source is where a device's values come from (simulated generators, OPC UA, …).
 * The edge node scans every source on its scan interval and applies report-by-exception;
 * sources never talk MQTT.
 */
import type { MetricTypeName, MetricValue, PropertySet } from '../payload/types.js';

export type Deadband =
  | { readonly kind: 'absolute'; readonly value: number }
  | { readonly kind: 'percent'; readonly value: number };

export interface MetricDefinition {
  readonly name: string;
  readonly type: MetricTypeName;
  /** Accepts NCMD/DCMD writes. */
  readonly writable: boolean;
  /** Report-by-exception threshold for numeric metrics; absent means any change is reported. */
  readonly deadband?: Deadband;
  /** Extra birth properties such as engUnit. */
  readonly properties?: PropertySet;
}

/** One value read from a source. `value === null` means the source has no good value. */
export interface Sample {
  readonly name: string;
  readonly value: MetricValue;
  /** UTC ms at which the source took the value. */
  readonly timestamp: number;
}

export type SourceEvents = {
  /** The device became reachable or unreachable (DBIRTH / DDEATH on the edge). */
  readonly connectivity: (online: boolean) => void;
};

export interface DeviceSource {
  readonly deviceId: string;
  readonly metrics: readonly MetricDefinition[];
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Whether the device is reachable now; an unreachable device is reported dead. */
  isOnline(): boolean;
  /** Current value of every metric, as of `now` (UTC ms). */
  sample(now: number): Sample[];
  /**
   * Write a value coming from an NCMD/DCMD. Rejects with a SparkplugError
   * (UNKNOWN_METRIC, READ_ONLY, ENCODE for a value that does not fit the type).
   */
  write(name: string, value: MetricValue): Promise<void>;
  onConnectivity(listener: SourceEvents['connectivity']): () => void;
}
