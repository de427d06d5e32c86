import { loadEdgeConfig } from '../config/index.js';
import { createEdgeNode } from '../edge/from-config.js';
import { createLogger } from './logger.js';
import { runUntilSignal } from './signals.js';

export async function edgeCommand(configPath: string): Promise<void> {
  const config = await loadEdgeConfig(configPath);
  const log = createLogger(config.logLevel, 'sparkstate-edge');
  const node = await createEdgeNode(config, { logger: log });
  await node.start();
  await runUntilSignal(log, () => node.stop());
}
