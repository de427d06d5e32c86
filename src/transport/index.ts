/** The MQTT transport: one reconnecting session over a server list. Knows nothing about Sparkplug payloads. */
export { MqttSession } from './session.js';
export type {
  DisconnectOptions,
  MqttSessionOptions,
  PublishOptions,
  SubscriptionFilter,
  TlsOptions,
  WillMessage,
} from './options.js';
export { Backoff, DEFAULT_BACKOFF } from './backoff.js';
export { ConnectionHealth, type HealthSource } from './health.js';
export { CONNECT_FAILURE_CAUSES, ConnectError, type ConnectFailureCause } from './failures.js';
export type { BackoffOptions, Jitter } from './backoff.js';
export type {
  ConnectInfo,
  DisconnectInfo,
  DisconnectReason,
  MessageInfo,
  MqttSessionEvents,
  SessionState,
} from './events.js';
