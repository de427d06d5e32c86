/**
 * The plain client of the CLI mirror benchmark: an MQTT.js subscriber to `<prefix>/#`, as a
 * dashboard would be, counting the mirror's messages and keeping the last payload of every topic,
 * and the end check of those payloads against the host's GET /api/state.
 */
import { connect, type MqttClient } from 'mqtt';
import type { HostSnapshot, MetricSnapshot } from '../src/host/index.js';
import { metricPayload, metricTopic } from '../src/mirror/format.js';
import type { Int64, MetricValue } from '../src/payload/types.js';

export interface CheckResult {
  /** Metrics in the host's model. */
  readonly metrics: number;
  /** Of those, whose topic the subscriber never got. */
  readonly missing: number;
  /** Of those, whose last payload differs from the host's value (or quality). */
  readonly differ: number;
  /** A few examples of either, for the report. */
  readonly examples: readonly string[];
}

export class MirrorWatcher {
  private count = 0;
  private readonly last = new Map<string, Buffer>();

  private constructor(
    private readonly client: MqttClient,
    private readonly prefix: string,
  ) {
    client.on('message', (topic, payload) => {
      // `<prefix>/#` also matches the prefix itself: the mirror's status, not a metric.
      if (topic.length === prefix.length) return;
      this.count++;
      this.last.set(topic, payload);
    });
  }

  /**
   * QoS 0: the broker forwards each publish once and queues nothing for a subscriber that is
   * online, so the count is what reached a client, without the subscriber's own acknowledgements
   * adding to the broker's load.
   */
  static async connect(url: string, prefix: string): Promise<MirrorWatcher> {
    const client = connect(url, { clientId: `bench-mirror-watch-${process.pid}-${prefix.replaceAll('/', '-')}`, reconnectPeriod: 0 });
    await new Promise<void>((resolve, reject) => client.once('connect', () => resolve()).once('error', reject));
    await client.subscribeAsync(`${prefix}/#`, { qos: 0 });
    return new MirrorWatcher(client, prefix);
  }

  /** Metric messages received so far (values and clears). */
  received(): number {
    return this.count;
  }

  /**
   * Compares the last payload of every metric topic with what the host holds. Meant for after the
   * edge's NDEATH, when nothing changes any more: every value then says `offline`. The bench's
   * datatypes have the same value in /api/state as in the model (Int64 counters far below 2^53),
   * so the host's payload can be rebuilt from the snapshot by the mirror's own formatter.
   */
  check(state: HostSnapshot): CheckResult {
    let metrics = 0;
    let missing = 0;
    let differ = 0;
    const examples: string[] = [];
    const one = (group: string, node: string, device: string | undefined, name: string, m: MetricSnapshot): void => {
      metrics++;
      const topic = metricTopic(this.prefix, group, node, device, name);
      const got = this.last.get(topic)?.toString('utf8');
      const want = metricPayload(m.type, m.value as MetricValue<Int64>, Number(m.timestamp), 'offline');
      if (got === want) return;
      if (got === undefined) missing++;
      else differ++;
      if (examples.length < 3) examples.push(`${topic}: got ${got ?? '(nothing)'}, host has ${want}`);
    };
    for (const [group, g] of Object.entries(state.groups)) {
      for (const [node, n] of Object.entries(g.nodes)) {
        for (const [name, m] of Object.entries(n.metrics)) one(group, node, undefined, name, m);
        for (const [device, d] of Object.entries(n.devices)) {
          for (const [name, m] of Object.entries(d.metrics)) one(group, node, device, name, m);
        }
      }
    }
    return { metrics, missing, differ, examples };
  }

  close(): Promise<void> {
    return this.client.endAsync();
  }
}
