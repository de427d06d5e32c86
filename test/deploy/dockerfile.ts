/**
 * A small Dockerfile reader for tests: instructions (continuation lines joined, comments dropped),
 * grouped by stage. Enough for the checks in docker.test.ts, not a full parser (no heredocs, no
 * parser directives other than comments).
 */

export interface Instruction {
  /** Upper-case keyword: FROM, RUN, COPY, … */
  readonly keyword: string;
  /** The rest of the instruction, continuation lines joined with a space. */
  readonly args: string;
  readonly line: number;
}

export interface Stage {
  /** The image of its FROM, e.g. node:20-bookworm-slim */
  readonly base: string;
  /** The `AS name`, if any. */
  readonly name: string | undefined;
  readonly instructions: readonly Instruction[];
}

export function parseDockerfile(text: string): Instruction[] {
  const out: Instruction[] = [];
  let pending = '';
  let start = 0;
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    // Docker drops comment lines, also between the lines of a continued instruction.
    if (line.startsWith('#') || (line === '' && pending === '')) return;
    if (pending === '') start = i + 1;
    const continued = line.endsWith('\\');
    pending += `${continued ? line.slice(0, -1).trim() : line} `;
    if (continued) return;
    const text = pending.trim();
    pending = '';
    const space = text.search(/\s/);
    out.push({
      keyword: (space < 0 ? text : text.slice(0, space)).toUpperCase(),
      args: space < 0 ? '' : text.slice(space + 1).trim(),
      line: start,
    });
  });
  return out;
}

export function stages(instructions: readonly Instruction[]): Stage[] {
  const out: { base: string; name: string | undefined; instructions: Instruction[] }[] = [];
  for (const ins of instructions) {
    if (ins.keyword === 'FROM') {
      const [base = '', as, name] = ins.args.split(/\s+/).filter((w) => !w.startsWith('--'));
      out.push({ base, name: as?.toUpperCase() === 'AS' ? name : undefined, instructions: [] });
    } else {
      out.at(-1)?.instructions.push(ins);
    }
  }
  return out;
}

/** Leading `--flag=value` options of an instruction, and what follows them. */
export function flags(args: string): { flags: Map<string, string>; rest: string } {
  const found = new Map<string, string>();
  let rest = args;
  for (let m = /^--([\w-]+)(?:=(\S*))?\s*/.exec(rest); m !== null; m = /^--([\w-]+)(?:=(\S*))?\s*/.exec(rest)) {
    found.set(m[1] ?? '', m[2] ?? '');
    rest = rest.slice(m[0].length);
  }
  return { flags: found, rest };
}

/** The JSON (exec) form of CMD, ENTRYPOINT, HEALTHCHECK CMD; undefined for the shell form. */
export function execForm(args: string): string[] | undefined {
  if (!args.startsWith('[')) return undefined;
  const parsed: unknown = JSON.parse(args);
  if (!Array.isArray(parsed)) return undefined;
  const items: readonly unknown[] = parsed;
  const words = items.filter((a): a is string => typeof a === 'string');
  return words.length === items.length ? words : undefined;
}
