/**
 * Prometheus metrics for one host (GET /metrics). A fresh Registry per HTTP server, never the global
 * one: two hosts in one process (tests, embedders) must not share or collide on metric names.
 * Nothing is updated on the message path; every value is read from the host when scraped
 * (observability costs nothing when unused).
 */
import { Counter, Gauge, Registry } from 'prom-client';
import { INPUT_PROBLEM_CAUSES } from '../host/index.js';
import type { ConnectionHealth } from '../transport/index.js';
import { mirrorCounters } from './prom.js';
import { registerConnectFailures } from './connection.js';
import type { WebHost } from './types.js';

type CounterKey = 'messages' | 'gaps' | 'rebirthsRequested' | 'decodeErrors' | 'invalidMessages' | 'staleDeaths';

const COUNTERS: readonly { key: CounterKey; name: string; help: string }[] = [
  { key: 'messages', name: 'sparkstate_host_messages_received_total', help: 'Sparkplug messages received from edge nodes' },
  { key: 'gaps', name: 'sparkstate_host_seq_gaps_total', help: 'seq gaps detected (each starts the reorder window once)' },
  { key: 'rebirthsRequested', name: 'sparkstate_host_rebirth_requests_total', help: 'Node Control/Rebirth NCMDs published' },
  { key: 'decodeErrors', name: 'sparkstate_host_decode_errors_total', help: 'Payloads that did not decode' },
  { key: 'invalidMessages', name: 'sparkstate_host_invalid_messages_total', help: 'Messages on non-Sparkplug topics or malformed STATE' },
  { key: 'staleDeaths', name: 'sparkstate_host_stale_deaths_total', help: 'NDEATHs ignored because their bdSeq did not match the current birth' },
];

/** `mqtt`: failed connection attempts by cause, when given. `extra`: more metrics on the same registry (the mirror's). */
export function createMetricsRegistry(host: WebHost, mqtt?: ConnectionHealth, extra?: (registry: Registry) => void): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ host_id: host.hostId });
  mirrorCounters(registry, COUNTERS, (key) => host.counters[key]);
  new Counter({
    name: 'sparkstate_host_input_problems_total',
    help: 'Bad or unexpected input from the broker, by cause (README: Hostile input)',
    labelNames: ['cause'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const cause of INPUT_PROBLEM_CAUSES) this.inc({ cause }, host.inputProblems[cause]);
    },
  });
  if (mqtt !== undefined) registerConnectFailures(registry, 'sparkstate_host', mqtt);
  new Gauge({
    name: 'sparkstate_host_nodes',
    help: 'Edge nodes in the model by state',
    labelNames: ['state'] as const,
    registers: [registry],
    collect() {
      const s = host.stats();
      this.set({ state: 'online' }, s.nodesOnline);
      this.set({ state: 'offline' }, s.nodesOffline);
    },
  });
  new Gauge({
    name: 'sparkstate_host_devices',
    help: 'Devices in the model by state',
    labelNames: ['state'] as const,
    registers: [registry],
    collect() {
      const s = host.stats();
      this.set({ state: 'online' }, s.devicesOnline);
      this.set({ state: 'offline' }, s.devicesOffline);
    },
  });
  new Gauge({
    name: 'sparkstate_host_metrics_held',
    help: 'Metrics held in the model (stale ones included)',
    registers: [registry],
    collect() {
      this.set(host.stats().metrics);
    },
  });
  new Gauge({
    name: 'sparkstate_host_metrics_stale',
    help: 'Metrics held in the model that are stale',
    registers: [registry],
    collect() {
      this.set(host.stats().staleMetrics);
    },
  });
  new Gauge({
    name: 'sparkstate_host_online',
    help: '1 while the host STATE is online on its MQTT server',
    registers: [registry],
    collect() {
      this.set(host.state === 'online' ? 1 : 0);
    },
  });
  extra?.(registry);
  return registry;
}
