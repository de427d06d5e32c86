/** Simulated devices: generated values behind the DeviceSource interface. */
export { SimulatedDevice } from './device.js';
export type { SimulatedDeviceConfig, SimulatedDeviceOptions } from './device.js';
export { createBulkDevices, createSimulatedDevice, createSimulatedSources } from './factory.js';
export type { SimulatedSourcesOptions } from './factory.js';
export { createGenerator, rampAt, sineAt, stepAt } from './generators.js';
export type { GeneratedValue, Generator } from './generators.js';
export { coerce } from './coerce.js';
export { metricDefinition } from './definition.js';
export { seededRandom } from './random.js';
