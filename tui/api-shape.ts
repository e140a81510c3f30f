import type { Change, Health, HistoryEntry, RowsPage, TableDetail, TableSummary } from './api-types.ts';

// Checks at the HTTP boundary: an answer of the wrong shape (another server on the port, an older API) becomes
// a one-line error instead of a crash deep inside a component. Only the fields the TUI reads are checked.

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isNumberOrNull = (value: unknown) => value === null || typeof value === 'number';

export function isHealth(value: unknown): value is Health {
  if (!isObject(value) || !isObject(value.source) || !isObject(value.versions)) return false;
  return (
    typeof value.status === 'string' &&
    typeof value.source.kind === 'string' &&
    typeof value.uptimeSeconds === 'number' &&
    typeof value.eventsPerSecond === 'number' &&
    typeof value.lag === 'number' &&
    isNumberOrNull(value.lastCommitMs) &&
    typeof value.deadLetters === 'number' &&
    isNumberOrNull(value.versions.bronze) &&
    isObject(value.versions.silver) &&
    isObject(value.versions.gold)
  );
}

export function isTableList(value: unknown): value is { tables: TableSummary[] } {
  return (
    isObject(value) && Array.isArray(value.tables) && value.tables.every((t) => isObject(t) && typeof t.name === 'string' && typeof t.version === 'number')
  );
}

export function isTableDetail(value: unknown): value is TableDetail {
  return (
    isObject(value) &&
    typeof value.name === 'string' &&
    typeof value.version === 'number' &&
    isObject(value.schema) &&
    Array.isArray(value.schema.fields) &&
    Array.isArray(value.partitionColumns)
  );
}

export function isHistory(value: unknown): value is { history: HistoryEntry[] } {
  return isObject(value) && Array.isArray(value.history) && value.history.every((h) => isObject(h) && typeof h.version === 'number');
}

export function isRowsPage(value: unknown): value is RowsPage {
  return isObject(value) && Array.isArray(value.rows) && value.rows.every(isObject) && typeof value.version === 'number';
}

export function isChange(value: unknown): value is Change {
  return (
    isObject(value) &&
    typeof value.id === 'number' &&
    typeof value.table === 'string' &&
    typeof value.op === 'string' &&
    isObject(value.key) &&
    (value.before === null || isObject(value.before)) &&
    (value.after === null || isObject(value.after)) &&
    typeof value.ts === 'string'
  );
}
