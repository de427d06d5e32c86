/**
 * The built CLI as a user runs it: `sparkstate host` with a `historian:` section and `sparkstate
 * edge` with simulated counters, over a real Mosquitto, plus a wire observer that records every
 * counter value the edge published.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodePayload } from '../../src/payload/index.js';
import { MAIN, spawnGroup, type GroupProcess } from '../cli/cli-process.js';
import type { Scope } from '../host/broker-helpers.js';
import { freePort, type Broker } from '../helpers/mosquitto.js';
import { startObserver, type Observer } from '../helpers/observer.js';
import { waitUntil } from '../helpers/wait.js';
import { sql, tempDir } from './helpers.js';

export const DEVICES = ['D1', 'D2', 'D3'] as const;

export interface Stack {
  readonly host: GroupProcess;
  readonly hostHttp: string;
  readonly observer: Observer;
  readonly dir: string;
  /** A sample of the host's /metrics (labels ignored), undefined when absent. */
  metric(name: string): Promise<number | undefined>;
  startEdge(): GroupProcess;
  /** Every Count value the edge published, per device, in wire order. */
  wireValues(device: string): number[];
  /** The Count rows of `device` in `history`, by time. */
  dbValues(device: string): Promise<number[]>;
  /** `value seq bdSeq` of every Count message of `device`, on the wire and in `history` (sorted). */
  wireSeqs(device: string): string[];
  dbSeqs(device: string): Promise<string[]>;
}

export async function startStack(s: Scope, broker: Broker, schema: string, pgUrl: string, env: NodeJS.ProcessEnv = process.env): Promise<Stack> {
  const observer = await startObserver(broker.url, { topics: ['spBv1.0/G/#'] });
  s.after(() => observer.close());
  const dir = tempDir(s);
  const hostPort = await freePort();
  const hostFile = join(dir, 'host.yaml');
  writeFileSync(
    hostFile,
    [
      `mqtt: { servers: ["${broker.url}"], backoff: { initialMs: 200, maxMs: 1000 } }`,
      'sparkplug: { hostId: hist-host }',
      `http: { port: ${hostPort} }`,
      `storeDir: ${JSON.stringify(join(dir, 'host-store'))}`,
      'logLevel: info',
      'historian:',
      `  url: ${pgUrl}`,
      `  schema: ${schema}`,
      '  batchMs: 100',
      '',
    ].join('\n'),
  );
  const host = spawnGroup(s, process.execPath, [MAIN, 'host', '--config', hostFile], { env });
  const hostHttp = `http://127.0.0.1:${hostPort}`;
  await waitUntil(
    async () => {
      try {
        return (await fetch(`${hostHttp}/healthz`)).status === 200;
      } catch {
        return false;
      }
    },
    60_000,
    'host /healthz 200',
    100,
  ).catch((e: unknown) => {
    throw new Error(`${String(e)}\n${host.stdout()}${host.stderr()}`);
  });
  const edgeFile = join(dir, 'edge.yaml');
  writeFileSync(
    edgeFile,
    [
      `mqtt: { servers: ["${broker.url}"], backoff: { initialMs: 200, maxMs: 1000 } }`,
      'sparkplug: { groupId: G, edgeNodeId: E1, primaryHostId: hist-host, useAliases: false }',
      'scanIntervalMs: 50',
      `storeDir: ${JSON.stringify(join(dir, 'edge-store'))}`,
      'logLevel: info',
      'devices:',
      ...DEVICES.flatMap((d) => [`  - id: ${d}`, '    metrics:', '      - { name: Count, type: Int64, generator: counter }']),
      '',
    ].join('\n'),
  );
  const wireValues = (device: string): number[] => {
    const out: number[] = [];
    for (const m of observer.messages) {
      if (m.topic !== `spBv1.0/G/DDATA/E1/${device}` && m.topic !== `spBv1.0/G/DBIRTH/E1/${device}`) continue;
      for (const x of decodePayload(m.payload).metrics ?? []) if (x.name === 'Count') out.push(Number(x.value));
    }
    return out;
  };
  const wireSeqs = (device: string): string[] => {
    const out = new Set<string>();
    let bdSeq = '';
    for (const m of observer.messages) {
      if (m.topic === 'spBv1.0/G/NBIRTH/E1') bdSeq = String(decodePayload(m.payload).metrics?.find((x) => x.name === 'bdSeq')?.value);
      if (m.topic !== `spBv1.0/G/DDATA/E1/${device}` && m.topic !== `spBv1.0/G/DBIRTH/E1/${device}`) continue;
      const p = decodePayload(m.payload);
      for (const x of p.metrics ?? []) if (x.name === 'Count') out.add(`${String(x.value)} ${String(p.seq)} ${bdSeq}`);
    }
    return [...out].sort();
  };
  const dbSeqs = async (device: string): Promise<string[]> => {
    const rows = await sql<{ v: string }>(
      `SELECT value || ' ' || seq || ' ' || bd_seq AS v FROM "${schema}".history WHERE edge_node_id = 'E1' AND device_id = $1 AND metric = 'Count'`,
      [device],
    );
    return rows.map((r) => r.v).sort();
  };
  const dbValues = async (device: string): Promise<number[]> => {
    const rows = await sql<{ value: string }>(
      `SELECT value FROM "${schema}".history WHERE edge_node_id = 'E1' AND device_id = $1 AND metric = 'Count' ORDER BY ts`,
      [device],
    );
    return rows.map((r) => Number(r.value));
  };
  const metric = async (name: string): Promise<number | undefined> => {
    const text = await (await fetch(`${hostHttp}/metrics`)).text();
    const m = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text);
    return m === null ? undefined : Number(m[1]);
  };
  // The schema exists (migrated) before anything queries the history view.
  await waitUntil(async () => (await metric('sparkstate_historian_database_up')) === 1, 60_000, 'historian connected', 100);
  return {
    host,
    hostHttp,
    observer,
    dir,
    metric,
    startEdge: () => spawnGroup(s, process.execPath, [MAIN, 'edge', '--config', edgeFile]),
    wireValues,
    dbValues,
    wireSeqs,
    dbSeqs,
  };
}

/** Distinct values, sorted: what the history must hold once each. */
export function distinctSorted(values: readonly number[]): number[] {
  return [...new Set(values)].sort((a, b) => a - b);
}

export function assertConsecutive(values: readonly number[], what: string): void {
  for (let i = 1; i < values.length; i++) {
    const prev = values[i - 1] ?? NaN;
    if (values[i] !== prev + 1) throw new Error(`${what}: ${String(values[i])} follows ${prev} at index ${i} (${values.length} values)`);
  }
}
