/**
 * The host's HTTP server (fastify): the live web page, JSON API, live feed, Prometheus metrics and a
 * health check.
 *
 *   GET  /              the live web page (its files under /ui/)
 *   GET  /api/events    Server-Sent Events: a snapshot, then batched deltas (live/wire.ts)
 *   GET  /api/state     the whole model (HostSnapshot)
 *   POST /api/rebirth   {group, node}                          → 202 | 404 | 409
 *   POST /api/write     {group, node, device?, metric, value}   → 200 | 400 | 404 | 409 | 422
 *                       (Idempotency-Key header, ?confirm=MS)
 *   GET  /metrics       Prometheus text format
 *   GET  /healthz       200 while the host is online, else 503 with the reason
 *   POST /api/demo/restart-broker   only when demo controls are given (`sparkstate demo`)
 *
 * Every error answer is {code, message} (see errors.ts).
 */
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { registerApi } from './api.js';
import { baseApp, listen, type HttpServer } from './base.js';
import { registerDemo, type DemoControls } from './demo.js';
import { LiveFeed } from './live/feed.js';
import { registerLive } from './live/routes.js';
import { watchConnection } from './connection.js';
import { IdempotencyStore } from './idempotency.js';
import { createMetricsRegistry } from './metrics.js';
import { registerPage } from './page/index.js';
import type { WebHost } from './types.js';

export type { HttpServer } from './base.js';

export interface HttpAppOptions {
  readonly logger?: Logger | undefined;
  /** The demo's controls; their routes (and the page's buttons) exist only when given. */
  readonly demo?: DemoControls | undefined;
  /** Live feed: deltas go out at most this often, ms. Default 200. */
  readonly liveBatchMs?: number | undefined;
  /** Live feed: node summaries (seq, counters) at most this often, ms. Default 1000. */
  readonly liveSummaryMs?: number | undefined;
  /**
   * Where POST /api/write keeps its Idempotency-Key answers (`dir` undefined: in memory, lost on
   * restart) and for how long, ms (default 24 h).
   */
  readonly idempotency?: { readonly dir?: string | undefined; readonly windowMs?: number | undefined } | undefined;
  /** Registers more metrics on GET /metrics (the mirror's, the historian's). */
  readonly metrics?: ((registry: Registry) => void) | undefined;
}

/** How long an Idempotency-Key is remembered by default: a day covers any sane client's retries. */
export const DEFAULT_IDEMPOTENCY_WINDOW_MS = 24 * 60 * 60 * 1000;

export interface HttpServerOptions extends HttpAppOptions {
  /** 0 = any free port (see `HttpServer.port`). */
  readonly port: number;
  /** Interface to listen on, e.g. 127.0.0.1 (default) or 0.0.0.0 in a container. */
  readonly host?: string | undefined;
}

/** Builds the app without listening (for inject-style use and embedding). */
export function buildHttpApp(host: WebHost, opts: HttpAppOptions = {}): FastifyInstance {
  const logger = opts.logger;
  const app = baseApp(logger);

  registerPage(app);
  const keys = openKeys(opts.idempotency?.dir, opts.idempotency?.windowMs ?? DEFAULT_IDEMPOTENCY_WINDOW_MS, logger);
  app.addHook('onClose', async () => keys.close());
  registerApi(app, host, keys);
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

  const mqtt = watchConnection(app, host.options.transport);
  const registry = createMetricsRegistry(host, mqtt, opts.metrics);
  app.get('/metrics', async (_req, reply) => {
    const text = await registry.metrics();
    return reply.type(registry.contentType).send(text);
  });

  // For container health checks: healthy = STATE online on an MQTT server; otherwise say why.
  app.get('/healthz', async (_req, reply) => {
    const body = { status: 'ok', hostId: host.hostId, state: host.state };
    if (host.state === 'online') return reply.code(200).send(body);
    const reason =
      host.state === 'connecting'
        ? (mqtt.reason ?? (mqtt.connected ? 'publishing the STATE birth' : 'connecting to the MQTT server'))
        : host.state === 'closing'
          ? 'stopping'
          : 'not started or stopped';
    return reply.code(503).send({ ...body, status: 'unavailable', reason });
  });
  return app;
}

/**
 * An unusable storeDir (e.g. a read-only /config in a container) must not keep the host's model and
 * API down: keys are then kept in memory, and the log says they will not survive a restart.
 */
function openKeys(dir: string | undefined, windowMs: number, logger: Logger | undefined): IdempotencyStore {
  try {
    return IdempotencyStore.open(dir, { windowMs, logger });
  } catch (err) {
    logger?.error({ err, dir }, 'Idempotency-Key store unusable; keys kept in memory until the host stops');
    return IdempotencyStore.open(undefined, { windowMs, logger });
  }
}

export async function createHttpServer(host: WebHost, opts: HttpServerOptions): Promise<HttpServer> {
  return listen(buildHttpApp(host, opts), opts.port, opts.host);
}
