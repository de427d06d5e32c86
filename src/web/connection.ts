/**
 * The MQTT connection as the HTTP side reports it: the reason behind a 503 from /healthz, and
 * failed connection attempts by cause in /metrics. Shared by the host's and the edge's servers.
 */
import type { FastifyInstance } from 'fastify';
import { Counter, type Registry } from 'prom-client';
import { ConnectionHealth, type HealthSource } from '../transport/index.js';

/** Listens to `session` for as long as `app` is open. */
export function watchConnection(app: FastifyInstance, session: HealthSource): ConnectionHealth {
  const health = new ConnectionHealth(session);
  app.addHook('onClose', async () => health.close());
  return health;
}

/** `<prefix>_mqtt_connect_failures_total{cause}`: every cause is listed from the start (at 0), so rate() works at once. */
export function registerConnectFailures(registry: Registry, prefix: string, health: ConnectionHealth): void {
  new Counter({
    name: `${prefix}_mqtt_connect_failures_total`,
    help: 'Failed MQTT connection attempts by cause (bad_credentials, not_authorized, tls_untrusted, tls_expired, refused, timeout, …)',
    labelNames: ['cause'] as const,
    registers: [registry],
    collect() {
      // Counters cannot be set; reset + inc mirrors the tracker's counts on each scrape.
      this.reset();
      for (const [cause, n] of health.failures()) this.inc({ cause }, n);
    },
  });
}
