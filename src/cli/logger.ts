import { pino, type Logger } from 'pino';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** JSON lines on stderr, so stdout stays free for command output (decode, sniff). */
export function createLogger(level: LogLevel, name: string): Logger {
  return pino({ name, level }, pino.destination(2));
}
