// Rewrites the "Enforced in" and "Proven by" cells (and the tag counts) of docs/conformance.md from
// the `[tck-id-<id>]` tags in src/ comments and test names, so line numbers cannot go stale.
// Usage: node build/test/conformance/refresh.js [root]   (root defaults to this checkout)
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const DOC = 'docs/conformance.md';
/** build/test/conformance/ → the checkout this file was compiled in. */
export const defaultRoot = fileURLToPath(new URL('../../../', import.meta.url));

const HEADER = '| Rule | Level | tck-ids | Enforced in | Proven by | Status |';
const COUNTS = /^tck-ids of these rules: \d+; tagged in src\/: \d+; in test\/: \d+\.$/;
const NAME_MAX = 70; // test names longer than this are cut and end in '…' to keep the table readable
const SRC_SHOWN = 3;
const TESTS_SHOWN = 2;

interface SourceFile { path: string; lines: string[] }
interface Place { path: string; line: number }
interface Proof { path: string; name: string }
interface Row { index: number; rule: string; ids: string[]; status: string }
export interface Refresh { text: string; problems: string[] }

/**
 * Files under root/dir ending in suffix, sorted: the lost generator used `grep -r`, whose order is the
 * file system's and differs between checkouts, which would make the doc test fail on another machine.
 */
function listFiles(root: string, dir: string, suffix: string): string[] {
  const entries = readdirSync(join(root, dir), { withFileTypes: true });
  return entries
    .map((e) => ({ rel: `${dir}/${e.name}`, isDir: e.isDirectory() }))
    .sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0))
    .flatMap((e) => (e.isDir ? listFiles(root, e.rel, suffix) : e.rel.endsWith(suffix) ? [e.rel] : []));
}

function load(root: string, dir: string, suffix: string): SourceFile[] {
  return listFiles(root, dir, suffix).map((path) => ({ path, lines: readFileSync(join(root, path), 'utf8').split('\n') }));
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A row's tags: its tck-ids; a rule with no tck-id is tagged with its own name (e.g. H-LOST-SERVER-STALE). */
function tagPattern(row: Row): RegExp {
  const tags = row.ids.length > 0 ? row.ids.map((id) => escapeRegExp(`[tck-id-${id}]`)) : [`(?<![\\w-])${escapeRegExp(row.rule)}(?![\\w-])`];
  return new RegExp(tags.join('|'));
}

function srcPlaces(files: SourceFile[], tag: RegExp): Place[] {
  return files.flatMap((f) => f.lines.flatMap((text, i) => (tag.test(text) ? [{ path: f.path, line: i + 1 }] : [])));
}

const LITERAL = /'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|`(?:[^`\\]|\\.)*`/g;

/**
 * The string that line i contributes to: long test names are written as `'a ' +` chains over several
 * lines, so the chain is followed up and down. Returns the raw name, or undefined outside any literal.
 */
function literalAt(lines: string[], i: number, tag: RegExp): string | undefined {
  const endsWithPlus = (k: number): boolean => (lines[k] ?? '').trimEnd().endsWith('+');
  let start = i;
  while (start > 0 && endsWithPlus(start - 1)) start -= 1;
  let end = i;
  while (end < lines.length - 1 && endsWithPlus(end)) end += 1;
  const parts: string[] = [];
  for (let k = start; k <= end; k += 1) parts.push(...chainPart(lines[k] ?? '', k === start, k === end, tag));
  return parts.map((p) => p.slice(1, -1).replace(/\\(.)/g, '$1')).join('') || undefined;
}

function chainPart(line: string, first: boolean, last: boolean, tag: RegExp): string[] {
  const found = line.match(LITERAL) ?? [];
  // a one-line name shares its line with other literals (test tables: name, input)
  if (first && last) return found.filter((l) => tag.test(l)).slice(0, 1);
  // a chain's first line may open with `test(`; its last may go on with `, async (t) => {`
  if (first) return found.slice(-1);
  return last ? found.slice(0, 1) : found;
}

function shortName(raw: string): string {
  const name = raw.replace(/\[tck-id-[^\]]*\]/g, '').replace(/\s+/g, ' ').trim();
  const chars = [...name];
  return chars.length > NAME_MAX ? `${chars.slice(0, NAME_MAX).join('')}…` : name;
}

