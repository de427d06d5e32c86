/**
 * The devices both contenders of the CLI edge benchmark publish: the same metric names, datatypes,
 * generators and aliases. The sparkstate CLI gets them as its config file (JSON, which YAML reads);
 * the Tahu child builds SimulatedDevices from the same MetricConfigs.
 *
 * Per 20 metrics: 5 Int64 counters, 3 Int32 levels and 5 Float and 5 Double analog values (random
 * walks), 2 Boolean states (a step per ms: a scan sees a change when the ms parity moved); the
 * last metric of every device is a String that changes every 5 s. All but the Booleans and the
 * String change on every sample, however close together the scans are: a contender that scans
 * back to back sends messages as full as one that scans once a millisecond.
 */
import type { MetricConfig } from '../src/config/index.js';

export const GROUP = 'Bench';

export interface Layout {
  readonly devices: number;
  readonly metricsPerDevice: number;
}

function metricAt(j: number, last: boolean): MetricConfig {
  const base = { writable: false } as const;
  const n = String(j + 1).padStart(4, '0');
  if (last) return { ...base, name: `State/Mode${n}`, type: 'String', generator: 'step', values: ['idle', 'running', 'stopped'], periodMs: 5000 };
  const slot = j % 20;
  if (slot < 5) return { ...base, name: `Count/C${n}`, type: 'Int64', generator: 'counter', start: 0, step: 1 };
  if (slot < 8) return { ...base, name: `Level/L${n}`, type: 'Int32', generator: 'randomWalk', min: 0, max: 1_000_000, step: 1000 };
  if (slot < 13) return { ...base, name: `Analog/F${n}`, type: 'Float', generator: 'randomWalk', min: 0, max: 100, step: 0.5 };
  if (slot < 18) return { ...base, name: `Analog/D${n}`, type: 'Double', generator: 'randomWalk', min: -1e9, max: 1e9, step: 1 };
  return { ...base, name: `State/B${n}`, type: 'Boolean', generator: 'step', values: [false, true], periodMs: 1 };
}

export function deviceMetrics(metricsPerDevice: number): MetricConfig[] {
  return Array.from({ length: metricsPerDevice }, (_, j) => metricAt(j, j === metricsPerDevice - 1));
}

export function deviceId(d: number): string {
  return `D${String(d + 1).padStart(2, '0')}`;
}

/**
 * sparkstate's alias of metric j of device d when the node has no metrics of its own: the
 * AliasTable numbers metrics from 1 in device order (src/edge/aliases.ts). Tahu uses the same.
 */
export function aliasOf(layout: Layout, d: number, j: number): number {
  return d * layout.metricsPerDevice + j + 1;
}

/** The `sparkstate edge` config for one run, as JSON text (valid YAML). */
export function edgeConfig(url: string, node: string, layout: Layout, scanIntervalMs: number, storeDir: string): string {
  const metrics = deviceMetrics(layout.metricsPerDevice);
  return JSON.stringify({
    mqtt: { servers: [url], clientId: `bench-cli-${node}` },
    sparkplug: { groupId: GROUP, edgeNodeId: node },
    scanIntervalMs,
    storeDir,
    logLevel: 'warn',
    devices: Array.from({ length: layout.devices }, (_, d) => ({ id: deviceId(d), metrics })),
  });
}
