/**
 * What each edge message does to the live model (births replace, data updates, deaths mark stale),
 * once `Ingest` has decoded it and put it in seq order.
 */
import type { Logger } from 'pino';
import type { DecodedMetric, DecodedPayload, Int64, MetricValue, PropertySet } from '../payload/types.js';
import { SCAN_HISTORICAL, scannedValue, valueFits, type DataColumns } from '../payload/index.js';
import { MetricTable, resolvedRows } from './metric-table.js';
import type { DeviceModel, NodeModel, SequencedMessage } from './model.js';
import type { ReportProblem } from './input-problems.js';
import type { HostCounters, HostEvents, MetricUpdate, RebirthReason } from './types.js';

export interface UpdateContext {
  readonly counters: HostCounters;
  readonly log: Logger | undefined;
  /** Bad input from an edge node: counted by cause, logged rate-limited (never a line per message). */
  readonly problem: ReportProblem;
  now(): number;
  requestRebirth(node: NodeModel, reason: RebirthReason): void;
  /** An NBIRTH arrived: any rebirth request for the node is answered. */
  born(node: NodeModel): void;
  emit<K extends keyof HostEvents>(event: K, ...args: HostEvents[K]): void;
  /** Whether anyone listens to `metrics`: without a listener no MetricUpdate objects are built (hot path). */
  wantsMetrics(): boolean;
}

const BDSEQ_METRIC = 'bdSeq';

export class ModelUpdater {
  constructor(private readonly ctx: UpdateContext) {}

  /** `device`: the node's device of a device message, when the node has it (the caller's cached lookup). */
  apply(node: NodeModel, msg: SequencedMessage, p: DecodedPayload, device: DeviceModel | undefined): void {
    switch (msg.verb) {
      case 'NDATA':
        this.data(node, undefined, node.metrics, p);
        return;
      case 'DBIRTH':
        this.deviceBirth(node, msg.device, p);
        return;
      case 'DDATA': {
        const d = device;
        if (d === undefined || !d.online) this.unknownDevice(node, msg.device);
        else this.data(node, msg.device, d.metrics, p);
        return;
      }
      case 'DDEATH':
        this.deviceDeath(node, msg.device, p);
        return;
      default: {
        const never: never = msg;
        this.ctx.log?.warn({ msg: never }, 'unexpected message');
      }
    }
  }

  nodeBirth(node: NodeModel, p: DecodedPayload, seq: number): void {
    const ts = p.timestamp ?? this.ctx.now();
    const { table, rejected } = MetricTable.fromBirth(p.metrics ?? [], ts);
    if (rejected > 0) this.ctx.problem('invalid_birth_metric', { group: node.group, node: node.id, rejected });
    const bdSeqRow = table.byNameOnly(BDSEQ_METRIC);
    const bdSeq = bdSeqRow < 0 ? undefined : table.value(bdSeqRow);
    node.clearReorder();
    // Q1: any seq 0..255 on NBIRTH is the new baseline
    node.lastSeq = seq;
    node.metrics = table;
    node.bdSeq = typeof bdSeq === 'number' || typeof bdSeq === 'bigint' ? bdSeq : undefined;
    if (node.bdSeq === undefined) this.ctx.problem('birth_without_bdseq', { group: node.group, node: node.id });
    node.online = true;
    node.stale = false;
    node.staleSince = undefined;
    node.birthTimestamp = ts;
    // HP-4: known devices stay offline and stale until their own DBIRTH of this session
    const now = this.ctx.now();
    for (const d of node.devices.values()) {
      if (d.online) d.staleSince = now;
      d.online = false;
      d.metrics.markStale();
    }
    this.ctx.born(node);
    this.ctx.emit('nodeBirth', { group: node.group, node: node.id, bdSeq: node.bdSeq, timestamp: ts });
    if (this.ctx.wantsMetrics()) this.ctx.emit('metrics', { group: node.group, node: node.id, device: undefined, seq, bdSeq: node.bdSeq, birth: true, metrics: birthUpdates(table) });
  }

  private deviceBirth(node: NodeModel, device: string, p: DecodedPayload): void {
    const ts = p.timestamp ?? this.ctx.now();
    const { table, rejected } = MetricTable.fromBirth(p.metrics ?? [], ts);
    if (rejected > 0) this.ctx.problem('invalid_birth_metric', { group: node.group, node: node.id, device, rejected });
    const d = node.device(device);
    d.metrics = table;
    d.online = true;
    d.staleSince = undefined;
    d.birthTimestamp = ts;
    this.ctx.emit('deviceBirth', { group: node.group, node: node.id, device, timestamp: ts });
    if (this.ctx.wantsMetrics()) {
      this.ctx.emit('metrics', { group: node.group, node: node.id, device, seq: node.lastSeq ?? -1, bdSeq: node.bdSeq, birth: true, metrics: birthUpdates(table) });
    }
  }

