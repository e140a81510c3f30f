/**
 * Which columns to write without dictionary encoding. The Parquet writer dictionary-encodes every
 * column until the dictionary outgrows its page limit (1 MiB in arrow-rs), then falls back to plain
 * encoding: for a column of unique values (ids, event timestamps) the dictionary it builds first is
 * pure cost, and it is most of the encode time. So a sample of each large top-level column estimates
 * its distinct count, and columns whose dictionary could not fit the limit skip it from the start.
 */
import { DataType, type Table, type Vector } from 'apache-arrow';

const DICTIONARY_PAGE_LIMIT = 1024 * 1024;
const SAMPLE = 2048;

export function columnsWithoutDictionary(table: Table): string[] {
  if (table.numRows < 4 * SAMPLE) return [];
  const out: string[] = [];
  for (const field of table.schema.fields) {
    if (DataType.isStruct(field.type) || DataType.isList(field.type) || DataType.isMap(field.type) || DataType.isBool(field.type)) continue;
    const column = table.getChild(field.name);
    if (column && estimatedDictionaryBytes(column, table.numRows) > DICTIONARY_PAGE_LIMIT) out.push(field.name);
  }
  return out;
}

/**
 * Distinct values estimated from the repeats in a pseudo-random sample: with s draws from d equally
 * likely values, about s²/2d pairs repeat (the birthday bound), so d ≈ s²/2·pairs. Random positions,
 * not a fixed stride, so periodic data (ids modulo something) is not aliased. No repeat at all means
 * the values look unique: the estimate is then every row.
 */
function estimatedDictionaryBytes(column: Vector, rows: number): number {
  const seen = new Map<unknown, number>();
  let pairs = 0;
  let bytes = 0;
  let taken = 0;
  let state = 0x9e3779b9;
  for (let i = 0; i < SAMPLE; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    const value = column.get(state % rows);
    if (value === null || value === undefined) continue;
    const key = typeof value === 'object' ? String(value) : value;
    const count = seen.get(key) ?? 0;
    pairs += count;
    seen.set(key, count + 1);
    bytes += typeof key === 'string' ? key.length : 8;
    taken++;
  }
  if (taken === 0) return 0;
  const distinct = pairs === 0 ? rows : Math.min(rows, (taken * taken) / (2 * pairs));
  return distinct * (bytes / taken);
}
