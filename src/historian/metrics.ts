/**
 * The historian's Prometheus metrics, registered on the host's /metrics registry. Counters and
 * gauges are read from the historian when scraped; the histograms are fed by its `batch` event.
 */
import { Gauge, Histogram, type Registry } from 'prom-client';
import { mirrorCounters } from '../web/prom.js';
import type { Historian } from './historian.js';
import type { HistorianStats } from './types.js';

type CounterKey = 'rowsWritten' | 'rowsRejected' | 'rowsDuplicate' | 'rowsDropped' | 'batches';

const COUNTERS: readonly { key: CounterKey; name: string; help: string }[] = [
  { key: 'rowsWritten', name: 'sparkstate_historian_rows_written_total', help: 'Sample rows inserted into PostgreSQL' },
  { key: 'rowsRejected', name: 'sparkstate_historian_rows_rejected_total', help: 'Sample rows PostgreSQL refused (logged with their metric)' },
  { key: 'rowsDuplicate', name: 'sparkstate_historian_rows_duplicate_total', help: 'Replayed rows the unique key absorbed' },
  { key: 'rowsDropped', name: 'sparkstate_historian_rows_dropped_total', help: 'Rows dropped with the spool at twice its limit' },
  { key: 'batches', name: 'sparkstate_historian_batches_total', help: 'Batches committed' },
];

const GAUGES: readonly { key: 'spoolRows' | 'spoolBytes'; name: string; help: string }[] = [
  { key: 'spoolRows', name: 'sparkstate_historian_spool_rows', help: 'Rows waiting in the on-disk spool' },
  { key: 'spoolBytes', name: 'sparkstate_historian_spool_bytes', help: 'Bytes of rows waiting in the on-disk spool' },
];

export function registerHistorianMetrics(registry: Registry, historian: Historian): void {
  const read = (): Readonly<HistorianStats> => historian.stats();
  mirrorCounters(registry, COUNTERS, (key) => read()[key]);
  for (const g of GAUGES) {
    new Gauge({
      name: g.name,
      help: g.help,
      registers: [registry],
      collect() {
        this.set(read()[g.key]);
      },
    });
  }
  new Gauge({
    name: 'sparkstate_historian_database_up',
    help: '1 while the last attempt to reach PostgreSQL worked',
    registers: [registry],
    collect() {
      this.set(historian.stats().databaseUp ? 1 : 0);
    },
  });
  new Gauge({
    name: 'sparkstate_historian_backpressure',
    help: '1 while the spool is at its limit (the host should be offline)',
    registers: [registry],
    collect() {
      this.set(historian.backpressure === 'full' ? 1 : 0);
    },
  });
  const duration = new Histogram({
    name: 'sparkstate_historian_batch_duration_seconds',
    help: 'Time to write one batch (COPY, INSERT, COMMIT)',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const lag = new Histogram({
    name: 'sparkstate_historian_lag_seconds',
    help: 'Metric time to commit, the largest of each batch (historical rows excluded)',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [registry],
  });
  historian.on('batch', (b) => {
    duration.observe(b.durationMs / 1000);
    if (b.lagMs !== undefined) lag.observe(Math.max(0, b.lagMs) / 1000);
  });
}
