/** Shared pieces of the host protocol tests: a host on a fake transport, and a simulated edge node built on the real codec. */
import { mock } from 'node:test';
import { HostApplication, type HostApplicationOptions, type RebirthOptions } from '../../src/host/index.js';
import { decodePayload, encodePayload, type DecodedPayload, type Metric, type Payload } from '../../src/payload/index.js';
import { FakeTransport, type Published } from './fake-transport.js';

export const T0 = 1_700_000_000_000;

/** Lets pending promise callbacks (subscribe → birth) run; setImmediate is not faked. */
export function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Fake setTimeout and Date, starting at T0. Call `mock.timers.reset()` in `afterEach`. */
export function fakeTime(): void {
  mock.timers.enable({ apis: ['setTimeout', 'Date'], now: T0 });
}

export async function tick(ms: number): Promise<void> {
  mock.timers.tick(ms);
  await flush();
}

export interface Harness {
  readonly host: HostApplication;
  readonly transport: FakeTransport;
}

/** A started host whose first connection is up and born. */
export async function startHost(
  rebirth: RebirthOptions = {},
  extra: Partial<Omit<HostApplicationOptions, 'transport' | 'rebirth'>> = {},
): Promise<Harness> {
  const transport = new FakeTransport();
  const host = new HostApplication({ hostId: 'scada', transport, rebirth, now: () => Date.now(), random: () => 0.5, ...extra });
  transport.will = () => host.willMessage();
  await host.start();
  transport.connect();
  await flush();
  return { host, transport };
}

/** NCMDs published to one node (or to any node) that are rebirth requests. */
export function rebirths(transport: FakeTransport, group?: string, node?: string): Published[] {
  return transport.published.filter((p) => {
    const parts = p.topic.split('/');
    if (parts[2] !== 'NCMD' || (group !== undefined && parts[1] !== group) || (node !== undefined && parts[3] !== node)) return false;
    return decodePayload(p.payload).metrics?.some((m) => m.name === 'Node Control/Rebirth' && m.value === true) === true;
  });
}

export function decoded(p: Published): DecodedPayload {
  return decodePayload(p.payload);
}

/** A Sparkplug edge node as seen on the wire: one seq counter, bdSeq in NBIRTH and NDEATH, datatypes only in births. */
export class SimEdge {
  seq = 0;
  bdSeq = 0;

  constructor(
    private readonly transport: FakeTransport,
    readonly group = 'Plant1',
    readonly node = 'Line4',
  ) {}

  private send(verb: string, device: string | undefined, payload: Payload, omitTypes: boolean): void {
    const topic = `spBv1.0/${this.group}/${verb}/${this.node}${device === undefined ? '' : `/${device}`}`;
    this.transport.inject(topic, encodePayload(payload, { omitMetricTypes: omitTypes }));
  }

  nbirth(metrics: Metric[] = [], ts = Date.now()): void {
    this.seq = 0;
    const base: Metric[] = [
      { name: 'bdSeq', type: 'Int64', value: this.bdSeq, timestamp: ts },
      { name: 'Node Control/Rebirth', type: 'Boolean', value: false, timestamp: ts },
    ];
    this.send('NBIRTH', undefined, { timestamp: ts, seq: 0, metrics: [...base, ...metrics] }, false);
  }

  dbirth(device: string, metrics: Metric[], ts = Date.now()): void {
    this.send('DBIRTH', device, { timestamp: ts, seq: this.next(), metrics }, false);
  }

  /** Data with datatypes omitted, as edges should send it ([tck-id-payloads-metric-datatype-not-req]). */
  ndata(metrics: Metric[], ts = Date.now(), seq = this.next()): void {
    this.send('NDATA', undefined, { timestamp: ts, seq, metrics }, true);
  }

  ddata(device: string, metrics: Metric[], ts = Date.now(), seq = this.next()): void {
    this.send('DDATA', device, { timestamp: ts, seq, metrics }, true);
  }

  ddeath(device: string, ts = Date.now()): void {
    this.send('DDEATH', device, { timestamp: ts, seq: this.next() }, false);
  }

  ndeath(bdSeq = this.bdSeq): void {
    this.send('NDEATH', undefined, { timestamp: Date.now(), metrics: [{ name: 'bdSeq', type: 'Int64', value: bdSeq }] }, false);
  }

  /** Skip `n` seq values (messages lost on the way). */
  skip(n = 1): void {
    this.seq = (this.seq + n) & 0xff;
  }

  next(): number {
    this.seq = (this.seq + 1) & 0xff;
    return this.seq;
  }
}
