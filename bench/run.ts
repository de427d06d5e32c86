/**
 * Benchmark entry: `node build/bench/run.js [name...]` runs the named benchmarks, or all of
 * them when none is named. Register new benchmarks in BENCHMARKS.
 */
import { runCodecBench } from './codec.js';
import { runEdgeBench } from './edge.js';
import { runHostBench } from './host.js';
import { runOpcuaBench } from './opcua.js';

const BENCHMARKS: Record<string, () => Promise<void>> = {
  codec: runCodecBench,
  edge: runEdgeBench,
  host: runHostBench,
  opcua: runOpcuaBench,
};

async function main(names: string[]): Promise<void> {
  const selected = names.length > 0 ? names : Object.keys(BENCHMARKS);
  for (const name of selected) {
    const run = BENCHMARKS[name];
    if (run === undefined) {
      process.stderr.write(`unknown benchmark "${name}"; known: ${Object.keys(BENCHMARKS).join(', ')}\n`);
      process.exitCode = 2;
      return;
    }
    process.stdout.write(`\n== ${name} ==\n`);
    await run();
  }
}

await main(process.argv.slice(2));
