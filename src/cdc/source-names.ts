/**
 * Silver's metadata columns (`__op`, `__source_*`, history's `__start_at`, the serving copy's `__key`)
 * all start with `__`. A source column may too: such a column is stored with one more `_` in front
 * (`__op` -> `___op`, `___x` -> `____x`). Names without the prefix are kept as they are, so the
 * spelling is one-to-one and no source column can meet a metadata column.
 */
import type { ColumnSpec } from './connect-schema.ts';
import type { Row } from './values.ts';

/** Whether a source column name needs escaping (it starts with `__`). */
export const isReservedColumnName = (name: string): boolean => name.charCodeAt(0) === 95 && name.charCodeAt(1) === 95;

/** The silver name of a source column. */
export const silverColumnName = (name: string): string => (isReservedColumnName(name) ? '_' + name : name);

const escapedColumns = new WeakMap<readonly ColumnSpec[], readonly ColumnSpec[]>();

/** The columns under their silver names (the same array when none needs escaping; cached per array). */
export function escapeColumns(columns: readonly ColumnSpec[]): readonly ColumnSpec[] {
  const known = escapedColumns.get(columns);
  if (known) return known;
  const escaped = columns.some((c) => isReservedColumnName(c.name))
    ? columns.map((c) => (isReservedColumnName(c.name) ? { ...c, name: silverColumnName(c.name) } : c))
    : columns;
  escapedColumns.set(columns, escaped);
  return escaped;
}

/** A row under silver names, in place order kept (a new object only when a name changes). */
export function escapeRow<T extends Row | null>(row: T): T {
  if (row === null) return row;
  let reserved = false;
  for (const name in row) {
    if (isReservedColumnName(name)) {
      reserved = true;
      break;
    }
  }
  if (!reserved) return row;
  const out: Row = {};
  for (const name in row) out[silverColumnName(name)] = row[name]!;
  return out as T;
}
