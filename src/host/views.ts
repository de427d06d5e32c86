/**
 * Read-only views of the metrics a node or device holds, as decoded (no copy, no JSON): for
 * consumers that turn the model into something else (the retained mirror) without the cost of a
 * whole snapshot on every birth or death.
 */
import type { Int64, MetricTypeName, MetricValue } from '../payload/types.js';
import type { MetricTable } from './metric-table.js';
import type { HostModel, NodeModel } from './model.js';

export interface MetricOwnerView {
  readonly group: string;
  readonly node: string;
  /** undefined: the node's own metrics. */
  readonly device: string | undefined;
  /** The node (or device) is born and not dead. */
  readonly online: boolean;
  /** Its values are not known to be current: dead, or the host lost its connection (H-LOST-SERVER-STALE). */
  readonly stale: boolean;
  /** Visits every metric of the current birth, with the value and timestamp the model holds. */
  forEachMetric(visit: (name: string, type: MetricTypeName, value: MetricValue<Int64>, timestamp: Int64) => void): void;
}

function view(n: NodeModel, device: string | undefined, table: MetricTable, online: boolean, stale: boolean): MetricOwnerView {
  return {
    group: n.group,
    node: n.id,
    device,
    online,
    stale,
    forEachMetric(visit) {
      for (const r of table.rows()) visit(table.name(r), table.type(r), table.value(r), table.timestamp(r));
    },
  };
}

export function ownerView(model: HostModel, group: string, node: string, device: string | undefined): MetricOwnerView | undefined {
  const n = model.findNode(group, node);
  if (n === undefined) return undefined;
  if (device === undefined) return view(n, undefined, n.metrics, n.online, n.stale || !n.online);
  const d = n.devices.get(device);
  return d === undefined ? undefined : view(n, device, d.metrics, d.online, n.stale || !d.online);
}

/** Every node and each of its devices. */
export function* ownerViews(model: HostModel): IterableIterator<MetricOwnerView> {
  for (const n of model.nodes()) {
    yield view(n, undefined, n.metrics, n.online, n.stale || !n.online);
    for (const d of n.devices.values()) yield view(n, d.id, d.metrics, d.online, n.stale || !d.online);
  }
}
