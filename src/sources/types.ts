/**
 * A source is where a device's values come from (simulated generators, OPC UA, …). Sources push:
 * they report each change into the ChangeSink the edge hands them, as it happens; the edge's scan
 * takes what changed since the last scan, applies report by exception and publishes. Sources never
 * talk MQTT, and a new source never touches `src/edge/`. See README, "Writing your own source".
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

/**
 * Sparkplug's values of the `Quality` property (Int32): 0 BAD, 192 GOOD, 500 STALE.
 * [tck-id-payloads-propertyset-quality-value-value]
 */
export const Quality = { BAD: 0, GOOD: 192, STALE: 500 } as const;
/** A quality that makes a value untrustworthy. */
export type BadQuality = typeof Quality.BAD | typeof Quality.STALE;

/**
 * Where a source reports its values. `index` is the metric's position in `source.metrics`;
 * `timestamp` is UTC ms of the source's own clock (the PLC's source timestamp where it has one).
 * Calls are cheap (no allocation): a source may report every value it sees.
 */
export interface ChangeSink {
  /** The metric has a trustworthy value (null: the device has no value for it). */
  update(index: number, value: MetricValue, timestamp: number): void;
  /**
   * The metric has no trustworthy value: it is published as null with a `Quality` property, and
   * `status` (e.g. the OPC UA status name) as a `Status` property. A later `update` publishes the
   * value with a GOOD quality.
   */
  invalidate(index: number, quality: BadQuality, status: string, timestamp: number): void;
}

export type SourceEvents = {
  /** The device became reachable or unreachable (DBIRTH / DDEATH on the edge). */
  readonly connectivity: (online: boolean) => void;
};

export interface DeviceSource {
  readonly deviceId: string;
  /**
   * The device's metrics, in the order `index` refers to. A source that learns datatypes from
   * its device may leave this empty until it first comes online; it must be complete before the
   * first value is reported, and it never changes afterwards.
   */
  readonly metrics: readonly MetricDefinition[];
  /**
   * Begins reporting into `sink`. Rejects with a SparkplugError when the device's configuration
   * cannot work (e.g. a NodeId the server does not have): the edge then does not start.
   */
  start(sink: ChangeSink): Promise<void>;
  stop(): Promise<void>;
  /** Whether the device is reachable now; an unreachable device is reported dead. */
  isOnline(): boolean;
  /**
   * For sources that take values on the edge's clock (simulated devices): report the values as of
   * `now` into the sink. The edge calls it right before each scan and each birth. Push sources
   * (OPC UA subscriptions) leave it out.
   */
  poll?(now: number): void;
  /**
   * Write a value coming from an NCMD/DCMD. Rejects with a SparkplugError
   * (UNKNOWN_METRIC, READ_ONLY, ENCODE for a value that does not fit the type, WRITE when the
   * device refuses it).
   */
  write(name: string, value: MetricValue): Promise<void>;
  onConnectivity(listener: SourceEvents['connectivity']): () => void;
}
