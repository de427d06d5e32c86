/** What the host's and the edge's HTTP servers share: one error shape, and how they listen. */
import Fastify, { type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { HttpError, toHttpError } from './errors.js';

/** A fastify app whose every error answer is {code, message}; failures ≥ 500 are logged. */
export function baseApp(logger: Logger | undefined): FastifyInstance {
  const app = Fastify({
    // Our own pino logs the failures that matter; per-request logs would drown the process's own.
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
  return app;
}

export interface HttpServer {
  /** The port actually bound. */
  readonly port: number;
  /** http://<host>:<port> */
  readonly url: string;
  readonly app: FastifyInstance;
  close(): Promise<void>;
}

/** Listens on `host` (default 127.0.0.1) and `port` (0 = any free port). */
export async function listen(app: FastifyInstance, port: number, host = '127.0.0.1'): Promise<HttpServer> {
  await app.listen({ port, host });
  const bound = app.server.address();
  const actual = typeof bound === 'object' && bound !== null ? bound.port : port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return { port: actual, url: `http://${urlHost}:${actual}`, app, close: () => app.close() };
}
