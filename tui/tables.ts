// Table names the TUI asks for by name. The gold names may still change on the server side; keep them here only.
export const TABLES = {
  pollResults: 'poll_results',
  votersPerCity: 'voters_per_city',
} as const;

/**
 * Column names of the gold tables' rows. A list means the first one present is used: the API contract says
 * `poll`, the server writes `poll_name`.
 */
export const GOLD_COLUMNS = {
  pollResults: { poll: ['poll_name', 'poll'], answer: ['answer'], votes: ['votes'] },
  votersPerCity: { city: ['city'], voters: ['voters'] },
} as const;

/** The value of the first of `columns` that the row has. */
export function pick(row: Record<string, unknown>, columns: readonly string[]): unknown {
  for (const column of columns) if (column in row) return row[column];
  return undefined;
}
