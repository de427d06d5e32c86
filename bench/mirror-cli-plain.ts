/**
 * The broker's ceiling for the CLI mirror benchmark, in its own process: plain MQTT.js publishing
 * what the mirror publishes — retained QoS 1 JSON messages, round robin over the same number of
 * topics, at most as many awaiting their PUBACK as the mirror allows (256, src/mirror/publisher.ts)
 * — as fast as the broker acknowledges them. No host, no Sparkplug, no coalescing: the rate any
 * one-process publisher of these messages reaches through this broker. Runs until SIGTERM.
 *
 *   node build/bench/mirror-cli-plain.js '{"url":…,"prefix":"bench/plain","topics":5000,"inFlight":256}'
 */
import { connect } from 'mqtt';

interface Job {
  readonly url: string;
  readonly prefix: string;
  readonly topics: number;
  readonly inFlight: number;
}

const job = JSON.parse(process.argv[2] ?? '{}') as Job;
// The mirror's topic shape: <prefix>/<group>/<node>/<device>/<metric>, 500 metrics per device.
const topics = Array.from({ length: job.topics }, (_, k) => `${job.prefix}/Bench/PLAIN/D${String(Math.floor(k / 500) + 1).padStart(2, '0')}/Analog/D${k % 500}`);
const client = connect(job.url, { clientId: `bench-mirror-plain-${process.pid}`, reconnectPeriod: 0, clean: true });
await new Promise<void>((resolve, reject) => client.once('connect', () => resolve()).once('error', reject));

let running = true;
let inFlight = 0;
let sent = 0;
let refill: ReturnType<typeof setImmediate> | undefined;
await new Promise<void>((done) => {
  // Refilled once per event-loop turn, however many PUBACKs came in it: the publishes of one turn
  // leave in one socket write (the mirror waits until half its window is free; README: Throughput).
  const fill = (): void => {
    refill = undefined;
    while (running && inFlight < job.inFlight) {
      const k = sent++;
      inFlight++;
      const payload = `{"value":${k},"timestamp":${Date.now()},"datatype":"Double","quality":"good"}`;
      client.publish(topics[k % topics.length] ?? job.prefix, payload, { qos: 1, retain: true }, () => {
        inFlight--;
        if (running) refill ??= setImmediate(fill);
        else if (inFlight === 0) done();
      });
    }
  };
  process.once('SIGTERM', () => {
    running = false;
    if (inFlight === 0) done();
  });
  fill();
});
await client.endAsync();
process.exit(0);
