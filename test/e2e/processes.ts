/**
 * `sparkstate edge` and `sparkstate host` as users run them: the built CLI, each its own process
 * (group), configured from YAML files this module writes. kill -9 and restart keep the config and the
 * store directory, as a supervisor restarting a crashed container would.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnGroup, MAIN, type GroupProcess } from '../cli/cli-process.js';
import type { Scope } from '../host/broker-helpers.js';
import { tempDir } from '../host/broker-helpers.js';
import { freePort } from '../helpers/mosquitto.js';
import { waitUntil } from '../helpers/wait.js';
import type { HostSnapshot } from '../../src/host/index.js';

export const GROUP = 'Plant';
export const HOST_ID = 'scada';

/** One counter per device (plus one on the node): every sample is a consecutive integer, so loss and duplicates show. */
export interface EdgeSpec {
  readonly node: string;
  readonly servers: readonly string[];
  /** The node's Sparkplug group. Default GROUP. */
  readonly groupId?: string;
  readonly devices?: number;
  readonly scanIntervalMs?: number;
  readonly keepaliveSec?: number;
  /** Births wait for this host's STATE; its death makes the edge store and forward. Default HOST_ID. */
  readonly primaryHostId?: string | null;
  /** Where the counters of this run start (a restarted edge starts its counters again). Default 0. */
  readonly counterStart?: number;
  readonly logLevel?: string;
  /** Extra top-level YAML (e.g. a storeAndForward override). */
  readonly extraYaml?: string;
}

export const deviceIds = (spec: EdgeSpec): string[] => Array.from({ length: spec.devices ?? 2 }, (_, i) => `D${i + 1}`);

function edgeYaml(spec: EdgeSpec, storeDir: string, httpPort: number): string {
  const start = spec.counterStart ?? 0;
  const devices = deviceIds(spec)
    .map(
      (id) => `  - id: ${id}
    metrics:
      - { name: Count, type: Int64, generator: counter, start: ${start} }
      - { name: Temperature, type: Double, generator: randomWalk, min: 10, max: 90, step: 0.5 }
      - { name: Running, type: Boolean, generator: constant, value: true }
      - { name: Setpoint, type: Float, generator: constant, value: 42, writable: true }`,
    )
    .join('\n');
  const primary = spec.primaryHostId === undefined ? HOST_ID : spec.primaryHostId;
  return `mqtt:
  servers: [${spec.servers.map((s) => JSON.stringify(s)).join(', ')}]
  clientId: edge-${spec.node}
  keepaliveSec: ${spec.keepaliveSec ?? 2}
  backoff: { initialMs: 100, maxMs: 1000 }
sparkplug:
  groupId: ${spec.groupId ?? GROUP}
  edgeNodeId: ${spec.node}
${primary === null ? '' : `  primaryHostId: ${primary}\n  primaryHostWaitMs: 2000\n`}scanIntervalMs: ${spec.scanIntervalMs ?? 100}
storeDir: ${JSON.stringify(storeDir)}
storeAndForward:
  enabled: true
  flushIntervalMs: 100
  replayRatePerSec: 5000
http: { port: ${httpPort} }
logLevel: ${spec.logLevel ?? 'info'}
metrics:
  - { name: Uptime, type: Int64, generator: counter, start: ${start} }
devices:
${devices}
${spec.extraYaml ?? ''}`;
}

abstract class CliProcess {
  protected proc: GroupProcess | undefined;
  /** Output of every incarnation, oldest first (for failure messages). */
  private readonly logs: string[] = [];

  protected constructor(
    protected readonly s: Scope,
    readonly configFile: string,
    readonly httpPort: number,
    private readonly role: 'edge' | 'host',
  ) {}

  /** Starts (again) with the same config file and store directory. */
  start(): void {
    if (this.proc !== undefined) this.logs.push(this.proc.stdout() + this.proc.stderr());
    this.proc = spawnGroup(this.s, process.execPath, [MAIN, this.role, '--config', this.configFile]);
  }

  /** The current incarnation's process id. */
  get pid(): number | undefined {
    return this.proc?.child.pid;
  }

  get running(): boolean {
    return this.proc !== undefined && this.proc.child.exitCode === null && this.proc.child.signalCode === null;
  }

  /** Everything the process wrote, all incarnations. */
  output(): string {
    return [...this.logs, this.proc === undefined ? '' : this.proc.stdout() + this.proc.stderr()].join('\n--- restart ---\n');
  }

