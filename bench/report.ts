/** Small helpers shared by the benchmarks: settings from the environment, medians, tables. */

/** A positive number from the environment, or `def`. */
export function envInt(name: string, def: number): number {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : def;
}

/** Median; NaN for no samples (printed as "–"). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length === 0 ? Number.NaN : s.length % 2 === 1 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

export function fmt(n: number): string {
  if (!Number.isFinite(n)) return '–';
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}k` : n.toFixed(1);
}

/** Prints rows as aligned columns: the first `leftCols` left-aligned, the rest right-aligned. */
export function printTable(rows: readonly string[][], leftCols = 2): void {
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length))) ?? [];
  for (const r of rows) {
    process.stdout.write(`${r.map((cell, c) => (c < leftCols ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0))).join('  ')}\n`);
  }
}

/**
 * One line per row of per-core rates (metrics per CPU second): median and best sample, each also
 * as ns per metric. The best too: on a shared machine other processes only ever make a sample slower.
 */
export function printRates(rows: readonly (readonly [string, readonly number[]])[]): void {
  for (const [label, xs] of rows) {
    const m = median(xs);
    const best = Math.max(...xs);
    process.stdout.write(`  ${label.padEnd(46)} median ${fmt(m).padStart(6)} (${(1e9 / m).toFixed(0)} ns/metric), best ${fmt(best).padStart(6)} (${(1e9 / best).toFixed(0)} ns) metrics/s per core\n`);
  }
}
