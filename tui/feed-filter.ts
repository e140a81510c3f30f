import type { Change } from './api-types.ts';
import { formatKey } from './format.ts';

export type FeedFilter = {
  /** Only changes to this table; null for all. */
  table: string | null;
  /** Only changes whose key, as shown ("id=42"), contains this text, ignoring case; "" for all. */
  search: string;
  /** While paused: only changes up to this id, so the view stands still as new ones arrive. */
  untilId: number | null;
};

export const NO_FILTER: FeedFilter = { table: null, search: '', untilId: null };

/** The changes to show, oldest first. Returns the input itself when nothing is filtered. */
export function filterChanges(changes: readonly Change[], filter: FeedFilter): readonly Change[] {
  const { table, untilId } = filter;
  const search = filter.search.toLowerCase();
  if (table === null && search === '' && untilId === null) return changes;
  return changes.filter(
    (change) =>
      (table === null || change.table === table) &&
      (untilId === null || change.id <= untilId) &&
      (search === '' || formatKey(change.key).toLowerCase().includes(search)),
  );
}

/** Sorted distinct table names of the changes. */
export function tablesIn(changes: readonly Change[]): string[] {
  const names = new Set<string>();
  for (const change of changes) names.add(change.table);
  return [...names].sort();
}

/** The table filter after pressing `t`: all → first table → … → last table → all. */
export function nextTableFilter(current: string | null, tables: readonly string[]): string | null {
  if (tables.length === 0) return null;
  if (current === null) return tables[0];
  const index = tables.indexOf(current);
  return index === -1 || index === tables.length - 1 ? null : tables[index + 1];
}

/** Changes after `id`; they sit at the end of the list, so this stops at the first older one. */
export function countAfter(changes: readonly Change[], id: number): number {
  let count = 0;
  for (let i = changes.length - 1; i >= 0 && changes[i].id > id; i--) count++;
  return count;
}
