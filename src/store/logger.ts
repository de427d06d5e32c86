import type { Logger } from 'pino';

/**
 * The part of a pino logger the stores use. Any pino logger (or child logger) fits; tests can pass
 * a plain object. Kept narrow so the stores never depend on logger configuration.
 */
export type StoreLogger = Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;
