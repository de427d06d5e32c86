import { ErrorCodes, SparkplugError } from '../errors.js';

/** Wraps a file-system or SQLite failure so callers can branch on `code === ErrorCodes.STORE`. */
export function storeError(what: string, cause: unknown): SparkplugError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new SparkplugError(ErrorCodes.STORE, `${what}: ${reason}`, { cause });
}
