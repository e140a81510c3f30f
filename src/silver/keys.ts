/**
 * How silver spells a key, the one place that does: the source identity (so many source databases can
 * feed one table) then the key columns' values. The key index of a silver table and the version index
 * of its history both look rows up by this text, from an event (keyString) or from a stored row
 * (imageKey), and both must spell a key alike.
 */
import type { ChangeEvent } from '../cdc/index.ts';
import type { Row } from './index-store.ts';
import { silverPosition } from './metadata-columns.ts';

/** Table property naming the key columns (comma-separated), so the key index can be rebuilt. */
export const KEY_PROPERTY = 'lakehouse.primaryKey';

/**
 * Bumped when key strings change spelling: stores written with another format are rebuilt from their
 * Delta tables (see Silver.open). 2: numbers spelled as text.
 */
export const KEY_FORMAT = 2;

/**
 * Whether a table's rows are keyed by primary-key columns, or keyless: its source table has no primary
 * key, so each insert appends a row, identified by its content and the source position that wrote it.
 */
export type KeyMode = { mode: 'keyed'; columns: string[] } | { mode: 'keyless' };

/** The key mode a table's properties record (an empty key column list is keyless); none before its first row. */
export function keyModeOf(properties: Readonly<Record<string, string>>): KeyMode | undefined {
  const text = properties[KEY_PROPERTY];
  if (text === undefined) return undefined;
  return text === '' ? { mode: 'keyless' } : { mode: 'keyed', columns: text.split(',') };
}

/** The key columns a table's properties record; none before its first keyed event, none for a keyless table. */
export function keyColumnsOf(properties: Readonly<Record<string, string>>): string[] {
  const text = properties[KEY_PROPERTY];
  return text ? text.split(',') : [];
}

/** The property recording `columns` as a table's key columns (none: the table is keyless). */
export const keyColumnsProperty = (columns: readonly string[]) => ({ [KEY_PROPERTY]: columns.join(',') });

/** Keys are scoped by source identity so many source databases can feed one silver table. */
export function sourcePrefix(ev: { source: ChangeEvent['source'] }): string {
  const s = ev.source;
  let prefix = prefixes.get(s);
  if (prefix === undefined) prefixes.set(s, (prefix = spellPrefix(s)));
  return prefix;
}

/** The decoder shares one identity object among a source's events: each is spelled once. */
const prefixes = new WeakMap<ChangeEvent['source'], string>();

function spellPrefix(s: Partial<ChangeEvent['source']>): string {
  return JSON.stringify([s.connector ?? '', s.name ?? '', s.db ?? '', s.schema ?? '', s.table ?? '']).slice(0, -1) + ',';
}

/** An event's key; without key columns (a keyless table), that of the row it writes or deletes (appendedKey). */
export function keyString(ev: ChangeEvent, keyColumns: readonly string[]): string {
  if (keyColumns.length === 0) return sourcePrefix(ev) + rowContent(keylessRow(ev)) + ',' + JSON.stringify(silverPosition(ev.position)) + ']';
  return sourcePrefix(ev) + keyValuesJson(ev.key, keyColumns);
}

/** The key string of a stored row (its __source_* columns and key columns), as keyString gives for its event. */
export function imageKey(image: Row, keyColumns: readonly string[]): string {
  if (keyColumns.length === 0) return spellPrefix(sourceOfImage(image)) + rowContent(image) + ',' + JSON.stringify(image.__source_position ?? null) + ']';
  return spellPrefix(sourceOfImage(image)) + keyValuesJson(image, keyColumns);
}

/**
 * The start every key of a keyless table's rows with these values shares: a row of a keyless table
 * is keyed by its content (source columns, null ones left out so a column added later keeps the
 * spelling) and then the position that wrote it, so identical rows stay apart and a redelivered
 * record meets its own row. An update or delete finds the rows its before image names by this prefix.
 */
export function contentPrefix(ev: { source: ChangeEvent['source'] }, row: Row): string {
  return sourcePrefix(ev) + rowContent(row) + ',';
}

/**
 * The row a keyless table's event writes (its after image, unchanged TOASTed values taken from the
 * full before image) or, for a delete, the one it removes.
 */
export function keylessRow(ev: ChangeEvent): Row {
  if (ev.op === 'd' || !ev.after) return ev.before ?? {};
  if (ev.unavailable.size === 0 || !ev.before) return ev.after;
  const row = { ...ev.after };
  for (const c of ev.unavailable) row[c] = ev.before[c] ?? null;
  return row;
}

/** `[` then the row's non-null source columns as [name, value] pairs sorted by name (numbers as text), unclosed. */
function rowContent(row: Row): string {
  const pairs: [string, unknown][] = [];
  for (const name of Object.keys(row).sort()) {
    const v = row[name];
    if (v === null || v === undefined || isMetadataColumn(name)) continue;
    pairs.push([name, typeof v === 'number' ? String(v) : v]);
  }
  return '[' + JSON.stringify(pairs);
}

/** Silver's own columns start with `__`; a source column that does is stored as `___…` (cdc/source-names.ts). */
export const isMetadataColumn = (name: string) => name.startsWith('__') && name[2] !== '_';

/** The key columns of a stored row, named as the event's key names them (none without a row). */
export function keyOf(image: Row | null, ev: ChangeEvent): Row {
  return image ? Object.fromEntries(Object.keys(ev.key ?? {}).map((k) => [k, image[k]])) : {};
}

/**
 * Key values with numbers spelled as text, as the canonical encoding spells long and decimal: a key
 * column widened from int (a JSON number) to long (text) keeps every key's identity.
 */
function keyValuesJson(row: Row | null | undefined, columns: readonly string[]): string {
  const out: Row = {};
  for (const c of columns) {
    const v = row?.[c] ?? null;
    out[c] = typeof v === 'number' ? String(v) : v;
  }
  return JSON.stringify(out);
}

function sourceOfImage(image: Row): Partial<ChangeEvent['source']> {
  const text = (k: string) => (image[k] ?? undefined) as string | undefined;
  return {
    connector: text('__source_connector'),
    name: text('__source_name'),
    db: text('__source_db'),
    schema: text('__source_schema'),
    table: text('__source_table'),
  };
}
