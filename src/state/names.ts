/**
 * The private namespace of lakehouse.db. Every internal object is named `lh:<name>`: a colon can never
 * appear in a silver, history or gold table name (they are SQL identifiers of letters, digits and `_`),
 * so the views users and gold definitions query by table name can never meet an internal table.
 */
export const INTERNAL_PREFIX = 'lh:';

/** An SQL identifier, quoted. */
export const quote = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/** The quoted name of internal object `name`. */
export const internal = (name: string): string => quote(INTERNAL_PREFIX + name);

/** Whether an SQLite object name is internal (never shown to or reachable by a user's name). */
export const isInternal = (name: string): boolean => name.startsWith(INTERNAL_PREFIX);
