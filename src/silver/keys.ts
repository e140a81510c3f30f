/**
 * How silver spells a key, the one place that does: the source identity (so many source databases can
 * feed one table) then the key columns' values. The key index of a silver table and the version index
 * of its history both look rows up by this text, from an event (keyString) or from a stored row
 * (imageKey), and both must spell a key alike.
 */
import type { ChangeEvent } from '../cdc/index.ts';
import type { Row } from './index-store.ts';

/** Table property naming the key columns (comma-separated), so the key index can be rebuilt. */
export const KEY_PROPERTY = 'lakehouse.primaryKey';

/**
 * Bumped when key strings change spelling: stores written with another format are rebuilt from their
 * Delta tables (see Silver.open). 2: numbers spelled as text.
 */
export const KEY_FORMAT = 2;

/** The key columns a table's properties record; none before its first keyed event. */
export function keyColumnsOf(properties: Readonly<Record<string, string>>): string[] {
  const text = properties[KEY_PROPERTY];
  return text ? text.split(',') : [];
}

/** The property recording `columns` as a table's key columns. */
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

export function keyString(ev: ChangeEvent, keyColumns: readonly string[]): string {
  return sourcePrefix(ev) + keyValuesJson(ev.key, keyColumns);
}

/** The key string of a stored row (its __source_* columns and key columns), as keyString gives for its event. */
export function imageKey(image: Row, keyColumns: readonly string[]): string {
  return spellPrefix(sourceOfImage(image)) + keyValuesJson(image, keyColumns);
}

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
