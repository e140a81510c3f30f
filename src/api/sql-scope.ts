/**
 * What SQL may read: the published tables and views only (`silver.NAME`, `gold.NAME`, their bare names
 * where unique, bronze and dead_letters), never SQLite's catalog, lakehouse's internal tables (`lh:`)
 * or pragma functions. bun:sqlite has no authorizer hook, so the rule is checked on the statement's
 * names, quoted names and strings (SQLite reads a string as a table name in FROM), as the guard lexed
 * them: a name that is one of those objects is refused, wherever it stands.
 */
import { invalidInput } from '../core/errors.ts';
import type { SqlToken } from './sql-guard.ts';

/** SQLite's catalog and the virtual tables that read the file's pages or statements. */
const SQLITE_INTERNALS = /^(sqlite_(master|schema|temp_master|temp_schema|sequence|stat\d|dbpage|stmt)|dbstat)$/i;
/** Table-valued pragma functions (pragma_database_list, pragma_table_info, ...). */
const PRAGMA_FUNCTION = /^pragma_\w+$/i;

const refused = (token: SqlToken, rule: string) =>
  invalidInput(
    `'${token.text}' at position ${token.at + 1} is not queryable: ${rule}`,
    'SQL reads the published tables: silver.NAME, gold.NAME (or NAME where unique), bronze, dead_letters (GET /api/tables lists them)',
  );

/**
 * Refuses a statement naming anything but published tables: `hidden` is every object of the serving
 * database that is not published (internal tables, indexes and views), lower-cased.
 */
export function checkScope(tokens: readonly SqlToken[], hidden: ReadonlySet<string>): void {
  for (const token of tokens) {
    const name = token.text.toLowerCase();
    if (SQLITE_INTERNALS.test(name)) throw refused(token, "SQLite's catalog and page readers are not published");
    if (PRAGMA_FUNCTION.test(name)) throw refused(token, 'pragma functions are not allowed');
    if ((token.kind !== 'string' && name.startsWith('lh:')) || hidden.has(name)) throw refused(token, "lakehouse's internal tables are not published");
  }
}
