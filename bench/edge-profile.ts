/**
 * Summarises a V8 .cpuprofile (from `EDGE_CPU_PROF=<dir> npm run bench -- edge`, or node --cpu-prof):
 * self time by area (our src/ folders, MQTT.js, protobufjs, Node internals, GC, idle) and the top
 * functions by self and by total time.
 *
 *   node build/bench/edge-profile.js <file.cpuprofile> [topN] [skipMs]
 *
 * skipMs leaves out the samples of the profile's first milliseconds (a CLI's start-up: loading
 * modules, parsing its config), so that what remains is the steady state a benchmark measures.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function area(url: string, fn: string): string {
  if (fn === '(garbage collector)') return 'GC';
  if (fn === '(idle)') return 'idle';
  if (fn === '(program)') return '(program: native, not attributed)';
  const src = /\/build\/(src|bench)\/([^/]+)(?:\/([^/]+))?/.exec(url);
  if (src !== null) return src[1] === 'bench' ? 'bench driver' : `src/${src[2] ?? ''}${src[3] !== undefined && src[2] === 'sources' ? `/${src[3]}` : ''}`;
  const mod = /node_modules\/((?:@[^/]+\/)?[^/]+)(?:\/node_modules\/((?:@[^/]+\/)?[^/]+))?/.exec(url);
  if (mod !== null) return `npm ${mod[2] ?? mod[1] ?? ''}${mod[2] !== undefined ? ` (via ${mod[1] ?? ''})` : ''}`;
  if (url.startsWith('node:')) return 'node internals';
  return url === '' ? `native/builtin` : url;
}

function pct(n: number, total: number): string {
  return `${((100 * n) / total).toFixed(1)}%`.padStart(6);
}

export function summarize(file: string, top = 25, skipMs = 0): string {
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const n of p.nodes) {
    byId.set(n.id, n);
    for (const c of n.children ?? []) parent.set(c, n.id);
  }
  const self = new Map<number, number>();
  let at = 0;
  for (let i = 0; i < p.samples.length; i++) {
    const id = p.samples[i] ?? 0;
    const dt = p.timeDeltas[i] ?? 0;
    at += dt;
    if (at < skipMs * 1000) continue;
    self.set(id, (self.get(id) ?? 0) + dt);
  }
  const key = (n: ProfileNode): string => {
    const f = n.callFrame;
    const short = f.url.replace(/^.*\/(build|node_modules)\//, '$1/');
    return `${f.functionName === '' ? '(anonymous)' : f.functionName} ${short}:${f.lineNumber + 1}`;
  };
  const selfBy = new Map<string, number>();
  const totalBy = new Map<string, number>();
  const areas = new Map<string, number>();
  let total = 0;
  let busy = 0;
  for (const [id, t] of self) {
    const n = byId.get(id);
    if (n === undefined) continue;
    total += t;
    const a = area(n.callFrame.url, n.callFrame.functionName);
    if (a !== 'idle') busy += t;
    areas.set(a, (areas.get(a) ?? 0) + t);
    selfBy.set(key(n), (selfBy.get(key(n)) ?? 0) + t);
    // Total time: once per distinct function on the stack (recursion counted once).
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const c = byId.get(cur);
      if (c === undefined) break;
      const k = key(c);
      if (seen.has(k)) continue;
      seen.add(k);
      totalBy.set(k, (totalBy.get(k) ?? 0) + t);
    }
  }
  const lines: string[] = [`${file}: ${(total / 1000).toFixed(0)} ms sampled, ${(busy / 1000).toFixed(0)} ms busy (percentages of busy)`];
  lines.push('  self time by area:');
  for (const [a, t] of [...areas].filter(([a]) => a !== 'idle').sort((x, y) => y[1] - x[1])) lines.push(`    ${pct(t, busy)}  ${a}`);
  lines.push(`  top ${top} functions by self time:`);
  for (const [k, t] of [...selfBy].filter(([k]) => !k.startsWith('(idle)')).sort((x, y) => y[1] - x[1]).slice(0, top)) lines.push(`    ${pct(t, busy)}  ${k}`);
  lines.push(`  top ${top} functions by total time:`);
  const skip = /^\((root|program|idle|garbage collector)\)|^processTicksAndRejections|^runMicrotasks|^listOnTimeout|^processImmediate/;
  for (const [k, t] of [...totalBy].filter(([k]) => !skip.test(k)).sort((x, y) => y[1] - x[1]).slice(0, top)) lines.push(`    ${pct(t, busy)}  ${k}`);
  return lines.join('\n');
}

const [file, topArg, skipArg] = process.argv.slice(2);
if (file !== undefined && import.meta.url.endsWith(process.argv[1] ?? '\u0000')) {
  process.stdout.write(`${summarize(file, Number(topArg ?? 25), Number(skipArg ?? 0))}\n`);
}
