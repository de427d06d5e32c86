import { loadHostConfig } from '../config/index.js';
import { createHistorian, registerHistorianMetrics } from '../historian/index.js';
import { createHostApplication } from '../host/from-config.js';
import { createMirror, registerMirrorMetrics } from '../mirror/index.js';
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
  const mirror = createMirror(config, host, log);
  // Subscribed before start: the first NBIRTH's values are rows too.
  const historian = config.historian === undefined ? undefined : createHistorian(config.historian, config.storeDir, { logger: log });
  if (historian !== undefined) {
    historian.start();
    host.on('metrics', (e) => historian.record(e));
    // A full spool: the host says offline so that its edge nodes store and forward instead of the
    // historian dropping rows; online again once the spool is drained.
    historian.on('backpressure', (state) => void host.setAvailable(state === 'normal', state === 'full' ? 'historian spool full' : 'historian spool drained'));
  }
  // HTTP first: /healthz answers 503 while the host is still connecting, which is what a container probe wants.
  const http = await createHttpServer(host, {
    port: config.http.port,
    host: config.http.host,
    logger: log,
    idempotency: { dir: config.storeDir, windowMs: config.commands.idempotencyWindowMs },
    metrics: (registry) => {
      if (mirror !== undefined) registerMirrorMetrics(registry, mirror);
      if (historian !== undefined) registerHistorianMetrics(registry, historian);
    },
  });
  log.info({ url: http.url }, 'HTTP API listening');
  await mirror?.start();
  await host.start();
  await stop.stopWith(async () => {
    // Offline STATE (QoS 1, retained) goes out before DISCONNECT; then the mirror says its values are
    // stale and the historian writes (or spools) the last rows; then HTTP closes.
    try {
      await host.stop();
    } finally {
      try {
        await mirror?.stop();
        await historian?.stop();
      } finally {
        await http.close();
      }
    }
  });
}
