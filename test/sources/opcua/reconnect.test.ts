/** OpcuaSource when the server goes away: crash, restart, not there at start, stop. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { freePort } from '../../helpers/mosquitto.js';
import { startOpcuaServer } from '../../helpers/opcua-server.js';
import { LEVEL, deviceConfig, makeSource, metric, startPartition, waitFor } from './helpers.js';
import type { SinkEvent } from './helpers.js';

const METRICS = [metric('Setpoint', 'ns=1;s=Press.Setpoint', { writable: true }), metric('Counter', 'ns=1;s=Press.Counter')];

/** Sockets and timers of this process (the test servers are child processes). */
function resources(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap' || r === 'Timeout').length;
}

function connectivity(events: readonly SinkEvent[]): boolean[] {
  return events.flatMap((e) => (e.kind === 'connectivity' ? [e.online] : []));
}

describe('OpcuaSource reconnects', () => {
  it('goes offline within seconds of a server crash and reports the restarted server values before going online again', async (t) => {
    const server = await startOpcuaServer();
    t.after(() => server.dispose());
    const { source, sink, lines } = makeSource(t, deviceConfig(server.endpoint, METRICS));
    await source.start(sink);
    await server.set('Press.Setpoint', 99);
    await waitFor(() => sink.value(0) === 99, 'Setpoint 99 before the crash');

    const killedAt = Date.now();
    await server.kill();
    await waitFor(() => !source.isOnline(), 'offline after kill -9', 5_000);
    const offlineMs = Date.now() - killedAt;
    assert.ok(offlineMs < 3_000, `offline after ${offlineMs} ms`);
    assert.deepEqual(connectivity(sink.events), [true, false]);
    assert.ok(lines.some((l) => l.level === LEVEL.warn && l.msg.startsWith('connection lost')));
    await assert.rejects(source.write('Setpoint', 1), (e: unknown) => e instanceof Error && 'code' in e && e.code === 'SPB_ERR_NOT_ONLINE');

    const offlineAt = sink.events.length;
    await server.restart();
    await waitFor(() => source.isOnline(), 'online after restart', 15_000);
    assert.deepEqual(connectivity(sink.events), [true, false, true]);
    // The restarted server has its initial Setpoint (50) and a Counter from 0: both reported
    // after the crash and before connectivity(true).
    // Counter updates may follow the connectivity(true) before this line runs: cut at that event.
    const onlineAt = sink.events.findIndex((e, i) => i >= offlineAt && e.kind === 'connectivity');
    assert.ok(onlineAt >= offlineAt, 'connectivity(true) after the restart');
    const between = sink.events.slice(offlineAt, onlineAt);
    const setpoint = between.find((e) => e.kind === 'update' && e.index === 0);
    const counter = between.find((e) => e.kind === 'update' && e.index === 1);
    assert.deepEqual(setpoint?.kind === 'update' ? setpoint.value : undefined, 50);
    assert.ok(counter?.kind === 'update' && typeof counter.value === 'number', 'Counter reported before online');

    // A fresh subscription: values flow again, and writes land on the new server.
    const before = sink.of(1).length;
    await waitFor(() => sink.of(1).length > before + 2, 'Counter notifications after the restart');
    await source.write('Setpoint', 12);
    assert.equal(await server.read('Press.Setpoint'), 12);
  });

  it('goes offline within seconds when the network stops carrying (no TCP close), and comes back', async (t) => {
    const server = await startOpcuaServer();
    const link = await startPartition(server.port);
    t.after(async () => {
      await link.close();
      await server.dispose();
    });
    // The device default publishing interval (500 ms): keep-alives every 1.5 s, silence limit 4 s.
    const { source, sink, lines } = makeSource(t, deviceConfig(`opc.tcp://127.0.0.1:${link.port}`, METRICS, { publishingIntervalMs: 500 }));
    await source.start(sink);
    assert.equal(source.isOnline(), true);
    const cutAt = Date.now();
    link.cut();
    await waitFor(() => !source.isOnline(), 'offline while the link is silent', 8_000);
    const offlineMs = Date.now() - cutAt;
    assert.ok(offlineMs < 6_000, `offline after ${offlineMs} ms`);
    assert.ok(lines.some((l) => l.level === LEVEL.warn && /connection lost: no response from the server for \d+ ms/.test(l.msg)));
    link.heal();
    const healedAt = Date.now();
    await waitFor(() => source.isOnline(), 'online again', 10_000);
    t.diagnostic(`offline ${offlineMs} ms after the cut, online ${Date.now() - healedAt} ms after healing`);
    assert.deepEqual(connectivity(sink.events), [true, false, true]);
  });

  it('resolves start() when the server is unreachable and comes online when it appears; a config error found then is logged; stop() leaves no socket or timer', async (t) => {
    const port = await freePort();
    const endpoint = `opc.tcp://127.0.0.1:${port}`;
    const baseline = resources();
    // Stopped while waiting to retry: the retry timer goes too.
    const early = makeSource(t, deviceConfig(endpoint, METRICS));
    await early.source.start(early.sink);
    await early.source.stop();
    // A refused socket is closed by libuv on the next loop turn, hence a short wait.
    await waitFor(() => resources() <= baseline, `resources back to ${baseline}: ${process.getActiveResourcesInfo().join(',')}`, 1_000);
    const { source, sink, lines } = makeSource(t, deviceConfig(endpoint, METRICS));
    const broken = makeSource(t, deviceConfig(endpoint, [metric('Missing', 'ns=1;s=Press.Missing')]));
    const started = Date.now();
    await source.start(sink);
    await broken.source.start(broken.sink);
    assert.ok(Date.now() - started < 5_000, 'start() does not wait for the server');
    assert.equal(source.isOnline(), false);
    assert.equal(source.metrics.length, 0);
    assert.ok(lines.some((l) => l.level === LEVEL.warn && l.msg.includes(endpoint)), 'a warning names the endpoint');

    const server = await startOpcuaServer({ port });
    t.after(() => server.dispose());
    await waitFor(() => source.isOnline(), 'online once the server is up', 15_000);
    assert.deepEqual(
      source.metrics.map((m) => m.type),
      ['Double', 'Int32'],
    );
    const online = sink.events.findIndex((e) => e.kind === 'connectivity');
    assert.ok(sink.events.slice(0, online).some((e) => e.kind === 'update' && e.index === 0 && e.value === 50), 'values before connectivity(true)');

    await waitFor(() => broken.lines.some((l) => l.level === LEVEL.error), 'an error line', 15_000);
    const error = broken.lines.find((l) => l.level === LEVEL.error);
    assert.match(error?.msg ?? '', /metric "Missing" \(ns=1;s=Press\.Missing\): the server has no such node/);
    assert.equal(broken.source.isOnline(), false);
    assert.deepEqual(connectivity(broken.sink.events), []);

    assert.ok(resources() > baseline);
    await source.stop();
    await broken.source.stop();
    // node-opcua leaves one 100 ms timer behind a CloseSecureChannel; nothing of ours stays.
    await waitFor(() => resources() <= baseline, `resources back to ${baseline}: ${process.getActiveResourcesInfo().join(',')}`, 1_000);
  });

});
