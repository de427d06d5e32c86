/** The historian as the `historian:` section of a host config file describes it. */
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { HostConfig } from '../config/index.js';
import { Historian } from './historian.js';

/** The variable the password is read from (else the URL's). */
export const HISTORIAN_PASSWORD_VARIABLE = 'SPARKSTATE_HISTORIAN_PASSWORD';

export function createHistorian(
  config: NonNullable<HostConfig['historian']>,
  storeDir: string,
  opts: { readonly logger?: Logger | undefined; readonly env?: NodeJS.ProcessEnv | undefined } = {},
): Historian {
  const password = (opts.env ?? process.env)[HISTORIAN_PASSWORD_VARIABLE];
  return new Historian({
    url: config.url,
    password: password === undefined || password === '' ? undefined : password,
    schema: config.schema,
    retentionDays: config.retentionDays,
    batchMs: config.batchMs,
    batchRows: config.batchRows,
    spoolDir: join(storeDir, 'historian'),
    spoolMaxBytes: config.spoolMaxBytes,
    writeTimeoutMs: config.writeTimeoutMs,
    logger: opts.logger,
  });
}
