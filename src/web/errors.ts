/** Mapping of failures to HTTP answers: a status and a typed JSON body {code, message}. */
import { ErrorCodes, isSparkplugError, type ErrorCode } from '../errors.js';
import type { ApiError, ApiErrorCode } from './types.js';

export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: ApiErrorCode,
    message: string,
  ) {
    super(message);
  }

  toJSON(): ApiError {
    return { code: this.code, message: this.message };
  }
}

/** Why the host refused, as an HTTP status (unlisted codes are server faults). */
const STATUS: Partial<Record<ErrorCode, number>> = {
  [ErrorCodes.NOT_ONLINE]: 409,
  [ErrorCodes.LIFECYCLE]: 409,
  [ErrorCodes.UNKNOWN_METRIC]: 404,
  [ErrorCodes.READ_ONLY]: 403,
  [ErrorCodes.ENCODE]: 400,
  [ErrorCodes.INVALID_TOPIC]: 400,
  [ErrorCodes.TRANSPORT]: 503,
};

interface FrameworkError {
  readonly statusCode?: number;
  readonly validation?: unknown;
  readonly message: string;
}

function isFrameworkError(e: unknown): e is FrameworkError {
  return e instanceof Error;
}

/** Any thrown value → status + body. Messages of unexpected errors are not echoed (they may hold internals). */
export function toHttpError(e: unknown): HttpError {
  if (e instanceof HttpError) return e;
  if (isSparkplugError(e)) return new HttpError(STATUS[e.code] ?? 500, e.code, e.message);
  if (isFrameworkError(e)) {
    // fastify's schema validation (Ajv) and body parsing (bad JSON, wrong content type, too large)
    if (e.validation !== undefined) return new HttpError(400, 'ERR_VALIDATION', e.message);
    const status = e.statusCode;
    if (status !== undefined && status >= 400 && status < 500) return new HttpError(status, 'ERR_BAD_REQUEST', e.message);
  }
  return new HttpError(500, 'ERR_INTERNAL', 'internal error');
}
