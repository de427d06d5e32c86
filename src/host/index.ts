/** The Sparkplug host application: STATE certificate, live model, seq checking, rebirth scheduling. */
export { HostApplication } from './host-application.js';
export { REBIRTH_METRIC } from './commands.js';
export type { RebirthRequestResult } from './rebirth.js';
export type { DeviceSnapshot, HostSnapshot, JsonValue, MetricSnapshot, ModelStats, NodeSnapshot } from './snapshot.js';
export { toJson } from './snapshot.js';
export type { MetricOwnerView } from './views.js';
export { INPUT_PROBLEM_CAUSES, type InputProblemCause } from './input-problems.js';
export { createHostApplication, type HostFromConfigOptions } from './from-config.js';
export type {
  DeviceRef,
  HostApplicationOptions,
  HostCounters,
  HostEvents,
  HostLimits,
  HostState,
  HostTransport,
  HostWillMessage,
  MetricUpdate,
  MetricsEvent,
  NodeCounters,
  NodeRef,
  RebirthOptions,
  RebirthReason,
} from './types.js';
