/**
 * The row formats, one file each, registered here: the API's rows and query answers (`?format=` or
 * Accept), the query engine's streamed results, the OpenAPI document, `lakehouse cat` and `lakehouse
 * query` all take their formats from this list. A new format is a file and a line below.
 */
import { invalidInput } from '../../core/errors.ts';
import { csv } from './csv.ts';
import { json } from './json.ts';
import { ndjson } from './ndjson.ts';
import type { Row, RowFormat } from './row-format.ts';

export type { Row, RowEncoder, RowFormat } from './row-format.ts';

/** The first is the default. */
export const ROW_FORMATS = [json, ndjson, csv] as const;
export type RowFormatName = (typeof ROW_FORMATS)[number]['name'];
export const ROW_FORMAT_NAMES: readonly RowFormatName[] = ROW_FORMATS.map((f) => f.name);

export function rowFormat(name: RowFormatName): RowFormat {
  return ROW_FORMATS.find((f) => f.name === name)!;
}

const isName = (name: string): name is RowFormatName => (ROW_FORMAT_NAMES as readonly string[]).includes(name);
const spelled = (names: readonly string[]) => `${names.slice(0, -1).join(', ')} or ${names.at(-1)}`;

/** The format a request asks for: `?format=`, else the first format whose media type Accept names, else the default. */
export function negotiateFormat(query: string | undefined, accept: string | undefined): RowFormatName {
  if (query !== undefined) {
    if (isName(query)) return query;
    throw invalidInput(`format must be ${spelled(ROW_FORMAT_NAMES)}, got '${query}'`);
  }
  const [fallback, ...others] = ROW_FORMATS;
  return others.find((f) => f.mediaTypes.some((m) => accept?.includes(m)))?.name ?? fallback.name;
}

/** A whole result at once: the rows, between the JSON members `head` and `tail`. */
export function encodeRows(format: RowFormat, columns: readonly string[], rows: Iterable<Row>, head?: Row, tail?: Row): string {
  const encoder = format.encoder(columns);
  let text = encoder.begin(head);
  for (const row of rows) text += encoder.row(row);
  return text + encoder.end(tail);
}
