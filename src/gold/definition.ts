import type { StructField } from '../delta/schema.ts';

/**
 * A gold aggregate, declared once (see definitions.ts). `select` is plain SQL over relations named after
 * tables: silver's serving views (live rows), other gold definitions, and `change_ledger` (see
 * change-ledger.ts). Its result columns are `columns`, one row per `key`.
 *
 * Maintenance recomputes only the result rows a batch can affect: each source says which result keys a
 * changed row of it can affect, as a SELECT over `changed` (one row per before and per after image of
 * the batch's changes to that source, with the source's columns) returning the key columns. That SELECT
 * runs after silver applied the batch and before this table refreshes, so it may read the new state of
 * silver and the previous state of this and earlier gold tables. Each affected key is recomputed with
 * `SELECT * FROM (select) WHERE key IS ?`, which SQLite pushes down into the GROUP BY / window
 * partitions, so the cost is the size of the affected groups, not of the tables.
 */
export interface GoldDefinition {
  name: string;
  description: string;
  columns: readonly StructField[];
  /** The result's primary key; also the unit of recomputation. */
  key: readonly string[];
  select: string;
  /** Source -> affected-keys SQL over `changed`; null means the changed rows' own key columns. */
  sources: Readonly<Record<string, string | null>>;
  /** Indexes the recomputation and the affected-keys SQL need: source -> column lists. */
  indexes?: Readonly<Record<string, readonly (readonly string[])[]>>;
  /** false: an intermediate step kept in SQLite only (queryable, not written to Delta). Default true. */
  publish?: boolean;
}
