/** The CLI edge and host as a user runs them against the dev-setup.sh broker: YAML files, password from the environment. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAIN, spawnGroup, type GroupProcess } from '../cli/cli-process.js';
import type { Scope } from '../host/broker-helpers.js';
import { freePort } from '../helpers/mosquitto.js';
import { waitUntil } from '../helpers/wait.js';

export const GROUP = 'Plant1';

export interface CliProcess {
  readonly proc: GroupProcess;
  /** http://127.0.0.1:<port> of its /healthz, /metrics (and the host's API). */
  readonly http: string;
  /** Everything it wrote, stdout and stderr. */
  output(): string;
}

export interface MqttYaml {
  readonly url: string;
  readonly username: string;
  /** Path of the CA file the client trusts. */
  readonly ca: string;
  readonly protocolVersion: 4 | 5;
}

function mqttYaml(m: MqttYaml): string {
  return [
    'mqtt:',
    `  servers: [${JSON.stringify(m.url)}]`,
    `  protocolVersion: ${m.protocolVersion}`,
    `  username: ${m.username}`,
    `  tls: { ca: ${JSON.stringify(m.ca)} }`,
    // Long: a keep-alive miss on a loaded machine would log a warning the ACL test counts as a refusal.
    '  keepaliveSec: 30',
    '  backoff: { initialMs: 200, maxMs: 1000 }',
  ].join('\n');
}

/** Node metric Setpoint (Int32 7, writable); device Filler: Speed (Int32 10, writable), Count (counter). */
function edgeYaml(m: MqttYaml, nodeId: string, port: number, storeDir: string): string {
  return [
    mqttYaml(m),
    `sparkplug: { groupId: ${GROUP}, edgeNodeId: ${nodeId}, primaryHostId: scada }`,
    'scanIntervalMs: 200',
    `storeDir: ${JSON.stringify(storeDir)}`,
    'logLevel: info',
    `http: { port: ${port} }`,
    'metrics:',
    '  - { name: Setpoint, type: Int32, generator: constant, value: 7, writable: true }',
    'devices:',
    '  - id: Filler',
    '    metrics:',
    '      - { name: Speed, type: Int32, generator: constant, value: 10, writable: true }',
    '      - { name: Count, type: Int64, generator: counter }',
    '',
  ].join('\n');
}

function hostYaml(m: MqttYaml, port: number): string {
  return [mqttYaml(m), 'sparkplug: { hostId: scada }', `http: { port: ${port} }`, 'logLevel: info', ''].join('\n');
}

async function run(s: Scope, kind: 'edge' | 'host', yaml: (port: number, dir: string) => string, password: string): Promise<CliProcess> {
  const dir = mkdtempSync(join(tmpdir(), `sparkstate-sec-${kind}-`));
  s.after(() => rmSync(dir, { recursive: true, force: true }));
  const port = await freePort();
  const file = join(dir, `${kind}.yaml`);
  writeFileSync(file, yaml(port, dir));
  // The password comes from the environment only, as the README recommends.
  const proc = spawnGroup(s, process.execPath, [MAIN, kind, '--config', file], { env: { ...process.env, SPARKSTATE_MQTT_PASSWORD: password } });
  return { proc, http: `http://127.0.0.1:${port}`, output: () => `${proc.stdout()}${proc.stderr()}` };
}

export function runEdge(s: Scope, m: MqttYaml, nodeId: string, password: string): Promise<CliProcess> {
  return run(s, 'edge', (port, dir) => edgeYaml(m, nodeId, port, join(dir, 'store')), password);
}

export function runHost(s: Scope, m: MqttYaml, password: string): Promise<CliProcess> {
  return run(s, 'host', (port) => hostYaml(m, port), password);
}

/** GET `path` as JSON (status and body); undefined while nothing listens yet. */
export async function getJson(p: CliProcess, path: string): Promise<{ status: number; body: Record<string, unknown> } | undefined> {
  try {
    const r = await fetch(`${p.http}${path}`);
    return { status: r.status, body: (await r.json()) as Record<string, unknown> };
  } catch {
    return undefined;
  }
}

export async function getText(p: CliProcess, path: string): Promise<string> {
  const r = await fetch(`${p.http}${path}`);
  return r.text();
}

/** Waits for /healthz to answer `status`; fails with the process output. Generous: a loaded machine starts node slowly. */
export async function waitHealth(p: CliProcess, status: number, timeoutMs = 60_000): Promise<Record<string, unknown>> {
  let last: Record<string, unknown> | undefined;
  await waitUntil(
    async () => {
      const r = await getJson(p, '/healthz');
      last = r?.body;
      return r?.status === status;
    },
    timeoutMs,
    `/healthz ${status}`,
    100,
  ).catch((e: unknown) => {
    throw new Error(`${String(e)}; last body ${JSON.stringify(last)}\noutput:\n${p.output()}`);
  });
  return last ?? {};
}

/** Value of one Prometheus sample, by name and labels. */
export function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (wanted.every((l) => line.includes(l))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

/** The pino JSON lines of a process's output. */
export function logLines(p: CliProcess): { level: number; msg: string; [k: string]: unknown }[] {
  return p
    .output()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { level: number; msg: string });
}
