/**
 * Every error sparkstate throws or emits is a SparkplugError with a stable `code`.
 * Callers branch on `code` (never on message text); messages are for humans and may change.
 */
export const ErrorCodes = {
  /** Bytes that are not a valid Sparkplug B payload. */
  DECODE: 'SPB_ERR_DECODE',
  /** A payload object that cannot be encoded (value does not fit its datatype, bad shape). */
  ENCODE: 'SPB_ERR_ENCODE',
  /** A topic outside the spBv1.0 namespace, or an invalid group/node/device/host id. */
  INVALID_TOPIC: 'SPB_ERR_INVALID_TOPIC',
  /** A STATE message that is not the Sparkplug 3.0 JSON form. */
  INVALID_STATE: 'SPB_ERR_INVALID_STATE',
  /** Configuration that fails validation. */
  CONFIG: 'SPB_ERR_CONFIG',
  /** An operation that needs an online session (node or host) was attempted without one. */
  NOT_ONLINE: 'SPB_ERR_NOT_ONLINE',
  /** A metric name or alias that no birth certificate declared. */
  UNKNOWN_METRIC: 'SPB_ERR_UNKNOWN_METRIC',
  /** A write to a metric that does not accept writes. */
  READ_ONLY: 'SPB_ERR_READ_ONLY',
  /** MQTT connection or publish failure. */
  TRANSPORT: 'SPB_ERR_TRANSPORT',
  /** Durable storage (bdSeq file, store-and-forward queue) failure. */
  STORE: 'SPB_ERR_STORE',
  /** An operation not allowed in the current lifecycle state (start twice, use after stop). */
  LIFECYCLE: 'SPB_ERR_LIFECYCLE',
  /**
   * A source cannot serve its configuration: a NodeId the server does not have, a datatype
   * without a Sparkplug mapping, an unknown namespace URI, a deadband on a non-numeric variable.
   */
  SOURCE: 'SPB_ERR_SOURCE',
  /** The device refused a write (an NCMD/DCMD value the source passed on). */
  WRITE: 'SPB_ERR_WRITE',
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

export class SparkplugError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

export class SparkplugDecodeError extends SparkplugError {
  /** Byte offset in the input where decoding failed, when known. */
  readonly offset: number | undefined;

  constructor(message: string, offset?: number, options?: { cause?: unknown }) {
    super(ErrorCodes.DECODE, offset === undefined ? message : `${message} (at byte ${offset})`, options);
    this.offset = offset;
  }
}

export class SparkplugEncodeError extends SparkplugError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCodes.ENCODE, message, options);
  }
}

export class InvalidTopicError extends SparkplugError {
  constructor(message: string) {
    super(ErrorCodes.INVALID_TOPIC, message);
  }
}

export function isSparkplugError(e: unknown): e is SparkplugError {
  return e instanceof SparkplugError;
}
