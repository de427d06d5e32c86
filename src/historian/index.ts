/** The PostgreSQL historian of the host (README: Historian). */
export { Historian, redactedUrl } from './historian.js';
export { LATEST_VERSION, migrate } from './migrations.js';
export { registerHistorianMetrics } from './metrics.js';
export type { BackpressureState, HistorianEvents, HistorianOptions, HistorianStats } from './types.js';
export { createHistorian, HISTORIAN_PASSWORD_VARIABLE } from './from-config.js';
