/** The transport's SPB_ERR_TRANSPORT errors, worded for logs: they name the server, never credentials. */
import { ErrorCodes, SparkplugError } from '../errors.js';

export function transportError(message: string, cause?: unknown): SparkplugError {
  const reason = cause instanceof Error ? `: ${cause.message}` : '';
  return new SparkplugError(ErrorCodes.TRANSPORT, `transport: ${message}${reason}`, { cause });
}

export function notConnected(op: string): SparkplugError {
  return new SparkplugError(ErrorCodes.TRANSPORT, `transport: cannot ${op}, not connected`);
}

/** CONNACK codes for bad credentials (3.1.1: 4, 5; MQTT 5: 0x86, 0x87). */
const AUTH_CODES = new Set([4, 5, 0x86, 0x87]);

export function connectFailure(server: string, cause: Error | undefined): SparkplugError {
  const code = cause !== undefined && 'code' in cause ? cause.code : undefined;
  const hint = typeof code === 'number' && AUTH_CODES.has(code) ? ' (check username and password)' : '';
  const reason = cause?.message ?? 'connection closed before CONNACK';
  return new SparkplugError(ErrorCodes.TRANSPORT, `transport: cannot connect to ${server}: ${reason}${hint}`, { cause });
}
