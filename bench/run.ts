/**
 * Benchmark entry: `node build/bench/run.js [name...]` runs the named benchmarks, or all of
 * them when none is named. Register new benchmarks in BENCHMARKS.
 */
import { runCodecBench } from './codec.js';
import { runEdgeBench } from './edge.js';
import { runEdgeCliBench } from './edge-cli.js';
import { runHistorianCliBench } from './historian-cli.js';
import { runHostBench } from './host.js';
import { runMirrorCliBench } from './mirror-cli.js';
import { runMirrorInprocBench } from './mirror-inproc.js';
import { runOpcuaBench } from './opcua.js';

const BENCHMARKS: Record<string, () => Promise<void>> = {
  codec: runCodecBench,
  edge: runEdgeBench,
  'edge-cli': runEdgeCliBench,
  historian: runHistorianCliBench,
  host: runHostBench,
  mirror: runMirrorCliBench,
  'mirror-inproc': runMirrorInprocBench,
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

/** Benchmark names; options (`--json <file>`) are left to the benchmarks, which read process.argv. */
function names(args: readonly string[]): string[] {
  return args.filter((a, i) => !a.startsWith('--') && args[i - 1] !== '--json');
}

await main(names(process.argv.slice(2)));
