/**
 * Clean stop on SIGINT/SIGTERM for the long-running commands (demo, edge, host, sniff).
 *
 * One Ctrl-C often arrives more than once: a terminal signals the whole foreground process group
 * and npm forwards the signal to its script as well, so the process gets SIGINT twice within
 * milliseconds; Docker and systemd may signal more than once too. Repeats within the grace
 * period are therefore ignored and the shutdown (NDEATH / offline STATE first) runs to its end.
 * Only a signal repeated after the grace period forces the exit, for a shutdown that hangs.
 */
import type { Logger } from 'pino';

/** How long after the first signal a repeated one is still taken as part of the same stop request. */
export const FORCE_AFTER_MS = 5_000;
/** 128 + SIGINT: what a shell reports for a process stopped by Ctrl-C. */
export const FORCED_EXIT_CODE = 130;

type StopSignalName = 'SIGINT' | 'SIGTERM';

/** Where signals come from: `process`, or an EventEmitter in tests. */
export interface SignalSource {
  on(signal: StopSignalName, listener: (signal: NodeJS.Signals) => void): unknown;
}

export interface StopSignalOptions {
  /** Default FORCE_AFTER_MS. */
  forceAfterMs?: number;
  /** Default `process`. */
  source?: SignalSource;
  /** Default `process.exit`. */
  exit?: (code: number) => void;
  /** Default `Date.now`. */
  now?: () => number;
}

export interface StopSignal {
  /** Resolves with the first SIGINT or SIGTERM. */
  readonly received: Promise<NodeJS.Signals>;
  /** Waits for the first signal, then runs `shutdown` once; rejects with its error. */
  stopWith(shutdown: () => Promise<void>): Promise<void>;
}

/**
 * Starts listening at once, so a signal during start-up is not lost (the default action would
 * kill the process without NDEATH). The listeners stay for the life of the process: a repeat that
 * arrives after the shutdown finished must not kill a process that is about to exit with 0, and
 * signal listeners do not keep Node's event loop alive.
 */
export function watchStopSignals(log: Logger, opts: StopSignalOptions = {}): StopSignal {
  const forceAfterMs = opts.forceAfterMs ?? FORCE_AFTER_MS;
  const exit = opts.exit ?? ((code: number): void => process.exit(code));
  const now = opts.now ?? Date.now;
  let firstAt: number | undefined;
  let repeatLogged = false;
  let onFirst: (signal: NodeJS.Signals) => void = () => {};
  const received = new Promise<NodeJS.Signals>((resolve) => (onFirst = resolve));

  const onSignal = (signal: NodeJS.Signals): void => {
    const t = now();
    if (firstAt === undefined) {
      firstAt = t;
      log.info(
        { signal, forceAfterMs },
        `stopping on ${signal}: NDEATH / offline STATE first; repeats within ${forceAfterMs / 1000} s are ignored, a repeat after that forces the exit`,
      );
      onFirst(signal);
    } else if (t - firstAt >= forceAfterMs) {
      log.error({ signal, sinceFirstMs: t - firstAt }, `forced exit: ${signal} repeated while the shutdown had not finished`);
      exit(FORCED_EXIT_CODE);
    } else if (!repeatLogged) {
      repeatLogged = true;
      log.info({ signal, sinceFirstMs: t - firstAt }, `already stopping; ${signal} ignored`);
    }
  };
  const source = opts.source ?? process;
  source.on('SIGINT', onSignal);
  source.on('SIGTERM', onSignal);

  return {
    received,
    stopWith: async (shutdown) => {
      await received;
      await shutdown();
    },
  };
}
