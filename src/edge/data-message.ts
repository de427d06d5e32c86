/**
 * The live NDATA/DDATA of a scan: a scope's changed metrics written by a DataWriter straight from
 * the scope's columns, with no Metric or Payload objects.
 */
import type { DataWriter } from '../payload/index.js';
import type { Changes, Scope } from './scope.js';

/**
 * Encodes `changes` as one data message. `seq` is called only once the metrics are encoded, so a
 * message that cannot be encoded uses no sequence number. Throws SparkplugEncodeError (naming the
 * metric) for a value that does not fit its datatype.
 */
export function encodeChanges(data: DataWriter, scope: Scope, changes: Changes, timestamp: number, withNames: boolean, seq: () => number): Uint8Array {
  const { count, indices, timestamps } = changes;
  const { aliases, names, types } = scope;
  // [tck-id-topics-ndata-timestamp] [tck-id-payloads-ndata-timestamp] [tck-id-topics-ddata-timestamp] [tck-id-payloads-ddata-timestamp]
  data.begin(timestamp);
  for (let i = 0; i < count; i++) {
    const k = indices[i] as number;
    const a = aliases[k] as number;
    const alias = a < 0 ? undefined : a;
    // [tck-id-payloads-name-birth-data-requirement] every metric has its own timestamp
    // [tck-id-payloads-alias-data-cmd-requirement] alias only in data when aliases are used
    // [tck-id-payloads-name-requirement] the name, or only the alias born with it
    // [tck-id-payloads-metric-timestamp-in-UTC] the sample's UTC ms
    // [tck-id-payloads-metric-datatype-not-req] no datatype unless asked for (see the DataWriter)
    const name = alias === undefined || withNames ? names[k] : undefined;
    data.metric(alias, name, timestamps[i] as number, types[k] as number, scope.lastValue(k) ?? null, names[k]);
  }
  // [tck-id-topics-ndata-seq-num] [tck-id-topics-ddata-seq-num] [tck-id-payloads-ndata-seq] [tck-id-payloads-ndata-seq-inc]
  // [tck-id-payloads-ddata-seq] [tck-id-payloads-ddata-seq-inc]
  return data.finish(seq());
}
