/** The sources of an edge node's devices from its validated config, in config order. */
import type { Logger } from 'pino';
import type { DeviceConfig } from '../config/index.js';
import { createOpcuaSource } from './opcua/index.js';
import { createSimulatedDevice } from './simulated/index.js';
import type { DeviceSource } from './types.js';

export interface SourcesOptions {
  /** The edge's store directory: OPC UA keeps its PKI there. */
  readonly storeDir: string;
  /** Seed for the simulated generators (repeatable demos and tests). */
  readonly seed?: number;
  readonly logger?: Logger | undefined;
}

export function createDeviceSources(devices: readonly DeviceConfig[], opts: SourcesOptions): DeviceSource[] {
  const simOpts = opts.seed === undefined ? {} : { seed: opts.seed };
  return devices.map((d) => {
    switch (d.source) {
      case 'simulated':
        return createSimulatedDevice(d, simOpts);
      case 'opcua':
        return createOpcuaSource(d, { storeDir: opts.storeDir, ...(opts.logger === undefined ? {} : { logger: opts.logger }) });
      default: {
        const unreachable: never = d;
        return unreachable;
      }
    }
  });
}
