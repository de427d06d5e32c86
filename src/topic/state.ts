/**
 * The Sparkplug 3.0 STATE certificate: UTF-8 JSON {"online": boolean, "timestamp": integer ms},
 * published QoS 1 retained on spBv1.0/STATE/<hostId>. It is not protobuf.
 */
import { ErrorCodes, SparkplugError } from '../errors.js';

export interface StatePayload {
  readonly online: boolean;
  /** UTC ms since epoch. */
  readonly timestamp: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

// [tck-id-host-topic-phid-birth-payload] [tck-id-host-topic-phid-death-payload]
// [tck-id-message-flow-phid-sparkplug-state-publish-payload] [tck-id-payloads-state-birth-payload]
// [tck-id-operational-behavior-host-application-connect-birth-payload] [tck-id-operational-behavior-host-application-connect-will-payload]
// [tck-id-payloads-state-will-message-payload]
export function encodeState(state: StatePayload): Uint8Array {
  if (!Number.isSafeInteger(state.timestamp) || state.timestamp < 0) {
    throw new SparkplugError(ErrorCodes.INVALID_STATE, `STATE timestamp must be a non-negative integer: ${state.timestamp}`);
  }
  return encoder.encode(JSON.stringify({ online: state.online, timestamp: state.timestamp }));
}

/** Parses a STATE payload; rejects strings/floats for timestamp and non-boolean online. */
export function decodeState(bytes: Uint8Array): StatePayload {
  let parsed: unknown;
  try {
    parsed = JSON.parse(decoder.decode(bytes));
  } catch (cause) {
    throw new SparkplugError(ErrorCodes.INVALID_STATE, 'STATE payload is not UTF-8 JSON', { cause });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new SparkplugError(ErrorCodes.INVALID_STATE, 'STATE payload is not a JSON object');
  }
  const online: unknown = Reflect.get(parsed, 'online');
  const timestamp: unknown = Reflect.get(parsed, 'timestamp');
  if (typeof online !== 'boolean') {
    throw new SparkplugError(ErrorCodes.INVALID_STATE, 'STATE "online" must be a JSON boolean');
  }
  if (typeof timestamp !== 'number' || !Number.isSafeInteger(timestamp) || timestamp < 0) {
    throw new SparkplugError(ErrorCodes.INVALID_STATE, 'STATE "timestamp" must be an integer number of ms');
  }
  return { online, timestamp };
}
