import type { StructField } from '../delta/schema.ts';

/**
 * A gold aggregate, declared once. `select` runs over silver's serving views (one SQL view per silver
 * table, named after it, live rows only); its result columns are `columns`. `groupColumn` is a column
 * of both the source rows and the result: a silver change can only affect the result rows whose
 * groupColumn equals the changed row's before or after value, so only those are recomputed.
 */
export interface GoldDefinition {
  name: string;
  description: string;
  /** Silver tables the SELECT reads; a change to any of them triggers a refresh. */
  sources: readonly string[];
  groupColumn: string;
  /** The result's primary key (includes groupColumn). */
  key: readonly string[];
  columns: readonly StructField[];
  select: string;
}
