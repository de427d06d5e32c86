import type { SparkplugError } from '../errors.js';
import type { ConnectError } from './failures.js';
import type { WillMessage } from './options.js';

export interface ConnectInfo {
  /** The server URL, password masked. */
  server: string;
  /** Position in `servers` (stable key for per-server state such as the host's STATE timestamp). */
  serverIndex: number;
  /** 1 for the first CONNACK of this session object, +1 per successful connection. */
  sessionId: number;
  /** The Will this connection registered (the host's STATE birth reuses its timestamp). */
  will: WillMessage | undefined;
  /** CONNACK's session-present flag: the broker kept this client's session (only with `cleanSession: false`); test doubles may leave it out. */
  sessionPresent?: boolean;
}

export type DisconnectReason =
  /** Network loss, broker gone, keep-alive timeout: the session reconnects on its own. */
  | 'lost'
  /** `nextServer()` dropped the connection on purpose. */
  | 'nextServer'
  /** `stop()` */
  | 'stop';

export interface DisconnectInfo {
  server: string;
  serverIndex: number;
  sessionId: number;
  reason: DisconnectReason;
  error?: SparkplugError;
}

export interface MessageInfo {
  qos: 0 | 1 | 2;
  retain: boolean;
}

export interface MqttSessionEvents {
  /** After CONNACK and before anything else is sent: subscribe and publish births here. */
  connect: [info: ConnectInfo];
  /** Only for connections that reached `connect`. */
  disconnect: [info: DisconnectInfo];
  message: [topic: string, payload: Uint8Array, info: MessageInfo];
  /** Failed attempts and refused connections (cause in `failure`); the session keeps retrying. */
  error: [error: ConnectError];
}

export type SessionState = 'idle' | 'connecting' | 'connected' | 'waiting' | 'stopping' | 'stopped';
