/** Builds the simulated sources of an edge node from its validated config. */
import { expandBulk } from '../../config/index.js';
import type { BulkConfig, DeviceConfig, SimulatedDeviceConfig } from '../../config/index.js';
import { SimulatedDevice } from './device.js';
import { hashString, seededRandom } from './random.js';

export interface SimulatedSourcesOptions {
  /** Makes every device's random values repeatable; each device derives its own stream from it. */
  readonly seed?: number;
  /** One PRNG shared by all devices (tests); takes precedence over `seed`. */
  readonly random?: () => number;
}

function randomFor(id: string, opts: SimulatedSourcesOptions): () => number {
  if (opts.random !== undefined) return opts.random;
  return opts.seed === undefined ? Math.random : seededRandom(opts.seed ^ hashString(id));
}

/** One SimulatedDevice per device whose source is `simulated`; other sources are left to their factories. */
export function createSimulatedSources(devices: readonly DeviceConfig[], opts: SimulatedSourcesOptions = {}): SimulatedDevice[] {
  return devices.filter((d): d is SimulatedDeviceConfig => d.source === 'simulated').map((d) => createSimulatedDevice(d, opts));
}

export function createSimulatedDevice(d: SimulatedDeviceConfig, opts: SimulatedSourcesOptions = {}): SimulatedDevice {
  return new SimulatedDevice(d, { random: randomFor(d.id, opts) });
}

/** N devices × M metrics from the bulk shorthand (the YAML loader already expands it in `devices`). */
export function createBulkDevices(bulk: BulkConfig, opts: SimulatedSourcesOptions = {}): SimulatedDevice[] {
  return createSimulatedSources(expandBulk(bulk), opts);
}
