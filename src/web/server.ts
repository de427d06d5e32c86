/**
 * The host's HTTP server (fastify): the live web page, JSON API, live feed, Prometheus metrics and a
 * health check.
 *
 *   GET  /              the live web page (its files under /ui/)
 *   GET  /api/events    Server-Sent Events: a snapshot, then batched deltas (live/wire.ts)
 *   GET  /api/state     the whole model (HostSnapshot)
 *   POST /api/rebirth   {group, node}                          → 202 | 404 | 409
 *   POST /api/write     {group, node, device?, metric, value}   → 200 | 400 | 404 | 409
 *   GET  /metrics       Prometheus text format
 *   GET  /healthz       200 while the host is online, else 503
 *   POST /api/demo/restart-broker   only when demo controls are given (`sparkstate demo`)
 *
 * Every error answer is {code, message} (see errors.ts).
 */
import Fastify, { type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { registerApi } from './api.js';
import { HttpError, toHttpError } from './errors.js';
import { registerDemo, type DemoControls } from './demo.js';
import { LiveFeed } from './live/feed.js';
import { registerLive } from './live/routes.js';
import { createMetricsRegistry } from './metrics.js';
import { registerPage } from './page/index.js';
import type { WebHost } from './types.js';

export interface HttpAppOptions {
  readonly logger?: Logger | undefined;
  /** The demo's controls; their routes (and the page's buttons) exist only when given. */
  readonly demo?: DemoControls | undefined;
  /** Live feed: deltas go out at most this often, ms. Default 200. */
  readonly liveBatchMs?: number | undefined;
  /** Live feed: node summaries (seq, counters) at most this often, ms. Default 1000. */
  readonly liveSummaryMs?: number | undefined;
}

export interface HttpServerOptions extends HttpAppOptions {
  /** 0 = any free port (see `HttpServer.port`). */
  readonly port: number;
  /** Interface to listen on, e.g. 127.0.0.1 (default) or 0.0.0.0 in a container. */
  readonly host?: string | undefined;
}

export interface HttpServer {
  /** The port actually bound. */
  readonly port: number;
  /** http://<host>:<port> */
  readonly url: string;
  readonly app: FastifyInstance;
  close(): Promise<void>;
}

/** Builds the app without listening (for inject-style use and embedding). */
export function buildHttpApp(host: WebHost, opts: HttpAppOptions = {}): FastifyInstance {
  const logger = opts.logger;
  const app = Fastify({
    // Our own pino logs the failures that matter; per-request logs would drown the host's.
    logger: false,
    // Reject, never coerce or strip: {"node": 5} is a client bug to report, not "5".
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
  });
  app.setErrorHandler((err, req, reply) => {
    const e = toHttpError(err);
    if (e.statusCode >= 500) logger?.error({ err, url: req.url }, 'HTTP request failed');
    void reply.code(e.statusCode).send(e.toJSON());
  });
  app.setNotFoundHandler((req, reply) => {
    void reply.code(404).send(new HttpError(404, 'ERR_NOT_FOUND', `no route ${req.method} ${req.url}`).toJSON());
  });

  registerPage(app);
  registerApi(app, host);
  const feed = new LiveFeed(host, {
    batchMs: opts.liveBatchMs ?? 200,
    summaryMs: opts.liveSummaryMs ?? 1000,
    demo: opts.demo !== undefined,
    // Several full snapshots of a large model: a page that cannot keep up is reset, not fed for ever.
    maxBufferedBytes: 64 * 1024 * 1024,
    logger,
  });
  registerLive(app, feed);
  if (opts.demo !== undefined) registerDemo(app, opts.demo);

  const registry = createMetricsRegistry(host);
  app.get('/metrics', async (_req, reply) => {
    const text = await registry.metrics();
    return reply.type(registry.contentType).send(text);
  });

  // For container health checks: healthy = STATE online on an MQTT server.
  app.get('/healthz', async (_req, reply) => {
    const online = host.state === 'online';
    return reply.code(online ? 200 : 503).send({ status: online ? 'ok' : 'unavailable', hostId: host.hostId, state: host.state });
  });
  return app;
}

export async function createHttpServer(host: WebHost, opts: HttpServerOptions): Promise<HttpServer> {
  const app = buildHttpApp(host, opts);
  const address = opts.host ?? '127.0.0.1';
  await app.listen({ port: opts.port, host: address });
  const bound = app.server.address();
  const port = typeof bound === 'object' && bound !== null ? bound.port : opts.port;
  const urlHost = address.includes(':') ? `[${address}]` : address;
  return { port, url: `http://${urlHost}:${port}`, app, close: () => app.close() };
}
