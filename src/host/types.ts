/** Contracts between the host application and the outside world it is given (transport, clock, logger), and its events. */
import type { Logger } from 'pino';
import type { Int64, MetricTypeName, MetricValue, PropertySet } from '../payload/types.js';
import type { MqttSession, WillMessage } from '../transport/index.js';

/**
 * The host's lifecycle (diagram in host-application.ts):
 * offline → connecting → online → closing → offline; online → connecting when the link drops.
 */
export type HostState = 'offline' | 'connecting' | 'online' | 'closing';

/** The STATE Will handed to the transport before every CONNECT (a `WillMessage` with QoS 1, retain). */
export interface HostWillMessage extends WillMessage {
  readonly topic: string;
  readonly payload: Uint8Array;
  readonly qos: 1;
  readonly retain: true;
}

/**
 * What the host needs of an MQTT session: the transport's MqttSession or a test double, as for the
 * edge (EdgeTransport). The session's `will` option must be wired to `HostApplication.willMessage()`
 * (it is called before EVERY CONNECT), and `connect` must be emitted after CONNACK, before anything
 * else is sent. See from-config.ts.
 */
export type HostTransport = Pick<MqttSession, 'start' | 'stop' | 'subscribe' | 'publish' | 'isConnected' | 'on'>;

export interface RebirthOptions {
  /**
   * false: never ask on its own (HP-7 lets a non-primary host stay passive); `requestRebirth()` still
   * works. Default true.
   */
  readonly enabled?: boolean;
  /** Reorder timeout for seq gaps, ms ([tck-id-operational-behavior-host-reordering-param]). 0 = request at once. Default 2000. */
  readonly reorderWindowMs?: number;
  /** Host-wide rate limit for rebirth requests (token bucket refill rate). Default 20. */
  readonly maxPerSecond?: number;
  /** Token bucket capacity: requests that may leave back to back. Default 1 (evenly paced). */
  readonly burst?: number;
  /**
   * After the host's own reconnect, nodes silent (no NBIRTH) for this long are asked to re-birth,
   * and asked again while they stay silent (every retryAfterMs, then less often). Default 1000.
   */
  readonly staleAfterReconnectMs?: number;
  /** An unanswered request may be repeated for the same node after this long. Default 5000. */
  readonly retryAfterMs?: number;
}

/** Bounds on what the host accepts from the broker. */
export interface HostLimits {
  /** Larger payloads are dropped before decoding and counted as `oversized_payload`. Default 16 MiB. */
  readonly maxPayloadBytes?: number;
  /** At most one log line per input problem cause per this interval (plus its first). Default 60000. */
  readonly problemLogIntervalMs?: number;
  /**
   * Edge nodes the model holds at most; messages from further node ids are dropped and counted as
   * `too_many_nodes`, so a publisher inventing node ids cannot grow the host without bound. Default 10000.
   */
  readonly maxNodes?: number;
}

export interface HostApplicationOptions {
  /** sparkplug_host_id: unique per infrastructure ([tck-id-operational-behavior-host-application-host-id]). */
  readonly hostId: string;
  /** Groups to keep in the model, and to subscribe to (`spBv1.0/<group>/#` each); all groups and `spBv1.0/#` when absent (Q10). */
  readonly groups?: readonly string[] | undefined;
  readonly transport: HostTransport;
  readonly rebirth?: RebirthOptions | undefined;
  readonly limits?: HostLimits | undefined;
  readonly logger?: Logger | undefined;
  /** UTC ms; injected for tests. Default Date.now. */
  readonly now?: (() => number) | undefined;
  /** [0, 1); jitter for the rebirth rate limiter. Default Math.random. */
  readonly random?: (() => number) | undefined;
}

/** Why a rebirth was requested (HP-7). */
export type RebirthReason =
  | 'seqGap'
  | 'noBirth'
  | 'unknownDevice'
  | 'unknownMetric'
  | 'decodeError'
  | 'staleAfterReconnect'
  | 'manual';

/** Per edge node counters. */
export interface NodeCounters {
  /** Sparkplug messages received from the node (all verbs except commands). */
  messages: number;
  /** seq gaps detected (each starts the reorder timer once). */
  gaps: number;
  /** Rebirth NCMDs actually published to the node. */
  rebirthsRequested: number;
  /** Payloads that failed to decode. */
  decodeErrors: number;
}

/** Host-wide counters. */
export interface HostCounters {
  messages: number;
  /** Messages on non-Sparkplug topics or with malformed STATE payloads. */
  invalidMessages: number;
  decodeErrors: number;
  gaps: number;
  /** Rebirth NCMDs published. */
  rebirthsRequested: number;
  /** Rebirth requests dropped because one was already outstanding for the node. */
  rebirthsDeduplicated: number;
  /** NDEATHs ignored because their bdSeq did not match the current NBIRTH (HP-1, HP-2). */
  staleDeaths: number;
  /** Historical metrics received (emitted as events; applied only when newer than the current value). */
  historicalMetrics: number;
  /** Own offline STATE re-asserted as online (H-REASSERT). */
  stateReasserts: number;
}

/** One metric value as it arrives in a birth or data message. */
export interface MetricUpdate {
  readonly name: string;
  readonly alias: Int64 | undefined;
  readonly type: MetricTypeName;
  readonly value: MetricValue<Int64>;
  /** Metric timestamp, else the payload's, else host receive time. */
  readonly timestamp: Int64;
  readonly isHistorical: boolean;
  /** A birth's properties are frozen: one object is shared by every metric with an equal set. */
  readonly properties: PropertySet<Int64> | undefined;
}

export interface NodeRef {
  readonly group: string;
  readonly node: string;
}

export interface DeviceRef extends NodeRef {
  readonly device: string;
}

/** The `metrics` event: one birth or data message's values, in message order. */
export interface MetricsEvent extends NodeRef {
  readonly device: string | undefined;
  /** The message's seq (0..255); -1 if unknown. */
  readonly seq: number;
  readonly bdSeq: Int64 | undefined;
  /** An NBIRTH or DBIRTH: every metric of the node or device, with its datatype and properties as of now. */
  readonly birth: boolean;
  readonly metrics: readonly MetricUpdate[];
}

export type HostEvents = {
  stateChanged: [from: HostState, to: HostState];
  nodeBirth: [info: NodeRef & { readonly bdSeq: Int64 | undefined; readonly timestamp: Int64 }];
  /** Only for NDEATHs that match the current birth; `timestamp` is host receive time (HP-3, HP-9). */
  nodeDeath: [info: NodeRef & { readonly bdSeq: Int64 | undefined; readonly timestamp: number }];
  deviceBirth: [info: DeviceRef & { readonly timestamp: Int64 }];
  /** `timestamp` is the DDEATH payload timestamp (HP-9). */
  deviceDeath: [info: DeviceRef & { readonly timestamp: Int64 }];
  /**
   * Births and data, including historical metrics (`isHistorical`). `seq` is the message's seq,
   * `bdSeq` the node's current birth/death sequence (undefined for a birth without one).
   */
  metrics: [info: MetricsEvent];
  /** A Node Control/Rebirth NCMD was published. */
  rebirthRequested: [info: NodeRef & { readonly reason: RebirthReason }];
};
