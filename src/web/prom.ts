/** Prometheus helpers shared by every part that registers metrics on an HTTP server's registry. */
import { Counter, type Registry } from 'prom-client';

/** Prometheus counters that mirror monotonic counters kept elsewhere, read on each scrape. */
export function mirrorCounters<K extends string>(
  registry: Registry,
  defs: readonly { readonly key: K; readonly name: string; readonly help: string }[],
  read: (key: K) => number,
): void {
  for (const c of defs) {
    new Counter({
      name: c.name,
      help: c.help,
      registers: [registry],
      // Counters cannot be set; reset + inc mirrors the source's own counter on each scrape.
      collect() {
        this.reset();
        this.inc(read(c.key));
      },
    });
  }
}
