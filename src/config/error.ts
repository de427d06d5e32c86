import { ErrorCodes, SparkplugError } from '../errors.js';

/** One validation problem; `path` is the key path inside the file (`devices[0].id`), '' for the whole file. */
export interface ConfigIssue {
  readonly path: string;
  readonly message: string;
}

/**
 * Every problem found in one configuration file, reported together so that a user fixes them in
 * one round. Messages name keys and describe values by kind, never by content, so a mistyped
 * password or key never reaches a log.
 */
export class ConfigError extends SparkplugError {
  readonly file: string;
  readonly issues: readonly ConfigIssue[];

  constructor(file: string, issues: readonly ConfigIssue[], options?: { cause?: unknown }) {
    super(ErrorCodes.CONFIG, formatIssues(file, issues), options);
    this.file = file;
    this.issues = issues;
  }
}

function formatIssues(file: string, issues: readonly ConfigIssue[]): string {
  const lines = issues.map((i) => (i.path === '' ? `${file}: ${i.message}` : `${file}: ${i.path}: ${i.message}`));
  if (lines.length === 1 && lines[0] !== undefined) return lines[0];
  return [`${file}: ${issues.length} configuration problems`, ...lines.map((l) => `  ${l}`)].join('\n');
}
