/** NDJSON: one JSON object per row and line; a failure adds an `{"error": ...}` line. */
import { jsonRow, type RowFormat } from './row-format.ts';

export const ndjson: RowFormat<'ndjson'> = {
  name: 'ndjson',
  mediaTypes: ['application/x-ndjson', 'application/ndjson'],
  contentType: 'application/x-ndjson',
  encoder: (columns) => ({
    begin: () => '',
    row: (row) => JSON.stringify(jsonRow(columns, row)) + '\n',
    end: () => '',
  }),
  failure: (error) => JSON.stringify({ error }) + '\n',
};
