import type { Logger } from 'pino';

/** Waits for SIGINT/SIGTERM, then runs `shutdown` once (a second signal exits at once). */
export function runUntilSignal(log: Logger, shutdown: () => Promise<void>): Promise<void> {
  return new Promise((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (stopping) process.exit(1);
      stopping = true;
      log.info({ signal }, 'shutting down');
      shutdown()
        .catch((e: unknown) => log.error({ err: e }, 'error during shutdown'))
        .finally(() => {
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
          resolve();
        });
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
