/**
 * What the simulated devices alone cost per metric, in this process: both contenders of the CLI
 * benchmark poll the same SimulatedDevices, so this part of their CPU is common to both: it shows
 * how much of each contender's figure is the workload's rather than the publisher's.
 */
import { SimulatedDevice, seededRandom } from '../src/sources/simulated/index.js';
import type { ChangeSink } from '../src/sources/types.js';
import { deviceId, deviceMetrics, type Layout } from './edge-cli-workload.js';

const discard: ChangeSink = { update: () => {}, invalidate: () => {} };

/**
 * CPU µs per metric of `scans` polls of every device, back to back: a lower bound of the common
 * cost (paced every 100 ms in an idle process it came out 3-5x higher, and moved with the load of
 * the shared machine more than the contenders' own figures did, so it is not printed).
 */
export async function sourceCostUs(layout: Layout, scans: number): Promise<number> {
  const metrics = deviceMetrics(layout.metricsPerDevice);
  const devices = Array.from({ length: layout.devices }, (_, d) => new SimulatedDevice({ id: deviceId(d), metrics }, { random: seededRandom(d + 1) }));
  await Promise.all(devices.map((dev) => dev.start(discard)));
  const t = Date.now();
  // Warm-up, so that the figure is not the first calls' compilation.
  const warm = 200;
  for (let k = 0; k < warm; k++) for (const dev of devices) dev.poll(t + k);
  const cpu = process.cpuUsage();
  for (let k = 0; k < scans; k++) {
    for (const dev of devices) dev.poll(t + warm + k);
  }
  const used = process.cpuUsage(cpu);
  return (used.user + used.system) / (scans * layout.devices * layout.metricsPerDevice);
}
