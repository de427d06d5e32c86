/** From browsed variables to the `devices:` block `sparkstate opcua browse` prints. */
import { Document, isScalar, Scalar } from 'yaml';
import type { OPCUA_SECURITY_MODES, OPCUA_SECURITY_POLICIES } from '../config/opcua.js';

export type SecurityModeName = (typeof OPCUA_SECURITY_MODES)[number];
export type SecurityPolicyName = (typeof OPCUA_SECURITY_POLICIES)[number];

export interface MetricEntry {
  readonly name: string;
  readonly nodeId: string;
  readonly writable: boolean;
}

export interface DeviceEntry {
  readonly id: string;
  readonly endpoint: string;
  readonly securityMode: SecurityModeName;
  readonly securityPolicy: SecurityPolicyName;
  readonly username: string | undefined;
  readonly metrics: readonly MetricEntry[];
}

/** Characters a Sparkplug id cannot hold (one topic level), and blanks, which make awkward topics. */
const NOT_IN_ID = /[+/#\u0000\s]+/g;

/** A device id from a browse name or application name: forbidden characters become '_'. */
export function deviceIdFrom(name: string): string {
  const id = name.trim().replace(NOT_IN_ID, '_'); // [tck-id-intro-device-id-chars]
  return id === '' ? 'opcua' : id;
}

/**
 * Metric names from browse paths ('/' between segments). Hosts may fold case, and the edge
 * schema refuses names that differ only by case, so a later clash gets a `_2`, `_3`, … suffix.
 */
export function uniqueNames(paths: readonly (readonly string[])[]): { names: string[]; renamed: { from: string; to: string }[] } {
  const taken = new Set<string>();
  const renamed: { from: string; to: string }[] = [];
  const names = paths.map((path) => {
    const base = path.join('/');
    let name = base;
    for (let n = 2; taken.has(name.toLowerCase()); n++) name = `${base}_${n}`; // [tck-id-case-sensitivity-metric-names]
    taken.add(name.toLowerCase());
    if (name !== base) renamed.push({ from: base, to: name });
    return name;
  });
  return { names, renamed };
}

/** YAML text: one flow map per metric (a line each), NodeIds always double-quoted. */
export function deviceYaml(device: DeviceEntry, comment: string): string {
  const doc = new Document();
  const metrics = device.metrics.map((m) => {
    const node = doc.createNode({ name: m.name, nodeId: m.nodeId, ...(m.writable ? { writable: true } : {}) });
    node.flow = true;
    const nodeId = node.get('nodeId', true);
    // Quoting every NodeId keeps ';', '=' and quotes in identifiers unambiguous to the eye.
    if (isScalar(nodeId)) nodeId.type = Scalar.QUOTE_DOUBLE;
    return node;
  });
  const secured = device.securityMode !== 'None' ? { securityMode: device.securityMode, securityPolicy: device.securityPolicy } : {};
  doc.contents = doc.createNode({
    devices: [
      {
        id: device.id,
        source: 'opcua',
        endpoint: device.endpoint,
        ...secured,
        ...(device.username === undefined ? {} : { username: device.username }),
        metrics,
      },
    ],
  });
  doc.commentBefore = comment;
  // lineWidth 0: never fold a long NodeId across lines.
  return doc.toString({ lineWidth: 0 });
}
