/** T of a host session, as its CONNECT's Will carried it. */
import type { Logger } from 'pino';
import { decodeState } from '../topic/index.js';
import type { ConnectInfo } from '../transport/index.js';

/**
 * T of this connection: the timestamp of the Will its CONNECT carried (the transport reports it),
 * so the birth matches the Will even if `willMessage()` was called again since. Falls back to
 * `fallback` (the last T handed out, or now) when the transport was not wired to `willMessage()`.
 */
export function sessionTimestamp(info: ConnectInfo, stateTopic: string, fallback: number, log: Logger | undefined): number {
  const will = info.will;
  if (will !== undefined && will.topic === stateTopic) {
    try {
      return decodeState(will.payload).timestamp;
    } catch {
      // not our Will's format: fall through
    }
  }
  log?.warn('transport connected without the host STATE Will; wire MqttSessionOptions.will to willMessage()');
  return fallback;
}
