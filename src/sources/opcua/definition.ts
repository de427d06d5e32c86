/**
 * From an OPC UA metric config and the type its variable has on the server to the
 * MetricDefinition the source declares; `unit` and `properties` become birth properties exactly
 * as for simulated metrics (sources/simulated/definition.ts).
 */
import type { OpcuaMetricConfig } from '../../config/opcua.js';
import type { MetricTypeName, PropertySet, PropertyValue } from '../../payload/types.js';
import type { MetricDefinition } from '../types.js';

function propertyValue(value: string | number | boolean): PropertyValue {
  if (typeof value === 'string') return { type: 'String', value };
  if (typeof value === 'boolean') return { type: 'Boolean', value };
  return { type: 'Double', value };
}

export function metricDefinition(m: OpcuaMetricConfig, type: MetricTypeName): MetricDefinition {
  const entries = Object.entries(m.properties ?? {}).map(([k, v]): [string, PropertyValue] => [k, propertyValue(v)]);
  if (m.unit !== undefined) entries.push(['engUnit', propertyValue(m.unit)]);
  const properties: PropertySet = Object.fromEntries(entries);
  return {
    name: m.name,
    type,
    writable: m.writable,
    ...(m.deadband === undefined ? {} : { deadband: m.deadband }),
    ...(entries.length === 0 ? {} : { properties }),
  };
}
