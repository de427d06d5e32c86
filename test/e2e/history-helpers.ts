/**
 * The historian's end-to-end check (issue #19): `sparkstate host` with a `historian:` section
 * writes into a PostgreSQL schema of the test's own, and after each scenario every counter's rows
 * in `<schema>.history` must be consecutive — none missing and none twice — from the first to the
 * last value the edge produced (as the wire ledger saw it: published live, or replayed from its store).
 */
import type { TestContext } from 'node:test';
import { sql } from '../historian/helpers.js';
import type { Scope } from '../host/broker-helpers.js';
import { startObserver, type Observer } from '../helpers/observer.js';
import { sleep, waitUntil } from '../helpers/wait.js';
import type { Ledger } from './ledger.js';
import { startPlant, type Plant, type PlantOptions } from './plant.js';
import { deviceIds, GROUP, type EdgeCli } from './processes.js';

let made = 0;

/** A fresh schema name (lower-case, as the config wants); `dropSchemaAfter` drops it. */
export function schemaName(): string {
  return `he2e_${process.pid}_${Date.now() % 1_000_000}_${made++}`;
}

/**
 * Drops the schema when the test ends. node:test runs `t.after` hooks first-in first-out: register
 * this after the processes' scope, so no host writes into a schema being dropped.
 */
