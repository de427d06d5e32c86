/**
 * The configs of the CLI mirror benchmark: `sparkstate host` with a `mirror:` section, and
 * `sparkstate edge` with simulated devices whose values change on every scan, so that the changes
 * the host gets (and offers its mirror) are the metrics the edge publishes.
 *
 * Per 20 metrics: 5 Int64 counters, 3 Int32 and 5 Float ramps (a minute's period: every 100 ms
 * moves them by a 600th of their range), 5 Double random walks (±1 over ±1e9: never clamped),
 * one Boolean and one String stepping once per scan interval. The last two miss a change when
 * two scans fall into one step period (the scan timer drifts), which is why the benchmark takes
 * the offered rate from the edge's own counter instead of the nominal one.
 */
import type { MetricConfig } from '../src/config/index.js';
import { deviceId, GROUP, type Layout } from './edge-cli-workload.js';

function metricAt(j: number, scanIntervalMs: number): MetricConfig {
  const base = { writable: false } as const;
  const n = String(j + 1).padStart(4, '0');
  const slot = j % 20;
  if (slot < 5) return { ...base, name: `Count/C${n}`, type: 'Int64', generator: 'counter', start: 0, step: 1 };
  if (slot < 8) return { ...base, name: `Level/L${n}`, type: 'Int32', generator: 'ramp', min: 0, max: 1_000_000, periodMs: 60_000 + j };
  if (slot < 13) return { ...base, name: `Analog/F${n}`, type: 'Float', generator: 'ramp', min: 0, max: 100, periodMs: 60_000 + j };
  if (slot < 18) return { ...base, name: `Analog/D${n}`, type: 'Double', generator: 'randomWalk', min: -1e9, max: 1e9, step: 1 };
  if (slot < 19) return { ...base, name: `State/B${n}`, type: 'Boolean', generator: 'step', values: [false, true], periodMs: scanIntervalMs };
  // Three values: a scan that skips one step period still sees a change.
  return { ...base, name: `State/Mode${n}`, type: 'String', generator: 'step', values: ['idle', 'running', 'stopped'], periodMs: scanIntervalMs };
}

/** `sparkstate edge` config (JSON, which YAML reads), with its HTTP server for the edge's /metrics. */
export function mirrorEdgeConfig(url: string, node: string, layout: Layout, scanIntervalMs: number, httpPort: number, storeDir: string): string {
  const metrics = Array.from({ length: layout.metricsPerDevice }, (_, j) => metricAt(j, scanIntervalMs));
  return JSON.stringify({
    mqtt: { servers: [url], clientId: `bench-mirror-${node}` },
    sparkplug: { groupId: GROUP, edgeNodeId: node },
    scanIntervalMs,
    storeDir,
    http: { port: httpPort },
    logLevel: 'warn',
    devices: Array.from({ length: layout.devices }, (_, d) => ({ id: deviceId(d), metrics })),
  });
}

/**
 * `sparkstate host` config with its mirror under `prefix`, the rate limit at the most the config
 * takes (a million per second), out of the way: the benchmark measures what the mirror gets
 * through, not the limit.
 */
export function mirrorHostConfig(url: string, hostId: string, prefix: string, httpPort: number, storeDir: string): string {
  return JSON.stringify({
    mqtt: { servers: [url], clientId: `bench-mirror-host-${hostId}` },
    sparkplug: { hostId },
    http: { port: httpPort },
    storeDir,
    logLevel: 'warn',
    mirror: { prefix, maxPerSecond: 1_000_000 },
  });
}
