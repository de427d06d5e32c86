/**
 * node-opcua writes its warnings and errors straight to the console (certificate dumps, a
 * Node-version notice at load time, retry chatter). Library code must not: they go to the first
 * OPC UA source's pino logger at debug level instead. Installed when this module loads, before
 * any client exists, so the load-time notice is caught too. The hooks are process-wide.
 */
import { format } from 'node:util';
import { setErrorLogger, setWarningLogger } from 'node-opcua-client';
import type { Logger } from 'pino';

let target: Logger | undefined;

function forward(kind: 'warning' | 'error', args: unknown[]): void {
  if (target?.isLevelEnabled('debug') !== true) return;
  target.debug({ nodeOpcua: kind }, format(...args));
}

setWarningLogger((_context, ...args: unknown[]) => forward('warning', args));
setErrorLogger((_context, ...args: unknown[]) => forward('error', args));

/** Routes node-opcua's own messages to `logger` (the first caller wins: the hooks are global). */
export function routeLibraryLogs(logger: Logger): void {
  target ??= logger.child({ lib: 'node-opcua' });
}
