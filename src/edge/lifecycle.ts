/**
 * The edge node's legal state changes (the diagram in README.md, "Edge node states") and the
 * stand-in source for a node without node-level metrics.
 */
import { ErrorCodes, SparkplugError } from '../errors.js';
import type { DeviceSource } from '../sources/types.js';
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
