/**
 * The edge node's legal state changes (the diagram in README.md, "Edge node states") and the
 * stand-in source for a node without node-level metrics, and how the sources start.
 */
import { ErrorCodes, SparkplugError } from '../errors.js';
import type { DeviceSource } from '../sources/types.js';
import type { Scope } from './scope.js';
import type { EdgeState } from './types.js';

export const ALLOWED_TRANSITIONS: Record<EdgeState, readonly EdgeState[]> = {
  offline: ['connecting'],
  connecting: ['waitingForHost', 'birthing', 'closing', 'connecting'],
  waitingForHost: ['birthing', 'connecting', 'closing'],
  birthing: ['online', 'connecting', 'closing'],
  online: ['birthing', 'connecting', 'closing'],
  closing: ['offline'],
};

/** Node scope of a node that has no metrics of its own. */
export const NO_METRICS: DeviceSource = {
  deviceId: '',
  metrics: [],
  start: async () => {},
  stop: async () => {},
  isOnline: () => true,
  write: async (name) => {
    throw new SparkplugError(ErrorCodes.UNKNOWN_METRIC, `unknown node metric ${name}`);
  },
  onConnectivity: () => () => {},
};

/**
 * Starts every scope's source at once (each may connect to its own device). When one refuses its
 * configuration, all are stopped again and its error is thrown: the edge does not start, no birth goes out.
 */
export async function startSources(scopes: readonly Scope[]): Promise<void> {
  const results = await Promise.allSettled(scopes.map((scope) => scope.source.start(scope.inbox)));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed === undefined) return;
  await Promise.allSettled(scopes.map((scope) => scope.source.stop()));
  throw failed.reason;
}
