/**
 * An edge node whose device values come from your own code: a `DeviceSource` (the push interface,
 * README "Writing your own source") for a water tank. The tank is simulated by a timer here; a real
 * source would report from its PLC driver's or serial line's callbacks in the same way.
 *
 *   npx tsc -p tsconfig.json
 *   node build/examples/edge-custom-source.js [mqtt://127.0.0.1:1883] [seconds]
 *
 * Publishes as group "Examples", edge node "Tank1", device "Tank" (Level, Inflow, Setpoint).
 * Setpoint accepts DCMD writes between 0.5 and 4.5 m.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BdSeqStore,
  EdgeNode,
  ErrorCodes,
  MqttSession,
  PersistentBdSeq,
  SparkplugError,
  type ChangeSink,
  type DeviceSource,
  type MetricDefinition,
  type MetricValue,
  type WillMessage,
} from '../src/index.js';
import { exampleArgs, runFor } from './common.js';

// Positions in `metrics`: what `sink.update(index, …)` refers to.
const LEVEL = 0;
const INFLOW = 1;
const SETPOINT = 2;

class TankSource implements DeviceSource {
  readonly deviceId = 'Tank';
  readonly metrics: readonly MetricDefinition[] = [
    {
      name: 'Level',
      type: 'Double',
      writable: false,
      // Report by exception: changes under 1 cm are not worth a message.
      deadband: { kind: 'absolute', value: 0.01 },
      properties: { engUnit: { type: 'String', value: 'm' } },
    },
    { name: 'Inflow', type: 'Boolean', writable: false },
    { name: 'Setpoint', type: 'Double', writable: true, properties: { engUnit: { type: 'String', value: 'm' } } },
  ];
  private sink: ChangeSink | undefined;
  private timer: NodeJS.Timeout | undefined;
  private level = 1;
  private inflow = true;
  private setpoint = 2;

  async start(sink: ChangeSink): Promise<void> {
    this.sink = sink;
    // Current values first: the DBIRTH carries what was reported before it.
    const now = Date.now();
    sink.update(LEVEL, this.level, now);
    sink.update(INFLOW, this.inflow, now);
    sink.update(SETPOINT, this.setpoint, now);
    this.timer = setInterval(() => this.step(0.2), 200);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.sink = undefined;
  }

  isOnline(): boolean {
    return true;
  }

  async write(name: string, value: MetricValue): Promise<void> {
    if (name !== 'Setpoint') throw new SparkplugError(ErrorCodes.READ_ONLY, `${name} is read-only`);
    if (typeof value !== 'number' || value < 0.5 || value > 4.5) {
      throw new SparkplugError(ErrorCodes.WRITE, 'Setpoint must be a number between 0.5 and 4.5 m');
    }
    this.setpoint = value;
    this.sink?.update(SETPOINT, value, Date.now());
  }

  onConnectivity(): () => void {
    // This tank never drops off; a real source calls its listeners on (dis)connect (DDEATH / DBIRTH).
    return () => {};
  }

  /** The tank fills at 0.1 m/s while the inflow valve is open and drains at 0.05 m/s otherwise. */
  private step(seconds: number): void {
    this.level = Math.max(0, this.level + (this.inflow ? 0.1 : -0.05) * seconds);
    const now = Date.now();
    this.sink?.update(LEVEL, Math.round(this.level * 1000) / 1000, now);
    const inflow = this.inflow ? this.level < this.setpoint : this.level < this.setpoint - 0.5;
    if (inflow !== this.inflow) {
      this.inflow = inflow;
      this.sink?.update(INFLOW, inflow, now);
    }
  }
}

const { url, seconds } = exampleArgs();
// The bdSeq must survive restarts (hosts would otherwise take a new session for an old one).
const storeDir = process.env['STORE_DIR'] ?? join(tmpdir(), 'sparkstate-example-edge');
const transport = new MqttSession({
  servers: [url],
  clientId: 'sparkstate-example-tank1',
  // Asked before every CONNECT: the NDEATH Will carries that session's bdSeq.
  will: (): WillMessage => node.willMessage(),
});
const node = new EdgeNode({
  groupId: 'Examples',
  edgeNodeId: 'Tank1',
  transport,
  bdSeq: await PersistentBdSeq.open(await BdSeqStore.open(storeDir)),
  devices: [new TankSource()],
  scanIntervalMs: 500,
});
node.on('stateChanged', (from, to) => console.log(`edge ${from} -> ${to}`));
node.on('commandRejected', (r) => console.log(`command refused: ${r.metric} (${r.code}: ${r.message})`));

await node.start();
await runFor(seconds);
await node.stop();
console.log(`stopped after ${node.stats.messagesPublished} messages, ${node.stats.metricsPublished} metric values`);
