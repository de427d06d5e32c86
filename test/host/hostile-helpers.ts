/**
 * Hostile-input rigs: a real host (built from YAML, as the CLI builds it) whose pino output is
 * captured line by line, well-behaved raw edge nodes whose last values are known, and a raw MQTT.js
 * client that publishes whatever bytes on whatever topic.
 */
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { connect, type MqttClient } from 'mqtt';
import { pino } from 'pino';
import { parseHostConfig } from '../../src/config/index.js';
import { createHostApplication, INPUT_PROBLEM_CAUSES, type HostApplication, type HostLimits, type InputProblemCause } from '../../src/host/index.js';
import type { Metric } from '../../src/payload/index.js';
import { createMetricsRegistry } from '../../src/web/metrics.js';
import { waitUntil } from '../helpers/wait.js';
import type { TestContext } from 'node:test';
import { startMosquitto } from '../helpers/mosquitto.js';
import { hostValues, hostYaml, lifo, RawEdge, type Scope } from './broker-helpers.js';

export const G = 'Plant1';

export interface LogLine {
  readonly level: number;
  readonly msg: string;
  readonly cause?: InputProblemCause;
  readonly count?: number;
  readonly node?: string;
}

export interface HostileRig {
  readonly host: HostApplication;
  /** Every line the host logged, parsed. */
  readonly lines: LogLine[];
}

/** A broker of the test's own and a logged host on it, both disposed after the test. */
export async function hostileSetup(
  t: TestContext,
  limits: HostLimits = {},
): Promise<{ s: Scope; url: string; rig: HostileRig; host: HostApplication }> {
  const s = lifo(t);
  const broker = await startMosquitto();
  s.after(() => broker.dispose());
  const rig = await startLoggedHost(s, broker.url, limits);
  return { s, url: broker.url, rig, host: rig.host };
}

export async function startLoggedHost(s: Scope, url: string, limits: HostLimits = {}): Promise<HostileRig> {
  const config = await parseHostConfig(hostYaml([url]), {}, 'host.yaml', tmpdir());
  const lines: LogLine[] = [];
  const logger = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s) as LogLine) });
  const host = createHostApplication({ ...config, limits: { ...config.limits, ...limits } }, { logger });
  s.after(() => host.stop());
  await host.start();
  await waitUntil(() => host.state === 'online', 5000, 'host online');
  return { host, lines };
}

/** A raw client that publishes anything; QoS 0 like edge data. */
export async function hostileClient(s: Scope, url: string, id = 'hostile'): Promise<MqttClient> {
  const client = connect(url, { clientId: id, clean: true, reconnectPeriod: 0 });
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  s.after(() => client.endAsync(true));
  return client;
}

/** A well-behaved raw edge node with two node metrics and a device; remembers what it last sent. */
export class GoodNode {
  temperature = 20;
  count = 0n;
  speed = 0;

  private constructor(readonly edge: RawEdge) {}

  static async start(s: Scope, url: string, node: string): Promise<GoodNode> {
    const g = new GoodNode(await RawEdge.connect(s, url, G, node));
    await g.edge.nbirth(1, [
      { name: 'Temperature', alias: 1, type: 'Double', value: g.temperature },
      { name: 'Count', alias: 2, type: 'Int64', value: g.count },
    ]);
    await g.edge.dbirth('Pump', [{ name: 'Speed', alias: 3, type: 'UInt16', value: g.speed }]);
    return g;
  }

  /** One NDATA and one DDATA with new values. */
  async step(): Promise<void> {
    this.temperature += 0.5;
    this.count += 1n;
    this.speed = (this.speed + 1) & 0xffff;
    const node: Metric[] = [
      { alias: 1, type: 'Double', value: this.temperature },
      { alias: 2, type: 'Int64', value: this.count },
    ];
    await this.edge.ndata(node);
    await this.edge.ddata('Pump', [{ alias: 3, type: 'UInt16', value: this.speed }]);
  }

  expected(): unknown {
    return { metrics: { Temperature: this.temperature, Count: this.count.toString() }, devices: { Pump: { Speed: this.speed } } };
  }

  /** Waits until the host holds exactly the last values sent, then checks the node saw no trouble. */
  async assertModel(host: HostApplication): Promise<void> {
    const node = this.edge.node;
    // Leaves compared as strings: an Int64 may come back as a number or a decimal string.
    const norm = (v: unknown): string => JSON.stringify(v, (_k, x: unknown) => (typeof x === 'number' ? String(x) : x));
    await waitUntil(() => norm(hostValues(host.snapshot(), G, node)) === norm(this.expected()), 5000, `${node} model equal to what it sent`);
    const n = host.snapshot().groups[G]?.nodes[node];
    assert.ok(n !== undefined);
    assert.equal(n.lastSeq, this.edge.seq, `${node}: seq followed`);
    assert.deepEqual(n.counters, { ...n.counters, gaps: 0, decodeErrors: 0, rebirthsRequested: 0 }, `${node}: no gap, decode error or rebirth`);
  }
}

/** The host's counter values as /metrics exposes them, by cause. */
export async function scrapedProblems(host: HostApplication): Promise<Record<InputProblemCause, number>> {
  const text = await createMetricsRegistry(host).metrics();
  const out = {} as Record<InputProblemCause, number>;
  for (const cause of INPUT_PROBLEM_CAUSES) {
    const m = new RegExp(`^sparkstate_host_input_problems_total\\{cause="${cause}",host_id="[^"]*"\\} (\\d+)$`, 'm').exec(text);
    assert.ok(m !== null, `/metrics lists cause ${cause}`);
    out[cause] = Number(m[1]);
  }
  return out;
}

/** Problem lines of a cause: the first ones (full) and summaries ("N more …"). */
export function problemLines(lines: readonly LogLine[], cause: InputProblemCause): { first: number; summarised: number } {
  let first = 0;
  let summarised = 0;
  for (const l of lines) {
    if (l.cause !== cause) continue;
    if (l.count === undefined) first++;
    else summarised += l.count;
  }
  return { first, summarised };
}

/** Every problem was either logged in full or counted in a summary: logs and counters agree. */
export function assertLogsAddUp(rig: HostileRig): void {
  for (const cause of INPUT_PROBLEM_CAUSES) {
    const { first, summarised } = problemLines(rig.lines, cause);
    assert.equal(first + summarised, rig.host.inputProblems[cause], `${cause}: logged + summarised = counted`);
  }
}