  /** A crash: SIGKILL to the whole group, resolved once it is gone. */
  async kill9(): Promise<void> {
    const p = this.proc;
    if (p === undefined || !this.running) return;
    p.signalGroup('SIGKILL');
    await p.exited;
  }

  /** A clean stop (SIGTERM): the node's NDEATH or the host's offline STATE goes out first. */
  async stop(): Promise<void> {
    const p = this.proc;
    if (p === undefined || !this.running) return;
    p.signalGroup('SIGTERM');
    await p.exited;
  }

  async healthz(): Promise<{ status: number; body: unknown }> {
    const r = await fetch(`http://127.0.0.1:${this.httpPort}/healthz`);
    return { status: r.status, body: await r.json() };
  }

  /** Waits until /healthz answers 200. */
  async ready(timeoutMs = 15_000): Promise<void> {
    await waitUntil(
      async () => {
        try {
          return (await this.healthz()).status === 200;
        } catch {
          return false; // not listening yet
        }
      },
      timeoutMs,
      `${this.role} /healthz 200`,
      50,
    ).catch((e: unknown) => {
      throw new Error(`${String(e)}\n${this.output()}`);
    });
  }
}

export class EdgeCli extends CliProcess {
  private current: EdgeSpec;

  private constructor(
    s: Scope,
    spec: EdgeSpec,
    readonly storeDir: string,
    configFile: string,
    httpPort: number,
  ) {
    super(s, configFile, httpPort, 'edge');
    this.current = spec;
  }

  get spec(): EdgeSpec {
    return this.current;
  }

  static async create(s: Scope, spec: EdgeSpec): Promise<EdgeCli> {
    const dir = tempDir(s, `sparkstate-e2e-${spec.node}-`);
    const storeDir = join(dir, 'store');
    mkdirSync(storeDir);
    const port = await freePort();
    const file = join(dir, 'edge.yaml');
    writeFileSync(file, edgeYaml(spec, storeDir, port));
    return new EdgeCli(s, spec, storeDir, file, port);
  }

  /** Rewrites the config with `changes` (e.g. a new counterStart) for the next start. */
  reconfigure(changes: Partial<EdgeSpec>): void {
    this.current = { ...this.current, ...changes };
    writeFileSync(this.configFile, edgeYaml(this.current, this.storeDir, this.httpPort));
  }
}

export interface HostSpec {
  readonly servers: readonly string[];
  readonly hostId?: string;
  /** The groups it subscribes to (`sparkplug.groups`); every group when absent. */
  readonly groups?: readonly string[];
  readonly keepaliveSec?: number;
  readonly logLevel?: string;
  /** Extra top-level YAML (rebirth settings etc.). */
  readonly extraYaml?: string;
}

export class HostCli extends CliProcess {
  private constructor(s: Scope, readonly spec: HostSpec, configFile: string, httpPort: number) {
    super(s, configFile, httpPort, 'host');
  }

  static async create(s: Scope, spec: HostSpec): Promise<HostCli> {
    const dir = tempDir(s, 'sparkstate-e2e-host-');
    const port = await freePort();
    const file = join(dir, 'host.yaml');
    writeFileSync(
      file,
      `mqtt:
  servers: [${spec.servers.map((x) => JSON.stringify(x)).join(', ')}]
  clientId: host-${spec.hostId ?? HOST_ID}
  keepaliveSec: ${spec.keepaliveSec ?? 2}
  backoff: { initialMs: 100, maxMs: 1000 }
sparkplug:
  hostId: ${spec.hostId ?? HOST_ID}
${spec.groups === undefined ? '' : `  groups: [${spec.groups.join(', ')}]\n`}http: { port: ${port} }
storeDir: ${JSON.stringify(join(dir, 'store'))}
logLevel: ${spec.logLevel ?? 'info'}
${spec.extraYaml ?? ''}`,
    );
    return new HostCli(s, spec, file, port);
  }

  async state(): Promise<HostSnapshot> {
    const r = await fetch(`http://127.0.0.1:${this.httpPort}/api/state`);
    if (r.status !== 200) throw new Error(`GET /api/state: ${r.status}`);
    return (await r.json()) as HostSnapshot;
  }

  /** The host's Prometheus text (GET /metrics). */
  async metrics(): Promise<string> {
    return (await fetch(`http://127.0.0.1:${this.httpPort}/metrics`)).text();
  }
}
