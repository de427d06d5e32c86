import { loadHostConfig } from '../config/index.js';
import { createHistorian, registerHistorianMetrics } from '../historian/index.js';
import { createHostApplication } from '../host/from-config.js';
import { createHttpServer } from '../web/index.js';
import { createLogger } from './logger.js';
import { watchStopSignals } from './signals.js';

/** `sparkstate host --config FILE`: host application + HTTP API until SIGINT/SIGTERM. */
export async function hostCommand(configPath: string): Promise<void> {
  const config = await loadHostConfig(configPath);
  const log = createLogger(config.logLevel, 'sparkstate-host');
  // Listening before start-up: a signal meanwhile still ends in the offline STATE, not in the default kill.
  const stop = watchStopSignals(log);
  const host = createHostApplication(config, { logger: log });
  // Subscribed before start: the first NBIRTH's values are rows too.
  const historian = config.historian === undefined ? undefined : createHistorian(config.historian, config.storeDir, { logger: log });
  if (historian !== undefined) {
    historian.start();
    host.on('metrics', (e) => historian.record(e));
  }
  // HTTP first: /healthz answers 503 while the host is still connecting, which is what a container probe wants.
  const http = await createHttpServer(host, {
    port: config.http.port,
    host: config.http.host,
    logger: log,
    idempotency: { dir: config.storeDir, windowMs: config.commands.idempotencyWindowMs },
    registerMetrics: historian === undefined ? undefined : (registry) => registerHistorianMetrics(registry, historian),
  });
  log.info({ url: http.url }, 'HTTP API listening');
  await host.start();
  await stop.stopWith(async () => {
    // Offline STATE (QoS 1, retained) goes out before DISCONNECT; then the HTTP side closes.
    try {
      await host.stop();
    } finally {
      try {
        // After the host: its last values are recorded; the historian writes them (or spools them).
        await historian?.stop();
      } finally {
        await http.close();
      }
    }
  });
}
