/** Metrics as the DataWriter tests give them, and the bytes encodePayload makes of them. */
import { encodePayload, type Metric, type MetricTypeName, type MetricValue, type PropertySet } from '../../src/payload/index.js';

export const TS = 1700000000000;

export interface Input {
  alias?: number;
  name?: string;
  timestamp: number;
  type: MetricTypeName;
  value: MetricValue;
  properties?: PropertySet;
}

/** The Quality properties the edge puts on an invalidated value and on the good value after it. */
export const BAD: PropertySet = { Quality: { type: 'Int32', value: 0 }, Status: { type: 'String', value: 'BadSensorFailure' } };
export const GOOD: PropertySet = { Quality: { type: 'Int32', value: 192 } };

/** The payload encodePayload gets for the same metrics (null as isNull, absent fields absent). */
export function viaEncode(timestamp: number, seq: number, metrics: readonly Input[], withTypes: boolean): Uint8Array {
  const ms = metrics.map((m): Metric => {
    const out: Metric = { timestamp: m.timestamp, type: m.type };
    if (m.name !== undefined) out.name = m.name;
    if (m.alias !== undefined) out.alias = m.alias;
    if (m.value === null) out.isNull = true;
    else out.value = m.value;
    if (m.properties !== undefined) out.properties = m.properties;
    return out;
  });
  return encodePayload({ timestamp, metrics: ms, seq }, withTypes ? {} : { omitMetricTypes: true });
}
