/**
 * The transport's SPB_ERR_TRANSPORT errors, worded for logs: they name the server, never credentials.
 * A failed connection attempt is a ConnectError: the same code, plus a stable cause label (for
 * metrics and alerting) and a short reason a supervisor can act on (for /healthz).
 */
import { ErrorCodes, SparkplugError } from '../errors.js';

export function transportError(message: string, cause?: unknown): SparkplugError {
  const reason = cause instanceof Error ? `: ${cause.message}` : '';
  return new SparkplugError(ErrorCodes.TRANSPORT, `transport: ${message}${reason}`, { cause });
}

export function notConnected(op: string): SparkplugError {
  return new SparkplugError(ErrorCodes.TRANSPORT, `transport: cannot ${op}, not connected`);
}

/** Why a connection attempt failed; stable labels (the values of a Prometheus `cause` label). */
export const CONNECT_FAILURE_CAUSES = [
  /** CONNACK: bad user name or password (3.1.1: 4, MQTT 5: 0x86). */
  'bad_credentials',
  /** CONNACK: not authorized (3.1.1: 5, MQTT 5: 0x87): Mosquitto's answer to a wrong or missing password. */
  'not_authorized',
  /** Any other CONNACK refusal (server unavailable, banned, client id rejected, …). */
  'broker_rejected',
  /** The broker's certificate does not chain to a trusted CA, or names another host. */
  'tls_untrusted',
  /** A certificate (the broker's, or ours as the broker reports it) is expired or not yet valid. */
  'tls_expired',
  /** The broker refused our client certificate (unknown CA, missing, bad). */
  'tls_rejected',
  /** Any other TLS handshake failure (e.g. TLS to a plain listener). */
  'tls_other',
  /** TCP connection refused: nothing listens there. */
  'refused',
  /** The broker closed or reset the connection before CONNACK (e.g. plain MQTT to a TLS listener). */
  'closed',
  /** No CONNACK (or no TCP connection) within the connect timeout. */
  'timeout',
  /** The server's host name does not resolve. */
  'dns',
  /** Unreachable host or network. */
  'network',
  'other',
] as const;

export type ConnectFailureCause = (typeof CONNECT_FAILURE_CAUSES)[number];

export class ConnectError extends SparkplugError {
  constructor(
    message: string,
    /** Stable label: branch and count on this, never on the wording. */
    readonly failure: ConnectFailureCause,
    /** One short line, e.g. "broker refuses: not authorized", "TLS: certificate has expired". */
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(ErrorCodes.TRANSPORT, message, options);
  }
}

/** CONNACK codes for bad credentials (3.1.1: 4, 5; MQTT 5: 0x86, 0x87). */
const AUTH_CODES = new Set([4, 5, 0x86, 0x87]);

const TLS_UNTRUSTED = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_REVOKED',
  'INVALID_CA',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);
const TLS_EXPIRED = new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID', 'ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED']);
/** TLS alerts the broker sends when it does not accept the client certificate. */
const TLS_REJECTED = new Set([
  'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA',
  'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE',
  'ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN',
  'ERR_SSL_SSLV3_ALERT_CERTIFICATE_REVOKED',
  'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED',
  'ERR_SSL_TLSV1_ALERT_ACCESS_DENIED',
  'ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE',
]);
const NETWORK = new Set(['EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED']);
/** Before CONNACK a reset is the broker hanging up (Mosquitto resets a plain CONNECT on a TLS port). */
const RESET = new Set(['ECONNRESET', 'EPIPE']);
const CLOSED_REASON = 'the broker closed the connection before CONNACK (TLS and plain MQTT mixed up, or a client certificate required?)';
const DNS = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME']);

function errorCode(e: Error): string | number | undefined {
  const code: unknown = 'code' in e ? e.code : undefined;
  return typeof code === 'string' || typeof code === 'number' ? code : undefined;
}

/** OpenSSL's "error:0A000415:SSL routines::sslv3 alert certificate expired:../deps/…:SSL alert number 45" → "sslv3 alert certificate expired". */
function sslText(message: string): string {
  const m = /routines:[^:]*:([^:\n]+)/.exec(message);
  return m?.[1] ?? message.trim();
}

/** The cause label and the short reason of one failed attempt (`undefined`: closed without an error). */
export function classifyConnectFailure(e: Error | undefined): { failure: ConnectFailureCause; reason: string } {
  if (e === undefined) return { failure: 'closed', reason: CLOSED_REASON };
  const code = errorCode(e);
  if (typeof code === 'number') {
    if (code === 4 || code === 0x86) return { failure: 'bad_credentials', reason: 'broker refuses: bad username or password' };
    if (code === 5 || code === 0x87) return { failure: 'not_authorized', reason: 'broker refuses: not authorized' };
    return { failure: 'broker_rejected', reason: `broker refuses: ${e.message.replace(/^Connection refused: /, '').toLowerCase()}` };
  }
  if (code !== undefined && TLS_UNTRUSTED.has(code)) return { failure: 'tls_untrusted', reason: `TLS: ${e.message}` };
  if (code !== undefined && TLS_EXPIRED.has(code)) {
    // An ERR_SSL_ code is the broker's alert about our certificate; the others are our verdict on the broker's.
    const whose = code.startsWith('ERR_SSL_') ? `the broker reports the client certificate expired (${sslText(e.message)})` : e.message;
    return { failure: 'tls_expired', reason: `TLS: ${whose}` };
  }
  if (code !== undefined && TLS_REJECTED.has(code)) {
    return { failure: 'tls_rejected', reason: `TLS: the broker refuses the client certificate (${sslText(e.message)})` };
  }
  if (code === 'EPROTO' || code?.startsWith('ERR_SSL_') === true) return { failure: 'tls_other', reason: `TLS: ${sslText(e.message)}` };
  if (code === 'ECONNREFUSED') return { failure: 'refused', reason: `connection refused (is the broker listening?): ${e.message}` };
  if (code === 'ETIMEDOUT' || e.message === 'connack timeout') return { failure: 'timeout', reason: `timed out: ${e.message}` };
  if (code !== undefined && DNS.has(code)) return { failure: 'dns', reason: `DNS: ${e.message}` };
  if (code !== undefined && RESET.has(code)) return { failure: 'closed', reason: `${CLOSED_REASON}: ${e.message}` };
  if (code !== undefined && NETWORK.has(code)) return { failure: 'network', reason: `network: ${e.message}` };
  return { failure: 'other', reason: e.message };
}

/** The Will could not be built: the attempt is skipped and retried after the back-off. */
export function willFailure(e: unknown): ConnectError {
  const reason = `will() threw: ${e instanceof Error ? e.message : String(e)}`;
  return new ConnectError(`transport: ${reason}, not connecting`, 'other', reason, { cause: e });
}

export function connectFailure(server: string, cause: Error | undefined): ConnectError {
  const code = cause === undefined ? undefined : errorCode(cause);
  const hint = typeof code === 'number' && AUTH_CODES.has(code) ? ' (check username and password)' : '';
  const { failure, reason } = classifyConnectFailure(cause);
  return new ConnectError(`transport: cannot connect to ${server}: ${reason}${hint}`, failure, reason, { cause });
}
