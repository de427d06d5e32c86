/** sparkstate's public library API (named exports only). */
export {
  ErrorCodes,
  InvalidTopicError,
  SparkplugDecodeError,
  SparkplugEncodeError,
  SparkplugError,
  isSparkplugError,
  type ErrorCode,
} from './errors.js';
export * from './payload/index.js';
export * from './topic/index.js';
export {
  EdgeNode,
  PersistentBdSeq,
  BDSEQ_METRIC,
  NEXT_SERVER_METRIC,
  REBIRTH_METRIC,
  type BdSeqPersistence,
  type BdSeqSource,
  type EdgeEvents,
  type EdgeNodeOptions,
  type EdgeState,
  type EdgeStats,
  type EdgeTransport,
  type ForwardStore,
} from './edge/index.js';
export { createEdgeNode, type EdgeFromConfigOptions } from './edge/from-config.js';
export {
  CONNECT_FAILURE_CAUSES,
  ConnectError,
  ConnectionHealth,
  MqttSession,
  type ConnectFailureCause,
  type MqttSessionOptions,
  type MqttSessionEvents,
  type WillMessage,
} from './transport/index.js';
export { BdSeqStore, ForwardQueue, type ForwardQueueOptions } from './store/index.js';
export { SimulatedDevice, createSimulatedSources } from './sources/simulated/index.js';
export { Quality } from './sources/types.js';
export type { BadQuality, ChangeSink, DeviceSource, MetricDefinition, Deadband, SourceEvents } from './sources/types.js';
export { ConfigError, loadEdgeConfig, loadHostConfig, parseEdgeConfig, parseHostConfig } from './config/index.js';
export type { EdgeConfig, HostConfig } from './config/index.js';
export {
  HostApplication,
  createHostApplication,
  type HostApplicationOptions,
  type HostEvents,
  type HostSnapshot,
  type HostState,
  type HostTransport,
  type MetricUpdate,
  type RebirthOptions,
} from './host/index.js';
export { createHttpServer, type HttpServer, type HttpServerOptions } from './web/index.js';
export { Mirror, createMirror, registerMirrorMetrics, type MirrorOptions, type MirrorQuality } from './mirror/index.js';
