/**
 * Alias assignment. Every metric of the node and of all its devices gets an alias that is
 * unique across the whole edge node; `Node Control/*` metrics and bdSeq are never aliased.
 */

export class AliasTable {
  private readonly byKey = new Map<string, number>();
  private next = 1;

  /** Alias for `name` in `scope` ('' = the node itself); stable for the life of the process. */
  aliasOf(scope: string, name: string): number {
    const key = `${scope}\u0000${name}`;
    let alias = this.byKey.get(key);
    if (alias === undefined) {
      // [tck-id-payloads-alias-uniqueness]
      alias = this.next++;
      this.byKey.set(key, alias);
    }
    return alias;
  }
}
