/** Prometheus metrics of the mirror, read from it on each scrape (registered on the host's registry). */
import { Gauge, type Registry } from 'prom-client';
import { mirrorCounters } from '../web/prom.js';
import type { Mirror } from './mirror.js';

type MirrorSource = Pick<Mirror, 'counters' | 'pending' | 'topics' | 'leftoversPending'>;

const COUNTERS = [
  { key: 'published', name: 'sparkstate_mirror_published_total', help: 'Retained mirror messages the broker acknowledged (values and clears)' },
  { key: 'cleared', name: 'sparkstate_mirror_cleared_total', help: 'Mirror topics cleared (metric left the model, or a leftover of an earlier run), acknowledged' },
  { key: 'coalesced', name: 'sparkstate_mirror_coalesced_total', help: 'Mirror values replaced by a newer one before they went out (rate limit)' },
  { key: 'failed', name: 'sparkstate_mirror_publish_failures_total', help: 'Mirror publishes not acknowledged (link lost); each is sent again' },
  { key: 'republishes', name: 'sparkstate_mirror_full_republishes_total', help: 'Connections on which the broker had lost its state, so every value went out again' },
  { key: 'leftovers', name: 'sparkstate_mirror_leftovers_total', help: 'Retained values of an earlier run, for metrics not in the model, republished as stale' },
  { key: 'leftoversCleared', name: 'sparkstate_mirror_leftovers_cleared_total', help: 'Retained topics of an earlier run cleared: their node birthed again and, after the grace, no metric has them' },
  { key: 'conflicts', name: 'sparkstate_mirror_topic_conflicts_total', help: 'Metrics not mirrored: another metric has their topic, or it would exceed 65535 bytes' },
] as const;

export function registerMirrorMetrics(registry: Registry, mirror: MirrorSource): void {
  mirrorCounters(registry, COUNTERS, (key) => mirror.counters[key]);
  new Gauge({
    name: 'sparkstate_mirror_pending',
    help: 'Mirror topics waiting to be published or awaiting their PUBACK',
    registers: [registry],
    collect() {
      this.set(mirror.pending);
    },
  });
  new Gauge({
    name: 'sparkstate_mirror_leftovers_pending',
    help: 'Retained topics of an earlier run waiting for their node to birth again (and the grace) before they are cleared or claimed',
    registers: [registry],
    collect() {
      this.set(mirror.leftoversPending);
    },
  });
  new Gauge({
    name: 'sparkstate_mirror_topics',
    help: 'Mirror topics with a retained value',
    registers: [registry],
    collect() {
      this.set(mirror.topics);
    },
  });
}
