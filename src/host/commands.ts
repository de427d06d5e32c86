/** NCMD/DCMD payloads sent by the host: metric writes and the rebirth request. */
import type { Metric, MetricValue, Payload } from '../payload/types.js';
import type { MetricTable } from './metric-table.js';

export const REBIRTH_METRIC = 'Node Control/Rebirth';

/**
 * [tck-id-operational-behavior-data-commands-ncmd-rebirth-verb] sent on NCMD
 * [tck-id-operational-behavior-data-commands-ncmd-rebirth-name] [tck-id-operational-behavior-data-commands-ncmd-rebirth-value]
 * Name + Boolean datatype + true, never alias-only (Q14: the TCK only scores the value when datatype 11 is present).
 * [tck-id-payloads-ncmd-timestamp] [tck-id-topics-ncmd-timestamp] payload timestamp; [tck-id-payloads-ncmd-seq] no seq.
 */
export function rebirthPayload(now: number): Payload {
  return { timestamp: now, metrics: [{ name: REBIRTH_METRIC, type: 'Boolean', value: true }] };
}

/**
 * A write of one metric, typed by its birth datatype ([tck-id-operational-behavior-data-commands-ncmd-metric-value]
 * [tck-id-operational-behavior-data-commands-dcmd-metric-value]).
 *
 * Aliased metrics are addressed by alias only ([tck-id-payloads-alias-data-cmd-requirement], E-ALIAS-DATA); the
 * datatype is included anyway (Q14: the TCK compares the DCMD datatype with the DBIRTH's). Metrics born without
 * an alias go by name. For a TCK SendCommandTest run, command non-aliased metrics: the TCK wants a name (Q14).
 * [tck-id-payloads-ncmd-timestamp] [tck-id-topics-ncmd-timestamp] [tck-id-payloads-dcmd-timestamp] payload timestamp;
 * [tck-id-payloads-ncmd-seq] [tck-id-payloads-dcmd-seq] no seq.
 * [tck-id-topics-dcmd-timestamp]
 * [tck-id-topics-ncmd-payload] [tck-id-topics-dcmd-payload] the metric to write, with a metric timestamp
 * ([tck-id-payloads-name-cmd-requirement], MAY).
 */
export function writePayload(table: MetricTable, row: number, value: MetricValue, now: number): Payload {
  const alias = table.alias(row);
  const type = table.type(row);
  const metric: Metric = alias === undefined ? { name: table.name(row), type, value, timestamp: now } : { alias, type, value, timestamp: now };
  return { timestamp: now, metrics: [metric] };
}