  private deviceDeath(node: NodeModel, device: string, p: DecodedPayload): void {
    const d = node.devices.get(device);
    if (d === undefined || !d.online) return;
    // [tck-id-operational-behavior-edge-node-termination-host-action-ddeath-devices-offline]
    // [tck-id-operational-behavior-edge-node-termination-host-action-ddeath-devices-tags-stale] at the DDEATH payload time (HP-9)
    const ts = p.timestamp ?? this.ctx.now();
    d.online = false;
    d.staleSince = ts;
    d.metrics.markStale();
    this.ctx.emit('deviceDeath', { group: node.group, node: node.id, device, timestamp: ts });
  }

  private data(node: NodeModel, device: string | undefined, table: MetricTable, p: DecodedPayload): void {
    const fallbackTs = p.timestamp ?? this.ctx.now();
    const metrics = p.metrics ?? [];
    // Without a `metrics` listener the per-metric MetricUpdate objects would only be garbage.
    const updates: MetricUpdate[] | undefined = this.ctx.wantsMetrics() ? [] : undefined;
    let unknown = 0;
    // The rows the decoder's resolveType already found, in metric order (see ResolvedRows).
    const resolved = resolvedRows;
    const nResolved = resolved.table === table ? resolved.length : 0;
    let k = 0;
    for (let i = 0; i < metrics.length; i++) {
      const m = metrics[i];
      if (m === undefined) continue;
      let row: number;
      if (k < nResolved && resolved.aliases[k] === m.alias && resolved.names[k] === m.name) row = resolved.rows[k++] ?? -1;
      else row = table.find(m);
      if (row < 0) unknown++;
      else if (updates === undefined) this.set(table, row, m, fallbackTs);
      else updates.push(this.update(table, row, m, fallbackTs));
    }
    this.afterData(node, device, unknown, updates, node.lastSeq ?? -1);
  }

  /**
   * NDATA/DDATA read by `scanDataPayload` (the common case, no objects per metric); same effect as
   * `apply` of the decoded payload. False, with nothing applied, when a value does not fit its
   * datatype: then decodePayload reads the message and reports the error.
   */
  applyColumns(node: NodeModel, device: string | undefined, d: DeviceModel | undefined, cols: DataColumns): boolean {
    let table: MetricTable;
    if (device === undefined) table = node.metrics;
    else if (d === undefined || !d.online) {
      this.unknownDevice(node, device);
      return true;
    } else table = d.metrics;
    const n = cols.length;
    const rows = this.scannedRows;
    let unknown = 0;
    // All checked before anything is applied: a message is applied whole or not at all.
    for (let i = 0; i < n; i++) {
      const row = table.findScanned(cols.alias[i] ?? -1, cols.name[i]);
      rows[i] = row;
      const wireType = cols.datatype[i] ?? -1;
      if (row < 0) unknown++;
      if (wireType >= 0 ? !valueFits(cols, i, wireType) : row >= 0 && !valueFits(cols, i, table.dataType(row))) return false;
    }
    const fallbackTs = cols.timestamp >= 0 ? cols.timestamp : this.ctx.now();
    const updates: MetricUpdate[] | undefined = this.ctx.wantsMetrics() ? [] : undefined;
    for (let i = 0; i < n; i++) {
      const row = rows[i] ?? -1;
      if (row < 0) continue;
      const wireType = cols.datatype[i] ?? -1;
      const value = scannedValue(cols, i, wireType >= 0 ? wireType : table.dataType(row));
      const t = cols.ts[i] ?? -1;
      const timestamp = t >= 0 ? t : fallbackTs;
      const isHistorical = ((cols.flags[i] ?? 0) & SCAN_HISTORICAL) !== 0;
      this.store(table, row, value, timestamp, isHistorical, undefined);
      updates?.push(metricUpdate(table, row, value, timestamp, isHistorical, undefined));
    }
    this.afterData(node, device, unknown, updates, cols.seq);
    return true;
  }

