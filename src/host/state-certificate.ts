/**
 * The host's STATE certificate: the Will handed to every CONNECT, the birth after CONNACK, the death
 * at a clean stop, the re-assert when its own offline STATE comes back (Q16), and "unavailable" —
 * an offline STATE while still connected, so that the edge nodes store and forward instead of
 * publishing into a host that cannot keep up (the historian's full spool).
 *
 * Every message of one session carries that session's T. An unavailable host says offline with T
 * and online again with T: edge nodes accept both (each is ≥ the last T they saw), and the Will that
 * the broker still holds (offline, T) stays valid should the host then die.
 */
import type { Logger } from 'pino';
import { decodeState, encodeState } from '../topic/index.js';
import type { ConnectInfo } from '../transport/index.js';
import { sessionTimestamp } from './session-timestamp.js';
import type { HostTransport, HostWillMessage } from './types.js';

export interface StateCertificateOptions {
  readonly transport: HostTransport;
  readonly now: () => number;
  readonly log: Logger | undefined;
  /** The host's own offline STATE was answered with online again. */
  readonly reasserted: () => void;
  readonly malformed: (detail: string) => void;
}

export class StateCertificate {
  private willTs: number | undefined;
  /** T of the connected session (its Will and its birth); undefined while not connected. */
  private sessionTs: number | undefined;
  /** Why the host says offline while connected; undefined while available. */
  private unavailableReason: string | undefined;

  constructor(
    readonly topic: string,
    private readonly o: StateCertificateOptions,
  ) {}

  get available(): boolean {
    return this.unavailableReason === undefined;
  }

  /**
   * The Will for the next CONNECT.
   * [tck-id-host-topic-phid-death-payload-timestamp-connect] T = UTC now at this CONNECT, remembered for the birth
   * [tck-id-operational-behavior-host-application-multi-server-timestamp] one session at a time; every CONNECT, to any
   * server, gets its own T
   */
  will(): HostWillMessage {
    const ts = Math.max(this.o.now(), this.willTs ?? 0);
    this.willTs = ts;
    // [tck-id-host-topic-phid-death-required] [tck-id-host-topic-phid-death-qos] QoS 1
    // [tck-id-host-topic-phid-death-retain] retained [tck-id-host-topic-phid-death-payload] {"online":false,"timestamp":T}
    // [tck-id-operational-behavior-host-application-connect-will] [tck-id-payloads-state-will-message]
    // [tck-id-operational-behavior-host-application-connect-will-qos] [tck-id-payloads-state-will-message-qos]
    // [tck-id-operational-behavior-host-application-connect-will-retained] [tck-id-payloads-state-will-message-retain]
    // [tck-id-operational-behavior-host-application-connect-will-payload] [tck-id-payloads-state-will-message-payload]
    return { topic: this.topic, payload: encodeState({ online: false, timestamp: ts }), qos: 1, retain: true };
  }

  /** A CONNACK: this session's T, as its CONNECT's Will carried it. */
  connected(info: ConnectInfo): void {
    this.sessionTs = sessionTimestamp(info, this.topic, this.willTs ?? this.o.now(), this.o.log);
  }

  disconnected(): void {
    this.sessionTs = undefined;
  }

  /**
   * The session's STATE birth, with the T of its Will; offline instead while the host is unavailable.
   * [tck-id-host-topic-phid-birth-payload-timestamp] same T as this CONNECT's Will
   */
  birth(): Promise<void> {
    return this.publish(this.available, this.sessionTs ?? this.willTs ?? this.o.now());
  }

  /**
   * The death at a clean stop.
   * [tck-id-host-topic-phid-death-payload-timestamp-disconnect-clean] current time, never older than the Will's T
   */
  death(): Promise<void> {
    return this.publish(false, Math.max(this.o.now(), this.willTs ?? 0));
  }

  /**
   * Says offline (available false) or online again while connected; nothing when unchanged. Also
   * remembered for the births of later sessions.
   */
  setAvailable(available: boolean, reason: string): Promise<void> | undefined {
    if (available === this.available) return undefined;
    this.unavailableReason = available ? undefined : reason;
    this.o.log?.warn({ reason }, available ? 'available again: STATE online' : 'unavailable: STATE offline while connected, edge nodes store and forward');
    const ts = this.sessionTs;
    return ts === undefined ? undefined : this.publish(available, ts);
  }

  /** Our own STATE topic delivered a message; `online` tells whether the host's session is up. */
  delivered(payload: Uint8Array, online: boolean): void {
    let state;
    try {
      state = decodeState(payload);
    } catch (err) {
      this.o.malformed(err instanceof Error ? err.message : String(err));
      return;
    }
    const ts = this.sessionTs;
    // Q16: an offline STATE older than this session's Will is history (e.g. our previous Will, retained).
    // While unavailable the offline STATE is our own word.
    if (state.online || ts === undefined || state.timestamp < ts || !online || !this.available) return;
    // [tck-id-message-flow-hid-sparkplug-state-message-delivered] re-assert at once with the same timestamp
    this.o.reasserted();
    this.o.log?.warn({ timestamp: state.timestamp }, 'own STATE declared offline; re-asserting online');
    this.publish(true, ts).catch((err: unknown) => this.o.log?.warn({ err }, 'STATE re-assert failed'));
  }

  private publish(online: boolean, timestamp: number): Promise<void> {
    // [tck-id-host-topic-phid-birth-qos] [tck-id-host-topic-phid-birth-retain] QoS 1, retained
    // [tck-id-host-topic-phid-birth-payload] {"online":true|false,"timestamp":T}
    // [tck-id-operational-behavior-host-application-connect-birth-qos]
    // [tck-id-operational-behavior-host-application-connect-birth-retained] [tck-id-message-flow-phid-sparkplug-state-publish-payload]
    // [tck-id-payloads-state-birth-payload] [tck-id-operational-behavior-host-application-connect-birth-payload]
    // [tck-id-host-topic-phid-birth-topic] [tck-id-operational-behavior-host-application-connect-birth-topic] spBv1.0/STATE/<hostId>
    return this.o.transport.publish(this.topic, encodeState({ online, timestamp }), { qos: 1, retain: true });
  }
}
