/** The sources of an edge node's devices from its validated config, in config order. */
import type { Logger } from 'pino';
import type { DeviceConfig } from '../config/index.js';
import { createSimulatedDevice } from './simulated/index.js';
import type { DeviceSource } from './types.js';

export interface SourcesOptions {
  /** The edge's store directory: OPC UA keeps its PKI there. */
  readonly storeDir: string;
  /** Seed for the simulated generators (repeatable demos and tests). */
  readonly seed?: number;
  readonly logger?: Logger | undefined;
}

/**
 * node-opcua (~1.5 s to load) is imported only by a config that has an OPC UA device, so that
 * simulated-only nodes, the host and library users start fast.
 */
export async function createDeviceSources(devices: readonly DeviceConfig[], opts: SourcesOptions): Promise<DeviceSource[]> {
  const simOpts = opts.seed === undefined ? {} : { seed: opts.seed };
  const opcua = devices.some((d) => d.source === 'opcua') ? await import('./opcua/index.js') : undefined;
  return devices.map((d) => {
    switch (d.source) {
      case 'simulated':
        return createSimulatedDevice(d, simOpts);
      case 'opcua':
        if (opcua === undefined) throw new Error('unreachable: OPC UA module not loaded');
        return opcua.createOpcuaSource(d, { storeDir: opts.storeDir, ...(opts.logger === undefined ? {} : { logger: opts.logger }) });
      default: {
        const unreachable: never = d;
        return unreachable;
      }
    }
  });
}
