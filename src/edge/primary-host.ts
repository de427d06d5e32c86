/**
 * Tracks the primary host application's STATE certificate. Births wait for an online STATE;
 * a STATE whose timestamp is older than the last one seen is stale and ignored.
 *
 * STATE is per MQTT server (a host publishes its own STATE, with its own timestamp, on each
 * server), so the last timestamp is kept per server, and every new MQTT session starts with the
 * host unknown: it must be seen online on that connection before the node births again.
 */
import type { StatePayload } from '../topic/index.js';

export type HostVerdict = 'online' | 'offline' | 'stale';

export class PrimaryHostTracker {
  private readonly lastTimestamp = new Map<number, number>();
  private server = 0;
  private online = false;

  constructor(readonly hostId: string) {}

  isOnline(): boolean {
    return this.online;
  }

  /** A new MQTT session on server `serverIndex`: wait for the host's STATE on it. */
  newSession(serverIndex: number): void {
    // [tck-id-message-flow-edge-node-birth-publish-phid-wait] verified on every connection
    // [tck-id-operational-behavior-edge-node-birth-sequence-wait]
    this.server = serverIndex;
    this.online = false;
  }

  /** Applies a STATE for `hostId` (callers filter other ids) and says what it means. */
  update(state: StatePayload): HostVerdict {
    // [tck-id-operational-behavior-edge-node-birth-sequence-wait] a STATE older than the last one is stale
    // [tck-id-message-flow-edge-node-birth-publish-phid-wait]
    if (state.timestamp < (this.lastTimestamp.get(this.server) ?? -1)) return 'stale';
    this.lastTimestamp.set(this.server, state.timestamp);
    this.online = state.online;
    return state.online ? 'online' : 'offline';
  }
}
