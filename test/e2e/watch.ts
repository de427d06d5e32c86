/**
 * Small waits over the host's /api/state and the wire ledger that several scenarios share:
 * "the host has marked this node offline", "the wire saw this node die".
 */
import { waitUntil } from '../helpers/wait.js';
import type { Plant } from './plant.js';
import { GROUP } from './processes.js';

/** Waits until the host's model has `node` offline (or absent); the ms since `since`. */
export async function hostSeesOffline(plant: Plant, node: string, since: number, timeoutMs = 15_000): Promise<number> {
  await waitUntil(
    async () => {
      try {
        return (await plant.host.state()).groups[GROUP]?.nodes[node]?.online !== true;
      } catch {
        return false; // the host is restarting
      }
    },
    timeoutMs,
    `the host to mark ${node} offline`,
    25,
  );
  return Date.now() - since;
}

/** Waits until the ledger has seen `node`'s latest birth die (its NDEATH or Will with that bdSeq); the ms since `since`. */
export async function wireSeesDeath(plant: Plant, node: string, since: number, timeoutMs = 15_000): Promise<number> {
  await waitUntil(() => plant.ledger.node(node).dead, timeoutMs, `the NDEATH of ${node} on the wire`, 25);
  return Date.now() - since;
}

/** The newest sampling timestamp among a counter's samples with values in [from, upTo]. */
export function lastSampledAt(plant: Plant, node: string, device: string, name: string, from: number, upTo: number): number {
  let last = Number.NEGATIVE_INFINITY;
  for (const s of plant.ledger.samplesOf(node, device, name)) {
    const n = Number(s.value);
    if (n >= from && n <= upTo && s.timestamp !== undefined) last = Math.max(last, s.timestamp);
  }
  return last;
}

/** Waits until `node` has been born again on the wire (more NBIRTHs than `births`, not dead); the ms since `since`. */
export async function wireSeesBirth(plant: Plant, node: string, births: number, since: number, timeoutMs = 20_000): Promise<number> {
  await waitUntil(
    () => {
      const n = plant.ledger.node(node);
      return n.bdSeqs.length > births && !n.dead;
    },
    timeoutMs,
    `a new NBIRTH of ${node} on the wire`,
    25,
  );
  return Date.now() - since;
}

/** Waits until every node of the plant is born and alive on the wire, then until the host is whole; the ms since `since`. */
export async function rebornAndWhole(plant: Plant, births: ReadonlyMap<string, number>, since: number, timeoutMs = 20_000): Promise<number> {
  for (const [node, n] of births) await wireSeesBirth(plant, node, n, since, timeoutMs);
  return plant.whole(since, timeoutMs);
}

/** NBIRTHs seen so far, per node (the baseline for rebornAndWhole). */
export function birthCounts(plant: Plant, nodes: readonly string[] = plant.nodeIds): Map<string, number> {
  return new Map(nodes.map((n) => [n, plant.ledger.node(n).bdSeqs.length]));
}

/** Waits until the process's /healthz answers at all (it says 503 while it has no broker). */
export async function listening(edge: { healthz(): Promise<unknown> }, timeoutMs = 15_000): Promise<void> {
  await waitUntil(
    async () => {
      try {
        await edge.healthz();
        return true;
      } catch {
        return false;
      }
    },
    timeoutMs,
    'the process to answer /healthz',
    50,
  );
}
