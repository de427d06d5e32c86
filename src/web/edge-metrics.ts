/**
 * Prometheus metrics for one edge node (GET /metrics on the edge's HTTP server). As for the host
 * (metrics.ts): a fresh Registry per server, and every value read from the node when scraped, so
 * the publish path pays nothing for it.
 */
import { Gauge, Registry } from 'prom-client';
import { mirrorCounters } from './prom.js';
import { registerConnectFailures } from './connection.js';
import type { ConnectionHealth } from '../transport/index.js';
import { ALLOWED_TRANSITIONS } from '../edge/lifecycle.js';
import type { EdgeStats } from '../edge/index.js';
import type { WebEdge } from './edge-http.js';

const COUNTERS: readonly { key: keyof EdgeStats; name: string; help: string }[] = [
  { key: 'messagesPublished', name: 'sparkstate_edge_messages_published_total', help: 'Sparkplug messages handed to MQTT (births, data, deaths)' },
  { key: 'metricsPublished', name: 'sparkstate_edge_metrics_published_total', help: 'Metric values published in data messages (live and replayed)' },
  { key: 'metricsStored', name: 'sparkstate_edge_metrics_stored_total', help: 'Metric values kept by store-and-forward while not online' },
  { key: 'metricsReplayed', name: 'sparkstate_edge_metrics_replayed_total', help: 'Stored metric values replayed as historical after a birth' },
  { key: 'metricsDiscarded', name: 'sparkstate_edge_metrics_discarded_total', help: 'Metric values dropped (no store-and-forward, queue full, unencodable)' },
  { key: 'births', name: 'sparkstate_edge_births_total', help: 'Birth sequences (NBIRTH + DBIRTHs) sent' },
  { key: 'commandsDuplicate', name: 'sparkstate_edge_commands_duplicate_total', help: 'NCMD/DCMD writes dropped as a repeated delivery (same bytes within 10 s)' },
  { key: 'commandsRejected', name: 'sparkstate_edge_commands_rejected_total', help: 'NCMD/DCMD writes refused (unknown metric, read-only, bad value)' },
];

/** Every lifecycle state, from the transition table (so a new state shows up here by itself). */
const STATES = Object.keys(ALLOWED_TRANSITIONS);

export function createEdgeMetricsRegistry(edge: WebEdge, mqtt: ConnectionHealth): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ group_id: edge.options.groupId, edge_node_id: edge.options.edgeNodeId });
  mirrorCounters(registry, COUNTERS, (key) => edge.stats[key]);
  registerConnectFailures(registry, 'sparkstate_edge', mqtt);
  new Gauge({
    name: 'sparkstate_edge_state',
    help: '1 for the lifecycle state the edge node is in, 0 for the others',
    labelNames: ['state'] as const,
    registers: [registry],
    collect() {
      for (const state of STATES) this.set({ state }, state === edge.state ? 1 : 0);
    },
  });
  new Gauge({
    name: 'sparkstate_edge_online',
    help: '1 while the edge node is born (NBIRTH out in the current MQTT session)',
    registers: [registry],
    collect() {
      this.set(edge.state === 'online' ? 1 : 0);
    },
  });
  new Gauge({
    name: 'sparkstate_edge_device_online',
    help: '1 while the device is born (DBIRTH out in the current session), 0 after its DDEATH or a lost session',
    labelNames: ['device'] as const,
    registers: [registry],
    collect() {
      for (const [device, scope] of edge.deviceScopes) this.set({ device }, scope.born ? 1 : 0);
    },
  });
  return registry;
}
