/**
 * "The host has the full state": the host's GET /api/state against the wire ledger, node by node.
 * A node is whole when the host has it online and not stale with the bdSeq of its latest NBIRTH,
 * every device the edge declared online, and every metric the edge declared present, not stale and
 * equal to a value the edge published recently (values change every scan, so "the latest" is a
 * moving target; anything older than `recentMs` before the edge's newest sample is a stale model).
 */
import type { HostSnapshot, MetricSnapshot } from '../../src/host/index.js';
import { waitUntil } from '../helpers/wait.js';
import type { Ledger, Sample } from './ledger.js';
import type { HostCli } from './processes.js';
import { GROUP } from './processes.js';

function sameValue(host: MetricSnapshot['value'], wire: Sample['value']): boolean {
  if (typeof wire === 'number') return (typeof host === 'number' || typeof host === 'string') && Number(host) === wire;
  return host === wire;
}

function recentValues(samples: readonly Sample[], recentMs: number): Sample[] {
  const newest = samples.at(-1);
  if (newest === undefined) return [];
  // Only live samples can be the current value: a historical one is older than what came live.
  return samples.filter((s) => !s.historical && s.receivedAt >= newest.receivedAt - recentMs).concat(newest);
}

/** What keeps the host's model of `nodes` from being whole; empty when it is. */
export function stateProblems(state: HostSnapshot, ledger: Ledger, nodes: readonly string[], recentMs = 3000): string[] {
  const problems: string[] = [];
  if (state.state !== 'online') problems.push(`host is ${state.state}`);
  for (const node of nodes) {
    const wire = ledger.node(node);
    const h = state.groups[GROUP]?.nodes[node];
    if (h === undefined) {
      problems.push(`${node}: not in the host's model`);
      continue;
    }
    if (wire.dead) {
      if (h.online) problems.push(`${node}: died on the wire but online in the host`);
      continue;
    }
    if (!h.online || h.stale) problems.push(`${node}: online=${String(h.online)} stale=${String(h.stale)}`);
    if (h.bdSeq === null || Number(h.bdSeq) !== wire.bdSeqs.at(-1)) problems.push(`${node}: bdSeq ${String(h.bdSeq)} ≠ wire ${String(wire.bdSeqs.at(-1))}`);
    for (const [device, online] of wire.devices) {
      const d = h.devices[device];
      if (d === undefined || d.online !== online) problems.push(`${node}/${device}: host online=${String(d?.online)}, wire ${String(online)}`);
    }
    for (const { device, name } of ledger.bornMetrics(node)) {
      const metrics = device === '' ? h.metrics : h.devices[device]?.metrics;
      const m = metrics?.[name];
      if (m === undefined) {
        problems.push(`${node}/${device}/${name}: missing in the host`);
        continue;
      }
      if (m.stale) problems.push(`${node}/${device}/${name}: stale in the host`);
      const recent = recentValues(ledger.samplesOf(node, device, name), recentMs);
      if (!recent.some((s) => sameValue(m.value, s.value))) {
        problems.push(`${node}/${device}/${name}: host ${JSON.stringify(m.value)} is none of the recent wire values`);
      }
    }
  }
  return problems;
}

/**
 * Polls /api/state until the host's model of `nodes` is whole; resolves with the ms it took from
 * `since` (the moment the fault was repaired). Fails with the remaining problems.
 */
export async function waitWhole(host: HostCli, ledger: Ledger, nodes: readonly string[], since: number, timeoutMs = 20_000): Promise<number> {
  let last: string[] = [];
  await waitUntil(
    async () => {
      try {
        last = stateProblems(await host.state(), ledger, nodes);
      } catch (e) {
        last = [String(e)];
      }
      return last.length === 0;
    },
    timeoutMs,
    'the host to have every node whole',
    50,
  ).catch((e: unknown) => {
    throw new Error(`${String(e)}\n${last.slice(0, 20).join('\n')}`);
  });
  return Date.now() - since;
}
