/**
 * The live NDATA/DDATA of a scan: a scope's changed metrics written by a DataWriter straight from
 * the scope's columns, with no Metric or Payload objects, into a recycled buffer, and published.
 */
import type { Logger } from 'pino';
import { DataWriter } from '../payload/index.js';
import type { Forwarder } from './forward.js';
import { OutputPool } from './output-pool.js';
import type { Changes } from './changes.js';
import type { RecentData } from './recent-data.js';
import type { Scope } from './scope.js';
import type { EdgeStats, EdgeTransport } from './types.js';

const DATA_PUBLISH = { qos: 0, retain: false } as const;

export interface LiveDataOptions {
  readonly transport: EdgeTransport;
  readonly forwarder: Forwarder;
  readonly stats: EdgeStats;
  readonly log: Logger | undefined;
  readonly withNames: boolean;
  readonly withTypes: boolean;
  readonly now: () => number;
  /** The node's next seq. */
  readonly seq: () => number;
  /** The resend window (store-and-forward on and `resendWindowMs` > 0). */
  readonly recent?: RecentData | undefined;
}

export class LiveData {
  private readonly writer: DataWriter;
  private readonly outputs = new OutputPool();
  /** The publish of the scan's last live message, settled once MQTT.js has written it. */
  private lastWrite: Promise<void> | undefined;
  /** Between a birth and the end of its session: what is written may still be lost in flight. */
  private inSession = false;

  constructor(private readonly o: LiveDataOptions) {
    this.writer = new DataWriter(o.withTypes);
  }

  /** Start of a scan: buffers of earlier messages are reused once the transport has let go of every byte. */
  beginScan(): void {
    this.outputs.reclaim(this.o.transport.flushed?.() === true);
    this.lastWrite = undefined;
  }

  /** Settles once the scan's live messages are written (never rejects); undefined when it published none. */
  written(): Promise<void> | undefined {
    return this.lastWrite;
  }

  /** A birth went out: live data is published from here on. */
  sessionStarted(): void {
    this.inSession = true;
  }

  /**
   * The session ended (connection lost, or left because the primary host went offline): buffers it
   * may still hold are not reused, and the resend window goes to store-and-forward, ahead of what
   * the scans keep from now on.
   */
  sessionLost(): void {
    this.outputs.forget();
    if (!this.inSession) return;
    this.inSession = false;
    const { recent, forwarder, log, stats } = this.o;
    if (recent === undefined) return;
    const window = recent.drain(this.o.now());
    let metrics = 0;
    for (const m of window) {
      forwarder.keepRefused(m.scope, m.bytes, m.count);
      metrics += m.count;
    }
    stats.metricsStored = forwarder.stored;
    stats.metricsDiscarded = forwarder.discarded;
    if (metrics > 0) log?.info({ messages: window.length, metrics, evicted: recent.evicted }, 'resending the recent live data as historical after the next birth');
  }

  /**
   * One live NDATA/DDATA of a scan's changes. Metrics that the transport refuses — the connection
   * dropped before the edge heard of it — go to store-and-forward instead of being lost.
   */
  publish(scope: Scope, changes: Changes): void {
    const { o, outputs } = this;
    const count = changes.count;
    const buffer = o.transport.flushed === undefined ? undefined : outputs.take();
    let bytes: Uint8Array;
    try {
      bytes = encodeChanges(this.writer, scope, changes, o.now(), o.withNames, o.seq, buffer);
    } catch (e) {
      if (buffer !== undefined) outputs.give(buffer);
      // Such a value would fail again when stored: dropped, and said so.
      o.log?.error({ err: e, topic: scope.dataTopic }, 'payload could not be encoded; not published');
      o.forwarder.discard(count);
      return;
    }
    o.stats.messagesPublished++;
    o.stats.metricsPublished += count;
    // [tck-id-topics-ndata-mqtt] [tck-id-topics-ddata-mqtt] [tck-id-payloads-ndata-qos] [tck-id-payloads-ndata-retain]
    // [tck-id-payloads-ddata-qos] [tck-id-payloads-ddata-retain] QoS 0, not retained
    this.lastWrite = o.transport.publish(scope.dataTopic, bytes, DATA_PUBLISH).then(
      () => {
        o.recent?.add(scope, bytes, count, o.now());
        if (buffer !== undefined) outputs.give(buffer);
      },
      (e: unknown) => {
        if (buffer !== undefined) outputs.drop();
        o.log?.debug({ err: e, topic: scope.dataTopic }, 'publish failed');
        o.stats.metricsPublished -= count;
        // Refused before the session's end is handled: it joins the window, so the replay keeps the order.
        if (this.inSession && o.recent !== undefined) o.recent.add(scope, bytes, count, o.now());
        else o.forwarder.keepRefused(scope, bytes, count);
        o.stats.metricsStored = o.forwarder.stored;
        o.stats.metricsDiscarded = o.forwarder.discarded;
      },
    );
  }
}

/**
 * Encodes `changes` as one data message, into the front of `into` when it fits. `seq` is called
 * only once the metrics are encoded, so a message that cannot be encoded uses no sequence number.
 * Throws SparkplugEncodeError (naming the metric) for a value that does not fit its datatype.
 */
export function encodeChanges(data: DataWriter, scope: Scope, changes: Changes, timestamp: number, withNames: boolean, seq: () => number, into?: Uint8Array): Uint8Array {
  const { count, indices, timestamps } = changes;
  const { aliases, names, types } = scope;
  // [tck-id-topics-ndata-timestamp] [tck-id-payloads-ndata-timestamp] [tck-id-topics-ddata-timestamp] [tck-id-payloads-ddata-timestamp]
  data.begin(timestamp);
  // [tck-id-payloads-name-birth-data-requirement] every metric has its own timestamp
  // [tck-id-payloads-alias-data-cmd-requirement] alias only in data when aliases are used
  // [tck-id-payloads-name-requirement] the name, or only the alias born with it
  // [tck-id-payloads-metric-timestamp-in-UTC] the sample's UTC ms
  // [tck-id-payloads-metric-datatype-not-req] no datatype unless asked for (see the DataWriter)
  let i = withNames ? 0 : data.columns(scope, changes, 0, count);
  while (i < count) {
    // A metric of another shape (the first of a message, a name, another type or kind of value,
    // a Quality property), then the common shape again.
    const k = indices[i] as number;
    const a = aliases[k] as number;
    const alias = a < 0 ? undefined : a;
    const name = alias === undefined || withNames ? names[k] : undefined;
    data.metric(alias, name, timestamps[i] as number, types[k] as number, changes.value(i), names[k], changes.properties(i));
    i = withNames ? i + 1 : data.columns(scope, changes, i + 1, count);
  }
  // [tck-id-topics-ndata-seq-num] [tck-id-topics-ddata-seq-num] [tck-id-payloads-ndata-seq] [tck-id-payloads-ndata-seq-inc]
  // [tck-id-payloads-ddata-seq] [tck-id-payloads-ddata-seq-inc]
  return data.finish(seq(), into);
}
