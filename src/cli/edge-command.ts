import { loadEdgeConfig } from '../config/index.js';
import { createEdgeNode } from '../edge/from-config.js';
import { createLogger } from './logger.js';
import { watchStopSignals } from './signals.js';

/** `sparkstate edge --config FILE`: an edge node until SIGINT/SIGTERM, then NDEATH and DISCONNECT. */
export async function edgeCommand(configPath: string): Promise<void> {
  const config = await loadEdgeConfig(configPath);
  const log = createLogger(config.logLevel, 'sparkstate-edge');
  // Listening before start(): a signal during start-up still ends in NDEATH, not in the default kill.
  const stop = watchStopSignals(log);
  const node = await createEdgeNode(config, { logger: log });
  await node.start();
  await stop.stopWith(() => node.stop());
}
