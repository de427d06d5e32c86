/** OpcuaSource with many variables: batched monitored items within the server's operation limits. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startOpcuaServer } from '../../helpers/opcua-server.js';
import { bulkName } from '../../helpers/opcua-variables.js';
import { deviceConfig, makeSource, metric, waitFor } from './helpers.js';

function bulkMetrics(count: number) {
  return Array.from({ length: count }, (_, i) => metric(bulkName(i), `ns=1;s=${bulkName(i)}`));
}

/** The tick a bulk value belongs to (opcua-variables.ts bulkValue: tick + index / 100 000). */
function tickOf(value: unknown, index: number): number {
  return typeof value === 'number' ? Math.round(value - index / 100_000) : -1;
}

describe('OpcuaSource with many variables', () => {
  it('subscribes 10,000 variables in calls of at most MaxMonitoredItemsPerCall (100) and follows their changes', async (t) => {
    const count = 10_000;
    const server = await startOpcuaServer({ bulk: { count, intervalMs: 1_000 }, maxMonitoredItemsPerCall: 100 });
    t.after(() => server.dispose());
    const { source, sink, lines } = makeSource(t, deviceConfig(server.endpoint, bulkMetrics(count), { publishingIntervalMs: 250 }));
    const started = Date.now();
    await source.start(sink);
    const startMs = Date.now() - started;
    assert.equal(source.isOnline(), true, JSON.stringify(lines.filter((l) => l.level >= 40)));
    assert.equal(source.metrics.length, count);
    // A server refusing a call for its size answers BadTooManyOperations for the whole call: none here.
    assert.equal(sink.events.filter((e) => e.kind === 'invalidate').length, 0);
    const reported = new Set(sink.events.flatMap((e) => (e.kind === 'update' ? [e.index] : [])));
    assert.equal(reported.size, count, 'every variable reported before online');
    const ticks = () => Array.from({ length: count }, (_, i) => tickOf(sink.value(i), i));
    const atStart = Math.min(...ticks());
    // A tick a second; generous for a loaded machine, where the server's 10,000 updates take longer.
    await waitFor(() => Math.min(...ticks()) >= atStart + 1, 'every variable notified of a later tick', 10_000);
    t.diagnostic(`start() with ${count} variables took ${startMs} ms`);
  });
});
