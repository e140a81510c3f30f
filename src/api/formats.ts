/** Row encodings for the rows endpoints: JSON (default), NDJSON and CSV, by `?format=` or `Accept`. */
import type { Context } from 'hono';
import { invalidInput } from '../core/errors.ts';
import type { Row } from '../pipeline/lakehouse-view.ts';

export type RowFormat = 'json' | 'ndjson' | 'csv';

export function negotiateFormat(query: string | undefined, accept: string | undefined): RowFormat {
  if (query) {
    if (query === 'json' || query === 'ndjson' || query === 'csv') return query;
    throw invalidInput(`format must be json, ndjson or csv, got '${query}'`);
  }
  if (accept?.includes('application/x-ndjson') || accept?.includes('application/ndjson')) return 'ndjson';
  if (accept?.includes('text/csv')) return 'csv';
  return 'json';
}

export const csvCell = (v: unknown): string => {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'object' ? JSON.stringify(v) : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

export function toCsv(rows: readonly Row[], columns = rows[0] ? Object.keys(rows[0]) : []): string {
  const lines = [columns.map(csvCell).join(',')];
  for (const r of rows) lines.push(columns.map((c) => csvCell(r[c])).join(','));
  return lines.join('\n') + '\n';
}

export function encodeRows(c: Context, format: 'ndjson' | 'csv', rows: readonly Row[]) {
  if (format === 'csv') return c.body(toCsv(rows), 200, { 'content-type': 'text/csv; charset=utf-8' });
  return c.body(rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length ? '\n' : ''), 200, {
    'content-type': 'application/x-ndjson',
  });
}
