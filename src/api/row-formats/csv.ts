/** CSV (RFC 4180): a header line, then one line per row; objects as JSON text, null as an empty cell. */
import { jsonValue, type RowFormat } from './row-format.ts';

export const csvCell = (v: unknown): string => {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'object' ? JSON.stringify(v) : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

export const csv: RowFormat<'csv'> = {
  name: 'csv',
  mediaTypes: ['text/csv'],
  contentType: 'text/csv; charset=utf-8',
  encoder: (columns) => ({
    begin: () => columns.map(csvCell).join(',') + '\n',
    row: (row) => columns.map((c) => csvCell(jsonValue(row[c]))).join(',') + '\n',
    end: () => '',
  }),
  failure: () => undefined,
};
