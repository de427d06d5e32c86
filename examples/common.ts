/** Plumbing the examples share; not library API. */

/**
 * The broker URL and how long to run, from the command line (`[url] [seconds]`), else MQTT_URL /
 * DURATION_SEC, else mqtt://127.0.0.1:1883 for 30 seconds.
 */
export interface ExampleArgs {
  readonly url: string;
  readonly seconds: number;
}

export function exampleArgs(argv: readonly string[] = process.argv.slice(2), env: NodeJS.ProcessEnv = process.env): ExampleArgs {
  const url = argv[0] ?? env['MQTT_URL'] ?? 'mqtt://127.0.0.1:1883';
  const given = argv[1] ?? env['DURATION_SEC'] ?? '30';
  const seconds = Number(given);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new Error(`duration: expected a positive number of seconds, got "${given}"`);
  return { url, seconds };
}

/** Resolves after `seconds`, or at the first Ctrl-C / SIGTERM, so the example can stop cleanly. */
export function runFor(seconds: number): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve();
    };
    const timer = setTimeout(done, seconds * 1000);
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
}

/** A metric or property value as text: JSON, with 64-bit integers beyond 2^53 (bigint) as digits. */
export function valueText(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) ?? String(value);
}