  /** HP-7: data from a device the host has no (current) DBIRTH for. */
  private unknownDevice(node: NodeModel, device: string): void {
    this.ctx.problem('unknown_device', { group: node.group, node: node.id, device });
    this.ctx.requestRebirth(node, 'unknownDevice');
  }

  /** Rows of the message being applied by `applyColumns`; entries of earlier messages are left to be overwritten. */
  private readonly scannedRows: number[] = [];

  /** `seq`: the message's (the decoded path sets `node.lastSeq` before applying, the scanned one after). */
  private afterData(node: NodeModel, device: string | undefined, unknown: number, updates: MetricUpdate[] | undefined, seq: number): void {
    if (unknown > 0) {
      this.ctx.problem('unknown_alias', { group: node.group, node: node.id, device, unknown });
      // HP-7: an unknown alias or a metric not in the birth
      this.ctx.requestRebirth(node, 'unknownMetric');
    }
    if (updates !== undefined && updates.length > 0) this.ctx.emit('metrics', { group: node.group, node: node.id, device, seq, bdSeq: node.bdSeq, birth: false, metrics: updates });
  }

  /** Historical values update the model only when newer than what it holds; the event carries every one. */
  private update(table: MetricTable, row: number, m: DecodedMetric, fallbackTs: Int64): MetricUpdate {
    this.set(table, row, m, fallbackTs);
    return metricUpdate(table, row, m.value ?? null, m.timestamp ?? fallbackTs, m.isHistorical === true, m.properties);
  }

  private set(table: MetricTable, row: number, m: DecodedMetric, fallbackTs: Int64): void {
    this.store(table, row, m.value ?? null, m.timestamp ?? fallbackTs, m.isHistorical === true, m.properties);
  }

  /** Applies one data metric to its row (historical only when newer than what the row holds). */
  private store(table: MetricTable, row: number, value: MetricValue<Int64>, timestamp: Int64, isHistorical: boolean, properties: PropertySet<Int64> | undefined): void {
    if (isHistorical) this.ctx.counters.historicalMetrics++;
    if (!isHistorical || timestamp > table.timestamp(row)) {
      table.setValue(row, value);
      table.setTimestamp(row, timestamp);
      if (properties !== undefined) table.mergeProperties(row, properties);
    }
  }

  nodeDeath(node: NodeModel, p: DecodedPayload): void {
    const bdSeq = p.metrics?.find((m) => m.name === BDSEQ_METRIC)?.value;
    // HP-1 / HP-2 / Q17: only the Will or death of the current session counts; a late Will of an
    // older session or the broker's copy of an NDEATH already handled is ignored.
    if (!node.online || !sameBdSeq(node.bdSeq, bdSeq)) {
      this.ctx.counters.staleDeaths++;
      this.ctx.log?.debug({ group: node.group, node: node.id, bdSeq: String(bdSeq) }, 'NDEATH of another session ignored');
      return;
    }
    // [tck-id-operational-behavior-edge-node-termination-host-action-ndeath-node-offline]
    // [tck-id-operational-behavior-edge-node-termination-host-action-ndeath-node-tags-stale]
    // [tck-id-operational-behavior-edge-node-termination-host-action-ndeath-devices-offline]
    // [tck-id-operational-behavior-edge-node-termination-host-action-ndeath-devices-tags-stale] all at host time (HP-3)
    const now = this.ctx.now();
    node.markStale(now, true);
    node.clearReorder();
    node.lastSeq = undefined;
    this.ctx.emit('nodeDeath', { group: node.group, node: node.id, bdSeq: node.bdSeq, timestamp: now });
  }
}

/**
 * A birth without a bdSeq metric cannot be paired (non-compliant edge): then any NDEATH ends it.
 * Compared as decimal strings: 3 and 3n are the same bdSeq, and nothing here can throw.
 */
function sameBdSeq(birth: Int64 | undefined, death: unknown): boolean {
  if (birth === undefined) return true;
  return (typeof death === 'number' || typeof death === 'bigint') && String(death) === String(birth);
}

function metricUpdate(table: MetricTable, row: number, value: MetricValue<Int64>, timestamp: Int64, isHistorical: boolean, properties: PropertySet<Int64> | undefined): MetricUpdate {
  return { name: table.name(row), alias: table.alias(row), type: table.type(row), value, timestamp, isHistorical, properties };
}

function birthUpdates(table: MetricTable): MetricUpdate[] {
  const out: MetricUpdate[] = [];
  for (const r of table.rows()) out.push(metricUpdate(table, r, table.value(r), table.timestamp(r), false, table.properties(r)));
  return out;
}
