/** What a row format is: how a result's rows become the text of a response body or of a command's output. */

export type Row = Record<string, unknown>;

export interface RowFormat<Name extends string = string> {
  /** Its `?format=` and `--format` value. */
  name: Name;
  /** The media type an Accept header names to choose it; the OpenAPI document lists answers under it. */
  mediaTypes: readonly string[];
  /** The content-type of a body in this format. */
  contentType: string;
  /** An encoder for one result with these columns. */
  encoder(columns: readonly string[]): RowEncoder;
  /**
   * What ends a body that fails after its start, so the client sees why; undefined when the format has
   * no place for it (the connection is cut instead).
   */
  failure(error: { code: string; message: string }): string | undefined;
}

/** Encodes one result in order: `begin`, `row` for each row, `end`. */
export interface RowEncoder {
  /** The text before the first row; `head` are members the JSON document starts with. */
  begin(head?: Row): string;
  row(row: Row): string;
  /** The text after the last row; `tail` are members the JSON document ends with. */
  end(tail?: Row): string;
}

/** A value as JSON gives it: int64 beyond 2^53 as a string, binary as lowercase hex. */
export function jsonValue(v: unknown): unknown {
  if (typeof v === 'bigint') return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : String(v);
  if (v instanceof Uint8Array) return Buffer.from(v).toString('hex');
  return v;
}

/** The row with only these columns, in their order, each value as JSON gives it. */
export function jsonRow(columns: readonly string[], row: Row): Row {
  const o: Row = {};
  for (const c of columns) o[c] = jsonValue(row[c]);
  return o;
}
