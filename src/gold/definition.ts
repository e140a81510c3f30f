/**
 * A gold table as its user defines it: a name and one SELECT over silver tables (their live rows),
 * earlier gold tables and `"lh:change_ledger"` (change-ledger.ts). Everything else (result columns
 * and types, sources, key, indexes, how a batch refreshes it) is derived (derive.ts).
 */
export interface GoldDefinition {
  name: string;
  sql: string;
  /** The result columns identifying a row; default the GROUP BY columns (or a window's partition). */
  key?: readonly string[];
  description?: string;
  /** false: an intermediate step kept in SQLite only (queryable, not written to Delta). Default true. */
  publish?: boolean;
}
