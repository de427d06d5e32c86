/**
 * E2E historian (issue #19): PostgreSQL goes away (behind a TCP proxy; the machine's server keeps
 * running) and the historian's spool fills up. With a tiny `spoolMaxBytes` the host's STATE goes
 * offline, its edge nodes store and forward instead of the host dropping rows; PostgreSQL back, the
 * spool drains, the STATE is online again, the edges re-birth and replay: nothing lost, none twice.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startTcpProxy } from '../helpers/proxy.js';
import { sleep } from '../helpers/wait.js';
import { countersOf, problems, reportHistory, settledHistory, startHistoryPlant, watchState } from './history-helpers.js';
import { HOST_ID, type HostCli } from './processes.js';

const SPOOL_MAX = 64 * 1024;

async function metric(host: HostCli, name: string): Promise<number> {
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(await host.metrics());
  return m === null ? Number.NaN : Number(m[1]);
}

test('e2e historian: the spool fills while PostgreSQL is away — STATE offline, edges store and forward, drained once it is back, STATE online; history consecutive, none twice, nothing dropped', async (t) => {
  const pg = await startTcpProxy(5432);
  t.after(() => pg.close());
  const { plant, schema } = await startHistoryPlant(t, { pgPort: pg.port, spoolMaxBytes: SPOOL_MAX });
  const state = await watchState(plant.s, plant.broker.url, HOST_ID);
  await sleep(1000);

  // The outage: the connection cut, new ones refused.
  pg.open = false;
  const cutAt = Date.now();
  pg.dropAll();
  const fullMs = await state.next(false, cutAt);
  const spooled = await metric(plant.host, 'sparkstate_historian_spool_bytes');
  await sleep(2000); // the edges store what they sample

  pg.open = true;
  const backAt = Date.now();
  const onlineMs = await state.next(true, backAt);
  const recoveryMs = await plant.whole(backAt, 30_000);
  await sleep(2000); // the edges' replay ends
  const r = await settledHistory(schema, plant.ledger, countersOf(plant.edges));
  const dropped = await metric(plant.host, 'sparkstate_historian_rows_dropped_total');
  const rejected = await metric(plant.host, 'sparkstate_historian_rows_rejected_total');
  const account = plant.account();
  reportHistory(
    'PostgreSQL away, spool full (64 KiB)',
    r,
    recoveryMs,
    `STATE offline ${fullMs} ms after the cut (spool ${spooled} bytes), online ${onlineMs} ms after PostgreSQL came back, ${account.historical} samples stored and forwarded, ${dropped} rows dropped, ${rejected} rejected`,
  );
  assert.equal(r.missing, 0, problems(r));
  assert.equal(r.duplicates, 0, problems(r));
  assert.equal(dropped, 0, 'no row dropped: the edges held the data');
  assert.equal(await metric(plant.host, 'sparkstate_historian_backpressure'), 0);
  assert.ok(account.historical > 0, 'the edges stored and forwarded while the host was offline');
});
