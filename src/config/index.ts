/** Public face of the config module: load and validate `sparkstate edge` / `sparkstate host` YAML. */
export { loadEdgeConfig, loadHostConfig, opcuaPasswordVariable, parseEdgeConfig, parseHostConfig } from './load.js';
export type { EdgeConfig, HostConfig, MirrorConfig, MqttConfig, TlsConfig } from './load.js';
export { ConfigError } from './error.js';
export type { ConfigIssue } from './error.js';
export { formatPath } from './issues.js';
export type { DeviceConfig, SimulatedDeviceConfig } from './edge.js';
export type { OpcuaDeviceConfig, OpcuaMetricConfig } from './opcua.js';
export { OPCUA_SECURITY_MODES, OPCUA_SECURITY_POLICIES } from './opcua.js';
export type { BulkConfig } from './bulk.js';
export { expandBulk } from './bulk.js';
export type { GeneratorConfig, GeneratorName, MetricConfig } from './metric.js';
export { metricProblems } from './metric.js';
export { checkValue, INTEGER_RANGES, isIntegerType, isNumericType, SCALAR_TYPES, toInt64 } from './datatypes.js';
export type { IntegerTypeName, ScalarOut, ScalarTypeName } from './datatypes.js';
