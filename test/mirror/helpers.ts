/**
 * Mirror tests: a host with a mirror built from YAML as the CLI builds it, and plain MQTT.js
 * subscribers as independent observers of what the broker retains.
 */
import { tmpdir } from 'node:os';
import { connect, type MqttClient } from 'mqtt';
import { parseHostConfig } from '../../src/config/index.js';
import { createHostApplication, type HostApplication, type HostSnapshot, type JsonValue } from '../../src/host/index.js';
import { createMirror, type Mirror } from '../../src/mirror/index.js';
import { waitUntil } from '../helpers/wait.js';
import { hostYaml, type Scope } from '../host/broker-helpers.js';

export interface MirrorYaml {
  readonly prefix?: string;
  readonly maxPerSecond?: number;
  /** The mirror's own broker; the host's when absent. */
  readonly mirrorServer?: string;
  /** mirror.leftoverGraceMs; the default (30 s) when absent. */
  readonly leftoverGraceMs?: number;
}

export const PREFIX = 'plain/v1';

export async function startHostWithMirror(s: Scope, server: string, o: MirrorYaml = {}): Promise<{ host: HostApplication; mirror: Mirror }> {
  const mirrorYaml = [
    'mirror:',
    `  prefix: ${o.prefix ?? PREFIX}`,
    `  maxPerSecond: ${o.maxPerSecond ?? 1000}`,
    ...(o.leftoverGraceMs === undefined ? [] : [`  leftoverGraceMs: ${o.leftoverGraceMs}`]),
    ...(o.mirrorServer === undefined
      ? []
      : ['  mqtt:', `    servers: [${JSON.stringify(o.mirrorServer)}]`, '    keepaliveSec: 5', '    backoff: { initialMs: 100, maxMs: 500 }']),
    '',
  ].join('\n');
  const config = await parseHostConfig(hostYaml([server]) + mirrorYaml, {}, 'host.yaml', tmpdir());
  const host = createHostApplication(config);
  const mirror = createMirror(config, host);
  if (mirror === undefined) throw new Error('no mirror in the config');
  s.after(async () => {
    await host.stop();
    await mirror.stop();
  });
  await mirror.start();
  await host.start();
  await waitUntil(() => host.state === 'online', 5000, 'host online');
  return { host, mirror };
}

export interface Retained {
  value: JsonValue;
  timestamp: JsonValue;
  datatype: string;
  quality: string;
}

/** A plain MQTT subscriber to `<prefix>/#`: the last message per topic, and every message's arrival. */
export class Observer {
  readonly last = new Map<string, Retained>();
  /** Topics whose last message was an empty (clearing) one. */
  readonly cleared = new Set<string>();
  /** Every message in arrival order; `value` undefined for a clear. */
  readonly arrivals: { topic: string; at: number; retain: boolean; value: JsonValue | undefined }[] = [];
  status: JsonValue = null;

  private constructor(readonly client: MqttClient) {}

  static async connect(s: Scope, url: string, prefix = PREFIX): Promise<Observer> {
    const client = connect(url, { clean: true, reconnectPeriod: 0, clientId: `observer-${Math.random().toString(16).slice(2)}` });
    const o = new Observer(client);
    client.on('message', (topic, payload, packet) => {
      if (topic === prefix) {
        o.status = JSON.parse(payload.toString('utf8')) as JsonValue;
        return;
      }
      if (payload.length > 0 && payload[0] !== 0x7b) {
        // not JSON: someone else's message under the prefix
        o.arrivals.push({ topic, at: Date.now(), retain: packet.retain, value: payload.toString('utf8') });
        return;
      }
      const r = payload.length === 0 ? undefined : (JSON.parse(payload.toString('utf8')) as Retained);
      o.arrivals.push({ topic, at: Date.now(), retain: packet.retain, value: r?.value });
      if (r === undefined) {
        o.last.delete(topic);
        o.cleared.add(topic);
      } else {
        o.last.set(topic, r);
        o.cleared.delete(topic);
      }
    });
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', reject);
    });
    s.after(() => client.endAsync(true));
    await client.subscribeAsync(`${prefix}/#`, { qos: 1 });
    return o;
  }

  count(topic: string): number {
    return this.arrivals.filter((a) => a.topic === topic).length;
  }
}

const WIDE = new Set(['Int64', 'UInt64', 'DateTime']);

/**
 * What the mirror should retain, from the host's snapshot (GET /api/state): topic → value, datatype,
 * quality. 64-bit integers (and their arrays) as decimal strings.
 */
export function expectedFromSnapshot(s: HostSnapshot, prefix = PREFIX): Map<string, Omit<Retained, 'timestamp'>> {
  const out = new Map<string, Omit<Retained, 'timestamp'>>();
  const put = (base: string, metrics: HostSnapshot['groups'][string]['nodes'][string]['metrics'], quality: string): void => {
    for (const [name, m] of Object.entries(metrics)) {
      const value = WIDE.has(m.type) && m.value !== null ? String(m.value) : WIDE.has(m.type.replace(/Array$/, '')) && Array.isArray(m.value) ? m.value.map(String) : m.value;
      out.set(`${base}/${name}`, { value, datatype: m.type, quality });
    }
  };
  for (const [g, group] of Object.entries(s.groups)) {
    for (const [n, node] of Object.entries(group.nodes)) {
      const nodeQuality = !node.online ? 'offline' : node.stale ? 'stale' : 'good';
      put(`${prefix}/${g}/${n}`, node.metrics, nodeQuality);
      for (const [d, dev] of Object.entries(node.devices)) {
        put(`${prefix}/${g}/${n}/${d}`, dev.metrics, !dev.online ? 'offline' : nodeQuality === 'stale' ? 'stale' : nodeQuality === 'offline' ? 'offline' : 'good');
      }
    }
  }
  return out;
}

/** The observer's retained values without timestamps, for deepEqual with `expectedFromSnapshot`. */
export function observed(o: Observer): Map<string, Omit<Retained, 'timestamp'>> {
  const out = new Map<string, Omit<Retained, 'timestamp'>>();
  for (const [topic, r] of o.last) out.set(topic, { value: r.value, datatype: r.datatype, quality: r.quality });
  return out;
}

export function sameState(a: Map<string, unknown>, b: Map<string, unknown>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) if (JSON.stringify(v) !== JSON.stringify(b.get(k))) return false;
  return true;
}

/** Waits until the observer's retained state equals the host's snapshot of at least `minTopics` metrics; fails with both on timeout. */
export async function waitMirrored(o: Observer, host: HostApplication, minTopics: number, timeoutMs = 10_000, what = 'mirror equal to the host snapshot'): Promise<void> {
  let last = '';
  await waitUntil(
    () => {
      const want = expectedFromSnapshot(host.snapshot());
      const got = observed(o);
      last = JSON.stringify({ want: [...want], got: [...got] });
      return want.size >= minTopics && sameState(want, got);
    },
    timeoutMs,
    what,
  ).catch((err: unknown) => {
    throw new Error(`${String(err)}\n${last}`);
  });
}
