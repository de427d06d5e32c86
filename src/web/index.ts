/** The host's HTTP side: live web page and feed, JSON API, Prometheus metrics, health check. */
export { buildHttpApp, createHttpServer, type HttpAppOptions, type HttpServer, type HttpServerOptions } from './server.js';
export type { DemoControls } from './demo.js';
export { createMetricsRegistry } from './metrics.js';
export type { ApiError, ApiErrorCode, WebHost } from './types.js';
export { buildEdgeHttpApp, createEdgeHttpServer, type EdgeHealth, type WebEdge } from './edge-http.js';
