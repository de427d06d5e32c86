/**
 * Connection health for supervisors: whether the session is connected, and if not, why (the last
 * failed attempt's reason, or how the connection was lost), plus failed attempts counted by cause.
 * It only listens to a session's events, so the edge node and the host application need no part in it.
 */
import type { MqttSession } from './session.js';
import { CONNECT_FAILURE_CAUSES, type ConnectFailureCause } from './failures.js';

/** The events it listens to: an MqttSession, or a test double that emits the same events. */
export type HealthSource = Pick<MqttSession, 'on'>;

export class ConnectionHealth {
  private connectedValue = false;
  private reasonValue: string | undefined;
  private lastFailureValue: ConnectFailureCause | undefined;
  private readonly counts = new Map<ConnectFailureCause, number>(CONNECT_FAILURE_CAUSES.map((c) => [c, 0]));
  private readonly off: (() => void)[];

  constructor(session: HealthSource) {
    this.off = [
      session.on('connect', () => {
        this.connectedValue = true;
        this.reasonValue = undefined;
        this.lastFailureValue = undefined;
      }),
      session.on('disconnect', (info) => {
        this.connectedValue = false;
        // A stop or a deliberate move to the next server is no failure; the owner's state says enough.
        this.reasonValue = info.reason === 'lost' ? `connection lost: ${lostCause(info.error)}` : undefined;
      }),
      session.on('error', (e) => {
        this.counts.set(e.failure, (this.counts.get(e.failure) ?? 0) + 1);
        this.lastFailureValue = e.failure;
        this.reasonValue = e.reason;
      }),
    ];
  }

  get connected(): boolean {
    return this.connectedValue;
  }

  /** Why not connected ("broker refuses: not authorized"); undefined while connected or before anything failed. */
  get reason(): string | undefined {
    return this.reasonValue;
  }

  /** The cause label of the failed attempt since the last connection, if any. */
  get lastFailure(): ConnectFailureCause | undefined {
    return this.lastFailureValue;
  }

  /** Failed connection attempts by cause since construction (every cause listed, most at 0). */
  failures(): ReadonlyMap<ConnectFailureCause, number> {
    return this.counts;
  }

  /** Stops listening. */
  close(): void {
    for (const f of this.off.splice(0)) f();
  }
}

function lostCause(e: Error | undefined): string {
  const inner = e?.cause;
  return inner instanceof Error ? inner.message : 'closed by the broker or the network';
}
