/** Contracts between the edge node and the outside world it is given (transport, stores, clock, logger). */
import type { Logger } from 'pino';
import type { DeviceSource } from '../sources/types.js';
import type { MqttSession } from '../transport/index.js';

/** The edge node's lifecycle. See the diagram in README.md ("Edge node states"). */
export type EdgeState = 'offline' | 'connecting' | 'waitingForHost' | 'birthing' | 'online' | 'closing';

/** What the edge node needs of an MQTT session (the transport's MqttSession, or a test double). */
export type EdgeTransport = Pick<
  MqttSession,
  'start' | 'stop' | 'subscribe' | 'publish' | 'isConnected' | 'nextServer' | 'on'
> &
  // Without it, every data message is written into a fresh buffer.
  Partial<Pick<MqttSession, 'flushed'>>;

/** Hands out the bdSeq for each new MQTT session and remembers it across restarts. */
export interface BdSeqSource {
  /** The bdSeq for the next CONNECT; the same value until `confirm` is called. */
  peek(): number;
  /**
   * The CONNECT with `peek()` was accepted: the next session uses the following value. The edge
   * awaits this before the session's births, so a durable source should record the value by then.
   */
  confirm(): void | Promise<void>;
}

export interface ForwardRecord {
  readonly scope: string;
  readonly timestamp: number;
  readonly data: Uint8Array;
}

export interface StoredForwardRecord extends ForwardRecord {
  readonly id: number;
}

/** The durable store-and-forward queue (implemented by store's ForwardQueue). */
export interface ForwardStore {
  /** false when the record could not be kept (the store cannot write and its memory is full). */
  append(record: ForwardRecord): boolean | void;
  flush(): unknown;
  peek(limit: number): StoredForwardRecord[];
  ack(uptoId: number): void;
  isEmpty(): boolean;
  close(): void;
}

export interface EdgeNodeOptions {
  readonly groupId: string;
  readonly edgeNodeId: string;
  /** Births wait for this host's STATE to say online. */
  readonly primaryHostId?: string | undefined;
  /** Number of servers the transport walks; with more than one, a node waiting for its primary host moves on. */
  readonly serverCount?: number;
  /** With several servers: how long to wait for the primary host on one server before trying the next (default 5000). */
  readonly primaryHostWaitMs?: number;
  readonly transport: EdgeTransport;
  /** MQTT protocol of the transport: 5 makes a clean stop DISCONNECT with reason 0x04. Default 4. */
  readonly protocolVersion?: 4 | 5;
  readonly bdSeq: BdSeqSource;
  /** Store-and-forward; absent means samples taken while offline are discarded (with a counter). */
  readonly forwardStore?: ForwardStore | undefined;
  /** Node-level metrics (NBIRTH/NDATA); its deviceId is ignored. */
  readonly nodeSource?: DeviceSource | undefined;
  readonly devices: readonly DeviceSource[];
  readonly scanIntervalMs: number;
  /** Default true: births carry name + alias, data messages alias only. */
  readonly useAliases?: boolean;
  /** Default false: data messages also carry names. */
  readonly sendNamesInData?: boolean;
  /** Default false: data messages carry no datatype (Sparkplug: SHOULD NOT); true for hosts that need it. */
  readonly datatypesInData?: boolean;
  /** Historical metrics replayed per second after a re-birth (default 5000). */
  readonly replayRatePerSec?: number;
  /**
   * With store-and-forward: live data of this last stretch is re-sent as historical after a session
   * ends, since QoS 0 data may have died in flight (recent-data.ts). Default 0 (off).
   */
  readonly resendWindowMs?: number;
  /** Upper bound on the bytes the resend window keeps (default 16 MiB). */
  readonly resendWindowMaxBytes?: number;
  /** A repeated delivery of one NCMD/DCMD write (same bytes) within this long is dropped (default 10000). */
  readonly commandDedupWindowMs?: number;
  readonly logger?: Logger | undefined;
  readonly now?: () => number;
}

/** Counters exposed for logs, tests and the benchmarks. */
export interface EdgeStats {
  messagesPublished: number;
  metricsPublished: number;
  metricsStored: number;
  metricsReplayed: number;
  metricsDiscarded: number;
  commandsRejected: number;
  /** NCMD/DCMD writes dropped as a repeated delivery of one command (command-dedup.ts). */
  commandsDuplicate: number;
  births: number;
}

/** Every counter at zero. */
export function newEdgeStats(): EdgeStats {
  return {
    messagesPublished: 0,
    metricsPublished: 0,
    metricsStored: 0,
    metricsReplayed: 0,
    metricsDiscarded: 0,
    commandsRejected: 0,
    commandsDuplicate: 0,
    births: 0,
  };
}

export type EdgeEvents = {
  stateChanged: [from: EdgeState, to: EdgeState];
  /** A command that was refused (unknown metric, read-only, bad value). */
  commandRejected: [info: { device: string | undefined; metric: string; code: string; message: string }];
  /** Replay of the store-and-forward backlog finished. */
  replayDone: [count: number];
};
