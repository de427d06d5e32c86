/**
 * Real-broker host tests: a host built from YAML like the CLI builds it, raw MQTT edge nodes that
 * publish hand-built payloads, sparkstate edge nodes with a recorder of what each one published,
 * and the host's view of a node reduced to plain values for comparison.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { connect, type MqttClient } from 'mqtt';
import { parseEdgeConfig, parseHostConfig } from '../../src/config/index.js';
import { createEdgeNode } from '../../src/edge/from-config.js';
import type { EdgeNode } from '../../src/edge/index.js';
import { createHostApplication, type HostApplication, type HostSnapshot, type JsonValue } from '../../src/host/index.js';
import { toJson } from '../../src/host/snapshot.js';
import { decodePayload, encodePayload, type Metric, type MetricTypeName, type Payload } from '../../src/payload/index.js';
import { waitUntil } from '../helpers/wait.js';

/** Anything with `after`: a TestContext, or a `lifo(t)` scope. */
export interface Scope {
  after(fn: () => unknown): void;
}

/**
 * Cleanups in reverse order of registration (node:test runs `t.after` hooks first-in first-out):
 * edge nodes and hosts stop while their broker still runs, then the broker goes.
 */
export function lifo(t: TestContext): Scope {
  const stack: (() => unknown)[] = [];
  t.after(async () => {
    for (const fn of stack.reverse()) {
      try {
        await fn();
      } catch {
        // keep cleaning up
      }
    }
  });
  return { after: (fn) => void stack.push(fn) };
}

export interface HostYamlOptions {
  readonly hostId?: string;
  readonly reorderWindowMs?: number;
  readonly maxPerSecond?: number;
  readonly staleAfterReconnectMs?: number;
  readonly httpPort?: number;
}

export function hostYaml(servers: readonly string[], o: HostYamlOptions = {}): string {
  return [
    'mqtt:',
    `  servers: [${servers.map((s) => JSON.stringify(s)).join(', ')}]`,
    '  keepaliveSec: 5',
    '  backoff: { initialMs: 100, maxMs: 500 }',
    'sparkplug:',
    `  hostId: ${o.hostId ?? 'scada'}`,
    'http:',
    `  port: ${o.httpPort ?? 0}`,
    'rebirth:',
    `  reorderWindowMs: ${o.reorderWindowMs ?? 300}`,
    `  maxPerSecond: ${o.maxPerSecond ?? 50}`,
    `  staleAfterReconnectMs: ${o.staleAfterReconnectMs ?? 3000}`,
    'logLevel: silent',
    '',
  ].join('\n');
}

/** A started host (from YAML, as the CLI builds it), online; stopped after the test. */
export async function startHostOn(t: Scope, servers: readonly string[], o: HostYamlOptions = {}): Promise<HostApplication> {
  const config = await parseHostConfig(hostYaml(servers, o), {}, 'host.yaml', tmpdir());
  const host = createHostApplication(config);
  t.after(() => host.stop());
  await host.start();
  await waitUntil(() => host.state === 'online', 5000, 'host online');
  return host;
}

export function tempDir(t: Scope, prefix = 'sparkstate-host-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

// ---------------------------------------------------------------------------------------------
// Raw edge: hand-built payloads over a plain MQTT.js client

export class RawEdge {
  seq = 0;

  private constructor(
    readonly client: MqttClient,
    readonly group: string,
    readonly node: string,
  ) {}

  static async connect(t: Scope, url: string, group: string, node: string): Promise<RawEdge> {
    const client = connect(url, { clientId: `raw-${group}-${node}`, clean: true, reconnectPeriod: 0 });
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', reject);
    });
    t.after(() => client.endAsync(true));
    return new RawEdge(client, group, node);
  }

  async send(verb: string, device: string | undefined, payload: Payload, omitTypes = false): Promise<void> {
    const topic = `spBv1.0/${this.group}/${verb}/${this.node}${device === undefined ? '' : `/${device}`}`;
    await this.client.publishAsync(topic, Buffer.from(encodePayload(payload, { omitMetricTypes: omitTypes })), { qos: 0 });
  }

  nbirth(bdSeq: number, metrics: Metric[]): Promise<void> {
    this.seq = 0;
    const base: Metric[] = [
      { name: 'bdSeq', type: 'Int64', value: bdSeq },
      { name: 'Node Control/Rebirth', type: 'Boolean', value: false },
    ];
    return this.send('NBIRTH', undefined, { timestamp: Date.now(), seq: 0, metrics: [...base, ...metrics] });
  }

  dbirth(device: string, metrics: Metric[]): Promise<void> {
    return this.send('DBIRTH', device, { timestamp: Date.now(), seq: this.next(), metrics });
  }

  /** Data by alias without datatypes, as a compliant edge sends it. */
  ndata(metrics: Metric[], seq = this.next()): Promise<void> {
    return this.send('NDATA', undefined, { timestamp: Date.now(), seq, metrics }, true);
  }

  ddata(device: string, metrics: Metric[], seq = this.next()): Promise<void> {
    return this.send('DDATA', device, { timestamp: Date.now(), seq, metrics }, true);
  }

  ndeath(bdSeq: number): Promise<void> {
    return this.send('NDEATH', undefined, { timestamp: Date.now(), metrics: [{ name: 'bdSeq', type: 'Int64', value: bdSeq }] });
  }

  next(): number {
    this.seq = (this.seq + 1) & 0xff;
    return this.seq;
  }
}

