/** The retained plain-MQTT mirror of the host's model (README: Retained MQTT mirror). */
export { Mirror, type MirrorCounters, type MirrorHost, type MirrorOptions } from './mirror.js';
export { createMirror } from './from-config.js';
export { registerMirrorMetrics } from './metrics.js';
export { metricJson, metricPayload, metricTopic, metricTopicPart, type MirrorQuality } from './format.js';
export type { MirrorTransport } from './publisher.js';
