/**
 * The edge node's HTTP server (fastify): health checks and Prometheus metrics, nothing else.
 *
 *   GET /healthz   200 while the node is online (NBIRTH out), else 503 with the reason: readiness,
 *                  for the Docker HEALTHCHECK, compose's service_healthy and a Kubernetes readinessProbe
 *   GET /livez     200 while the process answers: for a Kubernetes livenessProbe. A node waiting for
 *                  its broker or primary host is not broken, and a restart would not bring either back.
 *   GET /metrics   Prometheus text format
 */
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { EdgeNode, EdgeState } from '../edge/index.js';
import type { ConnectionHealth } from '../transport/index.js';
import { watchConnection } from './connection.js';
import { createEdgeMetricsRegistry } from './edge-metrics.js';
import { baseApp, listen, type HttpServer } from './base.js';
import type { HttpServerOptions } from './server.js';

/** What the HTTP side reads of an edge node. */
export type WebEdge = Pick<EdgeNode, 'state' | 'stats' | 'deviceScopes' | 'options'>;

/** Body of GET /healthz and GET /livez. */
export interface EdgeHealth {
  readonly status: 'ok' | 'unavailable';
  readonly groupId: string;
  readonly edgeNodeId: string;
  readonly state: EdgeState;
  /** Devices born in the current session, of all configured. */
  readonly devices: { readonly online: number; readonly total: number };
  /** Only when unavailable: why, e.g. "broker refuses: not authorized" or "TLS: certificate has expired". */
  readonly reason?: string;
}

/** Why the node is not online, in the words a supervisor can act on. */
function notReadyReason(edge: WebEdge, mqtt: ConnectionHealth): string {
  switch (edge.state) {
    case 'connecting':
      return mqtt.reason ?? (mqtt.connected ? 'setting up the MQTT session' : 'connecting to the MQTT server');
    case 'waitingForHost':
      return `waiting for the primary host ${edge.options.primaryHostId ?? ''} to be online`;
    case 'birthing':
      return 'publishing the births';
    case 'closing':
      return 'stopping';
    case 'offline':
      return 'not started or stopped';
    case 'online':
      return 'online';
  }
}

function health(edge: WebEdge, ok: boolean, mqtt?: ConnectionHealth): EdgeHealth {
  let online = 0;
  for (const scope of edge.deviceScopes.values()) if (scope.born) online++;
  return {
    status: ok ? 'ok' : 'unavailable',
    groupId: edge.options.groupId,
    edgeNodeId: edge.options.edgeNodeId,
    state: edge.state,
    devices: { online, total: edge.deviceScopes.size },
    ...(ok || mqtt === undefined ? {} : { reason: notReadyReason(edge, mqtt) }),
  };
}

/** Builds the app without listening (for inject-style use and embedding). */
export function buildEdgeHttpApp(edge: WebEdge, logger?: Logger): FastifyInstance {
  const app = baseApp(logger);
  const mqtt = watchConnection(app, edge.options.transport);
  app.get('/healthz', async (_req, reply) => {
    const online = edge.state === 'online';
    return reply.code(online ? 200 : 503).send(health(edge, online, mqtt));
  });
  app.get('/livez', async () => health(edge, true));

  const registry = createEdgeMetricsRegistry(edge, mqtt);
  app.get('/metrics', async (_req, reply) => reply.type(registry.contentType).send(await registry.metrics()));
  return app;
}

export async function createEdgeHttpServer(edge: WebEdge, opts: HttpServerOptions): Promise<HttpServer> {
  return listen(buildEdgeHttpApp(edge, opts.logger), opts.port, opts.host);
}