// ---------------------------------------------------------------------------------------------
// Plain values of one node: what the host holds vs what the edge published

/** Metric name → JSON value, for the node and each device (bdSeq and Node Control/* left out). */
export interface NodeValues {
  metrics: Record<string, JsonValue>;
  devices: Record<string, Record<string, JsonValue>>;
}

const own = (name: string): boolean => name !== 'bdSeq' && !name.startsWith('Node Control/');

/** The host's values for a node, or undefined unless the node and all its devices are online and not stale. */
export function hostValues(s: HostSnapshot, group: string, node: string): NodeValues | undefined {
  const n = s.groups[group]?.nodes[node];
  if (n === undefined || !n.online || n.stale) return undefined;
  const out: NodeValues = { metrics: {}, devices: {} };
  for (const [k, m] of Object.entries(n.metrics)) if (own(k)) out.metrics[k] = m.value;
  for (const [id, d] of Object.entries(n.devices)) {
    if (!d.online) return undefined;
    const dm: Record<string, JsonValue> = {};
    for (const [k, m] of Object.entries(d.metrics)) dm[k] = m.value;
    out.devices[id] = dm;
  }
  return out;
}

interface Table {
  readonly byAlias: Map<string, { name: string; type: MetricTypeName }>;
  readonly values: Record<string, JsonValue>;
}

/**
 * Records every message a sparkstate EdgeNode publishes successfully (by wrapping its transport's
 * publish) and folds births and data into the node's own last published values.
 */
export class PublishRecorder {
  private node: Table | undefined;
  private readonly devices = new Map<string, Table>();
  births = 0;

  constructor(edge: EdgeNode) {
    const t = edge.options.transport;
    const publish = t.publish.bind(t);
    t.publish = async (topic, payload, opts) => {
      await publish(topic, payload, opts);
      this.onPublish(topic, payload);
    };
  }

  values(): NodeValues | undefined {
    if (this.node === undefined) return undefined;
    const out: NodeValues = { metrics: {}, devices: {} };
    for (const [k, v] of Object.entries(this.node.values)) if (own(k)) out.metrics[k] = v;
    for (const [id, d] of this.devices) out.devices[id] = { ...d.values };
    return out;
  }

  private onPublish(topic: string, bytes: Uint8Array): void {
    const [, , verb, , device] = topic.split('/');
    if (verb === 'NBIRTH' || verb === 'DBIRTH') {
      const table: Table = { byAlias: new Map(), values: {} };
      for (const m of decodePayload(bytes).metrics ?? []) {
        if (m.name === undefined || m.type === undefined) continue;
        if (m.alias !== undefined) table.byAlias.set(String(m.alias), { name: m.name, type: m.type });
        table.values[m.name] = toJson(m.value ?? null);
      }
      if (verb === 'NBIRTH') {
        this.births++;
        this.node = table;
        this.devices.clear();
      } else if (device !== undefined) {
        this.devices.set(device, table);
      }
    } else if (verb === 'NDATA' || verb === 'DDATA') {
      const table = verb === 'NDATA' ? this.node : this.devices.get(device ?? '');
      if (table === undefined) return;
      const lookup = (m: { name?: string; alias?: number | bigint }) =>
        m.alias !== undefined ? table.byAlias.get(String(m.alias)) : [...table.byAlias.values()].find((x) => x.name === m.name);
      for (const m of decodePayload(bytes, { resolveType: (m) => lookup(m)?.type }).metrics ?? []) {
        const name = m.name ?? lookup(m)?.name;
        if (name !== undefined) table.values[name] = toJson(m.value ?? null);
      }
    }
  }
}

/** YAML of a small sparkstate edge node (node counter; device Filler: counter, constant, writable Setpoint). */
export function edgeYaml(servers: readonly string[], group: string, node: string, storeDir: string): string {
  return `mqtt:
  servers: [${servers.map((s) => JSON.stringify(s)).join(', ')}]
  keepaliveSec: 5
  backoff: { initialMs: 100, maxMs: 500 }
sparkplug:
  groupId: ${group}
  edgeNodeId: ${node}
scanIntervalMs: 100
storeDir: ${JSON.stringify(storeDir)}
logLevel: silent
storeAndForward:
  enabled: false
metrics:
  - { name: Uptime, type: Int64, generator: counter }
devices:
  - id: Filler
    metrics:
      - { name: Count, type: Int64, generator: counter, start: 9007199254740990 }
      - { name: Label, type: String, generator: constant, value: ${node} }
      - { name: Setpoint, type: Float, generator: constant, value: 42, writable: true }
`;
}

export interface RecordedEdge {
  readonly edge: EdgeNode;
  readonly recorder: PublishRecorder;
  readonly group: string;
  readonly node: string;
}

/** A started sparkstate edge node with a publish recorder; stopped after the test. */
export async function startSparkstateEdge(t: Scope, servers: readonly string[], group: string, node: string): Promise<RecordedEdge> {
  const dir = tempDir(t, 'sparkstate-host-edge-');
  const config = await parseEdgeConfig(edgeYaml(servers, group, node, join(dir, 'store')), {}, 'edge.yaml', dir);
  const edge = await createEdgeNode(config, { seed: 7 });
  const recorder = new PublishRecorder(edge);
  t.after(() => edge.stop());
  await edge.start();
  return { edge, recorder, group, node };
}