export function dropSchemaAfter(t: TestContext | Scope, schema: string): void {
  t.after(() => sql(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`));
}

/** The host config's `historian:` section. */
export function historianYaml(schema: string, o: { pgPort?: number; spoolMaxBytes?: number } = {}): string {
  return [
    'historian:',
    `  url: postgres://postgres@127.0.0.1:${o.pgPort ?? 5432}/test`,
    `  schema: ${schema}`,
    '  batchMs: 100',
    ...(o.spoolMaxBytes === undefined ? [] : [`  spoolMaxBytes: ${o.spoolMaxBytes}`]),
    '  writeTimeoutMs: 5000',
    '',
  ].join('\n');
}

/**
 * One simulated counter: its node's Uptime ('' device) or a device's Count, values in [from, upTo]
 * (one run of the edge; `from` is the run's counterStart, the first value it produces).
 */
export interface CounterRef {
  readonly group: string;
  readonly node: string;
  readonly device: string;
  readonly name: string;
  readonly from: number;
  readonly upTo: number;
}

export function countersOf(edges: readonly EdgeCli[], from = 0, upTo = Number.POSITIVE_INFINITY): CounterRef[] {
  return edges.flatMap((e) => {
    const group = e.spec.groupId ?? GROUP;
    const node = e.spec.node;
    return [{ group, node, device: '', name: 'Uptime', from, upTo }, ...deviceIds(e.spec).map((device) => ({ group, node, device, name: 'Count', from, upTo }))];
  });
}

export interface CounterHistory {
  /** The run's first value (its counterStart) and the last one the edge produced, as the wire ledger saw it. */
  readonly first: number;
  readonly last: number;
  readonly rows: number;
  /** Values in [first, last] with no row. */
  readonly missing: number;
  /** Rows beyond one per value. */
  readonly duplicates: number;
  /** The first few missing values, for failure messages. */
  readonly gaps: readonly number[];
}

export interface HistoryReport {
  readonly counters: number;
  readonly rows: number;
  readonly missing: number;
  readonly duplicates: number;
  readonly details: Record<string, CounterHistory>;
}

const keyOf = (c: { group: string; node: string; device: string; name: string }): string => `${c.group}/${c.node}/${c.device}/${c.name}`;

/** Every counter row of `history`, grouped by counter. */
async function counterRows(schema: string): Promise<Map<string, number[]>> {
  const rows = await sql<{ g: string; n: string; d: string; m: string; v: string }>(
    `SELECT group_id AS g, edge_node_id AS n, coalesce(device_id, '') AS d, metric AS m, value::text AS v
       FROM "${schema}".history WHERE metric IN ('Count', 'Uptime')`,
  );
  const out = new Map<string, number[]>();
  for (const r of rows) {
    const k = keyOf({ group: r.g, node: r.n, device: r.d, name: r.m });
    let list = out.get(k);
    if (list === undefined) out.set(k, (list = []));
    list.push(Number(r.v));
  }
  return out;
}

/** What the wire showed of one counter's run so far (read before history, so history had its chance to hold it). */
function wireValues(ref: CounterRef, ledger: Ledger): number[] {
  const wire = ledger.samplesOf(ref.node, ref.device, ref.name).map((s) => Number(s.value)).filter((v) => v >= ref.from && v <= ref.upTo);
  if (wire.length === 0) throw new Error(`${keyOf(ref)}: nothing on the wire in [${ref.from}, ${ref.upTo}]`);
  return wire;
}

function accountOne(ref: CounterRef, wire: readonly number[], rows: readonly number[]): CounterHistory {
  const db = rows.filter((v) => v >= ref.from && v <= ref.upTo);
  // From the run's first value, not the first one seen: a head missing on the wire and in history is missing too.
  const first = ref.from;
  const last = Math.max(...wire);
  const have = new Set(db);
  const gaps: number[] = [];
  for (let v = first; v <= last; v++) if (!have.has(v)) gaps.push(v);
  return { first, last, rows: db.length, missing: gaps.length, duplicates: db.length - have.size, gaps: gaps.slice(0, 10) };
}

/** The account of `refs` in `history` now. */
export async function historyNow(schema: string, ledger: Ledger, refs: readonly CounterRef[], wire = refs.map((ref) => wireValues(ref, ledger))): Promise<HistoryReport> {
  const all = await counterRows(schema);
  const details: Record<string, CounterHistory> = {};
  refs.forEach((ref, i) => (details[`${keyOf(ref)}[${ref.from}…]`] = accountOne(ref, wire[i] ?? [], all.get(keyOf(ref)) ?? [])));
  const list = Object.values(details);
  const sum = (k: 'rows' | 'missing' | 'duplicates'): number => list.reduce((n, x) => n + x[k], 0);
  return { counters: list.length, rows: sum('rows'), missing: sum('missing'), duplicates: sum('duplicates'), details };
}

/**
 * Waits (up to `timeoutMs`) until history holds every value the wire showed so far, then gives the
 * account; on timeout, the account as it is (the test's assertions say what is missing).
 */
export async function settledHistory(schema: string, ledger: Ledger, refs: readonly CounterRef[], timeoutMs = 20_000): Promise<HistoryReport> {
  let wire: number[][] = [];
  await waitUntil(
    async () => {
      wire = refs.map((ref) => wireValues(ref, ledger));
      return (await historyNow(schema, ledger, refs, wire)).missing === 0;
    },
    timeoutMs,
    'history to hold every value on the wire',
    250,
  ).catch(() => undefined);
  // One more read a moment later, over the same wire values: a duplicate may come with a late replay.
  await sleep(500);
  return historyNow(schema, ledger, refs, wire);
}

/** A short summary of the counters that are not clean, for assertion messages. */
export function problems(r: HistoryReport): string {
  return JSON.stringify(Object.fromEntries(Object.entries(r.details).filter(([, c]) => c.missing > 0 || c.duplicates > 0)));
}

/** One line per scenario: rows, missing, duplicates, recovery time. */
export function reportHistory(scenario: string, r: HistoryReport, recoveryMs: number | undefined, extra?: string): void {
  console.log(
    `HISTORY ${scenario}: ${r.rows} rows over ${r.counters} counters, missing ${r.missing}, duplicates ${r.duplicates}, recovery ${recoveryMs === undefined ? '–' : `${recoveryMs} ms`}${extra === undefined ? '' : `, ${extra}`}`,
  );
}

/** The primary host's STATE on the wire (the retained topic `spBv1.0/STATE/<hostId>`). */
export interface StateWatch {
  readonly observer: Observer;
  /** Resolves at the first STATE message from now on saying `online`; the ms since `since`. */
  next(online: boolean, since: number, timeoutMs?: number): Promise<number>;
}

export async function watchState(s: Scope, url: string, hostId: string): Promise<StateWatch> {
  const observer = await startObserver(url, { topics: [`spBv1.0/STATE/${hostId}`] });
  s.after(() => observer.close());
  return {
    observer,
    next: async (online, since, timeoutMs = 30_000) => {
      const from = observer.messages.length;
      const says = (payload: Uint8Array): unknown => (JSON.parse(Buffer.from(payload).toString('utf8')) as { online?: unknown }).online;
      await waitUntil(() => observer.messages.slice(from).some((m) => says(m.payload) === online), timeoutMs, `STATE online=${String(online)} on the wire`, 20);
      return Date.now() - since;
    },
  };
}

/** A plant (test/e2e/plant.ts) whose host has a historian writing into a fresh schema, dropped after. */
export async function startHistoryPlant(t: TestContext, o: PlantOptions & { pgPort?: number; spoolMaxBytes?: number } = {}): Promise<{ plant: Plant; schema: string }> {
  const schema = schemaName();
  const { pgPort, spoolMaxBytes, ...plantOptions } = o;
  const hostYaml = `${o.host?.extraYaml ?? ''}\n${historianYaml(schema, { ...(pgPort === undefined ? {} : { pgPort }), ...(spoolMaxBytes === undefined ? {} : { spoolMaxBytes }) })}`;
  let plant: Plant;
  try {
    plant = await startPlant(t, { ...plantOptions, host: { ...o.host, extraYaml: hostYaml } });
  } finally {
    // Registered after the plant's own scope, so it runs once every process is gone.
    dropSchemaAfter(t, schema);
  }
  return { plant, schema };
}
