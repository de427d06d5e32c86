/** What the HTTP layer needs of a host application (HostApplication, or a test double). */
import type { ErrorCode } from '../errors.js';
import type { HostApplication } from '../host/index.js';

export type WebHost = Pick<
  HostApplication,
  | 'hostId'
  | 'state'
  | 'counters'
  | 'inputProblems'
  | 'snapshot'
  | 'stats'
  | 'hasNode'
  | 'metricType'
  | 'requestRebirth'
  | 'writeMetric'
  | 'on'
  // options.transport: /healthz and /metrics report the MQTT connection's failures
  | 'options'
>;

/**
 * Error codes of the HTTP API: a SparkplugError's own code when the host refused (NOT_ONLINE,
 * UNKNOWN_METRIC, ENCODE, ...), else one of the HTTP-only codes.
 */
export type ApiErrorCode =
  | ErrorCode
  | 'ERR_VALIDATION'
  | 'ERR_BAD_REQUEST'
  | 'ERR_NOT_FOUND'
  /** 422: an Idempotency-Key sent again with a different write. */
  | 'ERR_IDEMPOTENCY_KEY_REUSED'
  | 'ERR_IDEMPOTENCY_OUTCOME_UNKNOWN'
  | 'ERR_INTERNAL';

/** Body of every 4xx/5xx answer. */
export interface ApiError {
  readonly code: ApiErrorCode;
  readonly message: string;
}
