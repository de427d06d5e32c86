/** From a metric config to the MetricDefinition a DeviceSource declares. */
import type { MetricConfig } from '../../config/index.js';
import type { PropertySet, PropertyValue } from '../../payload/types.js';
import type { MetricDefinition } from '../types.js';

function propertyValue(value: string | number | boolean): PropertyValue {
  if (typeof value === 'string') return { type: 'String', value };
  if (typeof value === 'boolean') return { type: 'Boolean', value };
  // Properties such as engLow/engHigh are measurements; Double keeps fractions that YAML allows.
  return { type: 'Double', value };
}

export function metricDefinition(m: MetricConfig): MetricDefinition {
  const entries = Object.entries(m.properties ?? {}).map(([k, v]): [string, PropertyValue] => [k, propertyValue(v)]);
  if (m.unit !== undefined) entries.push(['engUnit', propertyValue(m.unit)]);
  const properties: PropertySet = Object.fromEntries(entries);
  return {
    name: m.name,
    type: m.type,
    writable: m.writable,
    ...(m.deadband === undefined ? {} : { deadband: m.deadband }),
    ...(entries.length === 0 ? {} : { properties }),
  };
}
