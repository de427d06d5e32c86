/**
 * Retained messages an earlier run of the mirror left under the prefix (a crash leaves them saying
 * "good"). Read once at start-up over a short-lived session of its own (the mirror's session
 * cannot unsubscribe, and would otherwise receive all its own publishes).
 */
import type { Logger } from 'pino';
import { MqttSession, type MqttSessionOptions } from '../transport/index.js';

/** The scan ends after this long without a retained message (the broker sends them right after SUBACK)… */
const QUIET_MS = 500;
/** …or after this long in any case. */
const MAX_MS = 10_000;

/** Topic → payload of every retained message under `<prefix>/`; empty when the scan failed (logged once). */
export function scanRetained(options: MqttSessionOptions, prefix: string, log: Logger | undefined): Promise<Map<string, Uint8Array>> {
  const found = new Map<string, Uint8Array>();
  const session = new MqttSession({ ...options, clientId: `${options.clientId}-scan`, cleanSession: true, will: () => undefined });
  return new Promise((resolve) => {
    let quiet: ReturnType<typeof setTimeout> | undefined;
    const finish = (): void => {
      clearTimeout(quiet);
      clearTimeout(limit);
      session.stop().then(
        () => resolve(found),
        () => resolve(found),
      );
    };
    const limit = setTimeout(() => {
      log?.warn({ found: found.size }, 'mirror: scan for leftover retained values did not finish; continuing with what it found');
      finish();
    }, MAX_MS);
    session.on('message', (topic, payload, info) => {
      if (!info.retain || payload.length === 0) return;
      found.set(topic, payload);
      clearTimeout(quiet);
      quiet = setTimeout(finish, QUIET_MS);
    });
    session.on('connect', () => {
      session.subscribe([{ topic: `${prefix}/#`, qos: 0 }]).then(
        () => {
          quiet ??= setTimeout(finish, QUIET_MS);
        },
        (err: unknown) => {
          log?.warn({ err }, 'mirror: cannot read leftover retained values (subscription refused?); they keep their quality');
          finish();
        },
      );
    });
    session.start().catch(() => finish());
  });
}

/** The fields of a mirror payload (format.ts), or undefined when it is someone else's message. */
function mirrorFields(payload: Uint8Array): Record<string, unknown> | undefined {
  let p: unknown;
  try {
    p = JSON.parse(Buffer.from(payload).toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof p !== 'object' || p === null || Array.isArray(p)) return undefined;
  const r = p as Record<string, unknown>;
  const quality = r['quality'];
  if ((quality !== 'good' && quality !== 'offline' && quality !== 'stale') || typeof r['datatype'] !== 'string' || !('value' in r) || !('timestamp' in r)) return undefined;
  return r;
}

/** Whether a retained message is one the mirror wrote (any quality): only those are ever cleared. */
export function isMirrorPayload(payload: Uint8Array): boolean {
  return mirrorFields(payload) !== undefined;
}

/**
 * The payload with quality "stale", or undefined when it is not a mirror payload saying "good"
 * (someone else's message, or already stale or offline).
 */
export function staleCopy(payload: Uint8Array): string | undefined {
  const r = mirrorFields(payload);
  if (r?.['quality'] !== 'good') return undefined;
  // Values are re-serialised as read: 64-bit integers are strings in a mirror payload, so nothing loses precision.
  return JSON.stringify({ value: r['value'], timestamp: r['timestamp'], datatype: r['datatype'], quality: 'stale' });
}
