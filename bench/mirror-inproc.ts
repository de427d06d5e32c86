/**
 * A hot-spot tool, not the headline figure (that is `npm run bench -- mirror`, bench/mirror-cli.ts,
 * the built CLI as users run it): the host and its mirror inside this process, so that
 * `node --cpu-prof build/bench/mirror-inproc.js` profiles the mirror with nothing else in the
 * profile. One private Mosquitto; a plain MQTT client as edge node (an NBIRTH of METRICS Double
 * metrics, then NDATA rounds changing every one); the host with its mirror (no effective rate
 * limit); a plain subscriber to the mirror's topics. Offered load is paced to OFFER changes/s.
 *
 *   npm run bench -- mirror-inproc          (MIRROR_BENCH_MS per run, default 5000)
 *   MIRROR_OFFER=20000 npm run bench -- mirror-inproc
 */
import { tmpdir } from 'node:os';
import { connect } from 'mqtt';
import { parseHostConfig } from '../src/config/index.js';
import { createHostApplication } from '../src/host/index.js';
import { createMirror } from '../src/mirror/index.js';
import { encodePayload, type Metric } from '../src/payload/index.js';
import { startMosquitto } from '../test/helpers/mosquitto.js';
import { waitUntil } from '../test/helpers/wait.js';
import { envInt, fmt } from './report.js';

const METRICS = 1000;
const RUN_MS = envInt('MIRROR_BENCH_MS', 5000);
const OFFER = envInt('MIRROR_OFFER', 50_000);

function metric(k: number, value: number, birth: boolean): Metric {
  return birth ? { name: `m${k}`, alias: k, type: 'Double', value } : { alias: k, type: 'Double', value };
}

export async function runMirrorInprocBench(): Promise<void> {
  const broker = await startMosquitto();
  const yaml = `mqtt: { servers: ["${broker.url}"] }\nsparkplug: { hostId: bench }\nhttp: { port: 0 }\nlogLevel: silent\nmirror: { prefix: bench, maxPerSecond: 1000000 }\n`;
  const config = await parseHostConfig(yaml, {}, 'host.yaml', tmpdir());
  const host = createHostApplication(config);
  const mirror = createMirror(config, host);
  if (mirror === undefined) throw new Error('no mirror');
  const edge = connect(broker.url, { clientId: 'bench-edge', reconnectPeriod: 0 });
  const watch = connect(broker.url, { clientId: 'bench-watch', reconnectPeriod: 0 });
  let received = 0;
  watch.on('message', () => received++);
  try {
    await mirror.start();
    await host.start();
    await waitUntil(() => host.state === 'online' && edge.connected && watch.connected, 10_000, 'host, edge and watcher connected');
    await watch.subscribeAsync('bench/#', { qos: 1 });
    const birth: Metric[] = [{ name: 'bdSeq', type: 'Int64', value: 0 }, ...Array.from({ length: METRICS }, (_, k) => metric(k + 1, 0, true))];
    await edge.publishAsync('spBv1.0/B/NBIRTH/n1', Buffer.from(encodePayload({ timestamp: Date.now(), seq: 0, metrics: birth })));
    await waitUntil(() => mirror.pending === 0 && mirror.topics === METRICS + 1, 30_000, 'birth mirrored');
    const published0 = mirror.counters.published;
    const received0 = received;
    const cpu0 = process.cpuUsage();
    const t0 = Date.now();
    let seq = 0;
    let rounds = 0;
    // Paced: round r goes out at t0 + r * METRICS / OFFER seconds.
    while (Date.now() - t0 < RUN_MS) {
      rounds++;
      seq = (seq + 1) & 0xff;
      const metrics = Array.from({ length: METRICS }, (_, k) => metric(k + 1, rounds + k / METRICS, false));
      await edge.publishAsync('spBv1.0/B/NDATA/n1', Buffer.from(encodePayload({ timestamp: Date.now(), seq, metrics })));
      const due = t0 + (rounds * METRICS * 1000) / OFFER;
      const wait = due - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    const offered = rounds * METRICS;
    await waitUntil(() => mirror.pending === 0, 60_000, 'mirror drained');
    const ms = Date.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const published = mirror.counters.published - published0;
    process.stdout.write(
      [
        `offered        ${fmt(offered)} changes in ${RUN_MS} ms (${fmt((offered * 1000) / RUN_MS)}/s)`,
        `mirrored       ${fmt(published)} retained publishes acked in ${ms} ms: ${fmt((published * 1000) / ms)}/s`,
        `coalesced      ${fmt(mirror.counters.coalesced)} (a newer value replaced one still waiting)`,
        `subscriber got ${fmt(received - received0)} messages`,
        `process CPU    ${fmt((cpu.user + cpu.system) / 1000)} ms (host + mirror + edge client + watcher, one process)`,
        '',
      ].join('\n'),
    );
  } finally {
    await host.stop();
    await mirror.stop();
    await edge.endAsync(true);
    await watch.endAsync(true);
    await broker.dispose();
  }
}

if (process.argv[1]?.endsWith('/bench/mirror-inproc.js') === true) await runMirrorInprocBench();
