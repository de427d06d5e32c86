/** Small SQL text helpers: identifiers, the COPY text format, error classes. */

export function quoteIdent(id: string): string {
  return `"${id.replace(/"/g, '""')}"`;
}

/** One field of COPY's text format (null as \N; backslash, tab, newline, CR escaped). */
export function copyField(v: string | number | boolean | null): string {
  if (v === null) return '\\N';
  if (typeof v !== 'string') return String(v);
  return v.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'));
}

/**
 * Whether a failure is the data's (the same rows would fail again: isolate them) rather than the
 * connection's or the server's (retry later, nothing lost). SQLSTATE classes 22 (data exception),
 * 23 (integrity constraint, e.g. no partition for a time) and 54 (program limit exceeded).
 */
export function isDataError(e: unknown): boolean {
  if (typeof e !== 'object' || e === null || !('code' in e)) return false;
  const code = (e as { code: unknown }).code;
  return typeof code === 'string' && /^(22|23|54)[0-9A-Z]{3}$/.test(code);
}

/** unique_violation: the fast path's COPY met a row stored before (a replay). */
export function isUniqueViolation(e: unknown): boolean {
  return typeof e === 'object' && e !== null && 'code' in e && (e as { code: unknown }).code === '23505';
}

export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
