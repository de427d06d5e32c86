import { loadEdgeConfig } from '../config/index.js';
import { createEdgeNode } from '../edge/from-config.js';
import { createEdgeHttpServer, type HttpServer } from '../web/index.js';
import { createLogger } from './logger.js';
import { watchStopSignals } from './signals.js';

/** `sparkstate edge --config FILE`: edge node (+ health/metrics HTTP when `http` is set) until SIGINT/SIGTERM, then NDEATH and DISCONNECT. */
export async function edgeCommand(configPath: string): Promise<void> {
  const config = await loadEdgeConfig(configPath);
  const log = createLogger(config.logLevel, 'sparkstate-edge');
  // Listening before start(): a signal during start-up still ends in NDEATH, not in the default kill.
  const stop = watchStopSignals(log);
  const node = await createEdgeNode(config, { logger: log });
  // HTTP first: /healthz answers 503 until the first birth, which is what a container probe wants.
  let http: HttpServer | undefined;
  if (config.http !== undefined) {
    http = await createEdgeHttpServer(node, { port: config.http.port, host: config.http.host, logger: log });
    log.info({ url: http.url }, 'health and metrics HTTP listening');
  }
  try {
    await node.start();
  } catch (e: unknown) {
    await http?.close();
    throw e;
  }
  await stop.stopWith(async () => {
    // NDEATH goes out before DISCONNECT; then the HTTP side closes.
    try {
      await node.stop();
    } finally {
      await http?.close();
    }
  });
}
