/** The PostgreSQL historian of the host (README: Historian). */
export { Historian } from './historian.js';
export { redactedUrl } from './log-lines.js';
export { LATEST_VERSION, migrate } from './migrations.js';
export { registerHistorianMetrics } from './metrics.js';
export type { BackpressureState, HistorianEvents, HistorianOptions, HistorianStats } from './types.js';
export { createHistorian, HISTORIAN_PASSWORD_VARIABLE } from './from-config.js';
