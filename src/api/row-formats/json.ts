/** JSON: one document, `{...head, "rows": [...], ...tail}`, one row per line; a failure closes it with an `error` member. */
import { jsonRow, type Row, type RowFormat } from './row-format.ts';

const members = (values: Row | undefined) =>
  Object.entries(values ?? {})
    .map(([name, value]) => `${JSON.stringify(name)}:${JSON.stringify(value)}`)
    .join(',');

export const json: RowFormat<'json'> = {
  name: 'json',
  mediaTypes: ['application/json'],
  contentType: 'application/json',
  encoder(columns) {
    let rows = 0;
    return {
      begin: (head) => `{${members(head)}${head && Object.keys(head).length > 0 ? ',' : ''}"rows":[`,
      row: (row) => (rows++ === 0 ? '\n' : ',\n') + JSON.stringify(jsonRow(columns, row)),
      end: (tail) => `${rows > 0 ? '\n' : ''}]${tail && Object.keys(tail).length > 0 ? ',' : ''}${members(tail)}}\n`,
    };
  },
  failure: (error) => `],"error":${JSON.stringify(error)}}\n`,
};
