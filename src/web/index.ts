/** The host's HTTP side: JSON API, Prometheus metrics, health check. */
export { buildHttpApp, createHttpServer, type HttpServer, type HttpServerOptions } from './server.js';
export { createMetricsRegistry } from './metrics.js';
export type { ApiError, ApiErrorCode, WebHost } from './types.js';
export { buildEdgeHttpApp, createEdgeHttpServer, type EdgeHealth, type WebEdge } from './edge-http.js';