/** Tests whose names carry a tag (tags in test comments prove nothing), one per test and file. */
function proofs(files: SourceFile[], tag: RegExp): Proof[] {
  const out: Proof[] = [];
  for (const f of files) {
    f.lines.forEach((text, i) => {
      const raw = tag.test(text) ? literalAt(f.lines, i, tag) : undefined;
      const proof = raw !== undefined && tag.test(raw) ? { path: f.path.slice('test/'.length), name: shortName(raw) } : undefined;
      if (proof && !out.some((p) => p.path === proof.path && p.name === proof.name)) out.push(proof);
    });
  }
  return out;
}

function enforcedCell(places: Place[]): string {
  if (places.length === 0) return '—';
  const shown = places.slice(0, SRC_SHOWN).map((p) => `\`${p.path}:${p.line}\``).join(', ');
  return places.length > SRC_SHOWN ? `${shown} (+${places.length - SRC_SHOWN})` : shown;
}

function provenCell(found: Proof[]): string {
  if (found.length === 0) return '—';
  const shown = found.slice(0, TESTS_SHOWN).map((p) => `\`${p.path}\`: ${p.name}`);
  if (found.length > TESTS_SHOWN) shown.push(`(+${found.length - TESTS_SHOWN} more)`);
  return shown.join('<br>');
}

/** Table rows under the matrix header; the cells before "Enforced in" hold no pipes. */
function parseRows(lines: string[]): Row[] {
  const rows: Row[] = [];
  let inTable = false;
  lines.forEach((line, index) => {
    if (line === HEADER) inTable = true;
    else if (!line.startsWith('|')) inTable = false;
    else if (inTable && !line.startsWith('|---')) {
      const cells = line.slice(2, -2).split(' | ');
      const ids = [...(cells[2] ?? '').matchAll(/`([^`]+)`/g)].map((m) => m[1] ?? '');
      rows.push({ index, rule: cells[0] ?? '', ids, status: cells[cells.length - 1] ?? '' });
    }
  });
  return rows;
}

/** The statuses are written by hand; a tag that disappeared must make someone look, not be papered over. */
function check(row: Row, places: Place[], found: Proof[]): string[] {
  const problems: string[] = [];
  if (row.status.startsWith('enforced') && places.length === 0) problems.push(`${row.rule}: status "${row.status}" but no tag in src/`);
  if (row.status.startsWith('enforced + tested') && found.length === 0) problems.push(`${row.rule}: status "${row.status}" but no test name carries its tags`);
  return problems;
}

export function refresh(root: string): Refresh {
  const lines = readFileSync(join(root, DOC), 'utf8').split('\n');
  const src = load(root, 'src', '.ts');
  const tests = load(root, 'test', '.test.ts');
  const problems: string[] = [];
  const allIds = new Set<string>();
  for (const row of parseRows(lines)) {
    const tag = tagPattern(row);
    const places = srcPlaces(src, tag);
    const found = proofs(tests, tag);
    problems.push(...check(row, places, found));
    row.ids.forEach((id) => allIds.add(id));
    const [rule, level, ids] = (lines[row.index] ?? '').slice(2, -2).split(' | ');
    lines[row.index] = `| ${[rule, level, ids, enforcedCell(places), provenCell(found), row.status].join(' | ')} |`;
  }
  const idTagged = (files: SourceFile[], test: (f: SourceFile[], tag: RegExp) => unknown[]) =>
    [...allIds].filter((id) => test(files, new RegExp(escapeRegExp(`[tck-id-${id}]`))).length > 0).length;
  const counts = `tck-ids of these rules: ${allIds.size}; tagged in src/: ${idTagged(src, srcPlaces)}; in test/: ${idTagged(tests, proofs)}.`;
  const at = lines.findIndex((l) => COUNTS.test(l));
  if (at < 0) problems.push('the counts line "tck-ids of these rules: …" is missing');
  else lines[at] = counts;
  return { text: lines.join('\n'), problems };
}

function main(): void {
  const root = process.argv[2] ?? defaultRoot;
  const { text, problems } = refresh(root);
  if (problems.length > 0) {
    process.stderr.write(`${DOC} NOT rewritten; fix the tags or the statuses by hand:\n${problems.map((p) => `  ${p}\n`).join('')}`);
    process.exitCode = 1;
    return;
  }
  writeFileSync(join(root, DOC), text);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();
