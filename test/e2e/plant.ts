/**
 * A small plant for the end-to-end suite: a real Mosquitto, a wire ledger, `sparkstate host` and
 * several `sparkstate edge` processes (the host is their primary host), started and whole.
 * Each scenario breaks something, repairs it, and reports one row of the README's table.
 */
import type { TestContext } from 'node:test';
import { startMosquitto, type Broker, type MosquittoOptions } from '../helpers/mosquitto.js';
import { startTcpProxy, type TcpProxy } from '../helpers/proxy.js';
import { lifo, type Scope } from '../host/broker-helpers.js';
import { sleep } from '../helpers/wait.js';
import { waitWhole } from './compare.js';
import { Ledger, type CounterReport } from './ledger.js';
import { deviceIds, EdgeCli, HostCli, type EdgeSpec, type HostSpec } from './processes.js';

export interface PlantOptions {
  readonly nodes?: number;
  readonly devices?: number;
  readonly broker?: MosquittoOptions;
  readonly edge?: Partial<EdgeSpec>;
  readonly host?: Partial<HostSpec>;
  /** How long each process may take to become ready, and the plant to be whole, at the start (many nodes on a small machine). */
  readonly startTimeoutMs?: number;
}

export interface Plant {
  readonly s: Scope;
  readonly broker: Broker;
  readonly ledger: Ledger;
  readonly host: HostCli;
  readonly edges: readonly EdgeCli[];
  readonly nodeIds: readonly string[];
  /** Each process reaches the broker through a link of its own (a TCP proxy): keyed by node id, and 'host'. */
  readonly links: ReadonlyMap<string, TcpProxy>;
  /** Opens or shuts the door of every link (see TcpProxy.open): a restarted broker gets its observer first. */
  doors(open: boolean): void;
  /** kill -9 the broker and start it again, the ledger subscribed before any client is let back in; the time it was let back in. */
  crashBroker(downMs: number): Promise<number>;
  /** Waits until the host's model of every node is whole; ms since `since`. */
  whole(since: number, timeoutMs?: number): Promise<number>;
  /** Loss and duplicate accounting over every counter of every node, for samples ≥ `from`. */
  account(from?: number): PlantAccount;
}

export interface PlantAccount {
  readonly counters: number;
  readonly lost: number;
  readonly duplicates: number;
  readonly resent: number;
  readonly historical: number;
  readonly outOfOrder: number;
  /** Per counter, for failure messages. */
  readonly details: Record<string, CounterReport>;
}

export async function startPlant(t: TestContext, o: PlantOptions = {}): Promise<Plant> {
  const s = lifo(t);
  const broker = await startMosquitto(o.broker);
  s.after(() => broker.dispose());
  const ledger = await Ledger.start(broker.url);
  s.after(() => ledger.close());
  const nodeIds = Array.from({ length: o.nodes ?? 3 }, (_, i) => `E${i + 1}`);
  const links = new Map<string, TcpProxy>();
  for (const id of ['host', ...nodeIds]) {
    const link = await startTcpProxy(broker.port);
    s.after(() => link.close());
    links.set(id, link);
  }
  const url = (id: string): string => (links.get(id) as TcpProxy).url;
  const host = await HostCli.create(s, { servers: [url('host')], ...o.host });
  host.start();
  await host.ready();
  const edges = await Promise.all(
    nodeIds.map((node) => EdgeCli.create(s, { node, servers: [url(node)], devices: o.devices ?? 2, ...o.edge })),
  );
  for (const e of edges) e.start();
  await Promise.all(edges.map((e) => e.ready(o.startTimeoutMs)));
  const plant: Plant = {
    s,
    broker,
    ledger,
    host,
    edges,
    nodeIds,
    links,
    doors: (open) => {
      for (const link of links.values()) link.open = open;
    },
    crashBroker: async (downMs) => {
      plant.doors(false);
      await broker.kill();
      await sleep(downMs);
      await broker.restart();
      await ledger.reconnect(broker.url);
      plant.doors(true);
      return Date.now();
    },
    whole: (since, timeoutMs) => waitWhole(host, ledger, nodeIds, since, timeoutMs),
    account: (from = 0) => account(plant, from),
  };
  await plant.whole(Date.now(), o.startTimeoutMs);
  return plant;
}

function account(plant: Plant, from: number): PlantAccount {
  return accountOf(plant.ledger, plant.edges, from);
}

/** Loss and duplicate accounting over every counter of `edges` on the ledger, for samples ≥ `from`. */
export function accountOf(ledger: Ledger, edges: readonly EdgeCli[], from = 0): PlantAccount {
  const details: Record<string, CounterReport> = {};
  for (const edge of edges) {
    const counters: [string, string][] = [['', 'Uptime'], ...deviceIds(edge.spec).map((d): [string, string] => [d, 'Count'])];
    for (const [device, name] of counters) details[`${edge.spec.node}/${device}/${name}`] = ledger.counter(edge.spec.node, device, name, from);
  }
  return summarize(details);
}

/** The totals of per-counter reports. */
export function summarize(details: Record<string, CounterReport>): PlantAccount {
  const reports = Object.values(details);
  const sum = (k: 'lost' | 'duplicates' | 'resent' | 'historical' | 'outOfOrder'): number => reports.reduce((n, r) => n + r[k], 0);
  return { counters: reports.length, lost: sum('lost'), duplicates: sum('duplicates'), resent: sum('resent'), historical: sum('historical'), outOfOrder: sum('outOfOrder'), details };
}

/** One row of the README's table, printed so a run shows its figures (`node --test` passes stdout through as diagnostics). */
export function report(scenario: string, row: { recoveryMs: number; account: PlantAccount; rebirthRequests: number; extra?: string }): void {
  const a = row.account;
  console.log(
    `E2E ${scenario}: recovery ${row.recoveryMs} ms, ${a.counters} counters, lost ${a.lost}, duplicates ${a.duplicates}, re-sent ${a.resent}, historical ${a.historical}, out of order ${a.outOfOrder}, rebirth requests ${row.rebirthRequests}${row.extra === undefined ? '' : `, ${row.extra}`}`,
  );
}
