import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { StoreLogger } from '../../src/store/index.js';

/** Temp directories for one test file; `cleanup` (call it in `after`) removes them all. */
export function tempDirs(prefix: string): { make: () => Promise<string>; cleanup: () => Promise<void> } {
  const made: string[] = [];
  return {
    make: async () => {
      const dir = await mkdtemp(join(tmpdir(), `sparkstate-${prefix}-`));
      made.push(dir);
      return dir;
    },
    cleanup: async () => {
      await Promise.all(made.map((dir) => rm(dir, { recursive: true, force: true })));
    },
  };
}

export interface LogLine {
  readonly level: number;
  readonly msg: string;
  readonly [key: string]: unknown;
}

/** A real pino logger (debug level) whose JSON lines are kept for assertions. */
export function captureLogger(): { logger: StoreLogger; lines: LogLine[]; warnings: () => LogLine[] } {
  const lines: LogLine[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) });
  return { logger, lines, warnings: () => lines.filter((l) => l.level === pino.levels.values['warn']) };
}
