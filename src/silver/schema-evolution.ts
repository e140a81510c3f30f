/**
 * How a silver table's schema follows its sources. A new source column becomes a new nullable silver
 * column. A value whose type the existing column can hold exactly (an int into a long) is stored as is.
 * Anything else is an incompatible change: the event is quarantined with the reason, never coerced.
 */
import { invalidInput } from '../core/errors.ts';
import { field, parseDecimal, type DataType, type StructField, type StructType } from '../delta/schema.ts';
import type { ColumnSpec } from '../cdc/index.ts';

export const silverFieldFor = (c: ColumnSpec): StructField => field(c.name, c.type, true);

const integerRank: Record<string, number> = { byte: 1, short: 2, integer: 3, long: 4 };

/** True when every value of `incoming` fits `existing` without loss. */
export function canHold(existing: DataType, incoming: DataType): boolean {
  if (JSON.stringify(existing) === JSON.stringify(incoming)) return true;
  if (typeof existing !== 'string' || typeof incoming !== 'string') return false;
  const e = integerRank[existing];
  const i = integerRank[incoming];
  if (e !== undefined && i !== undefined) return i <= e;
  if (existing === 'double' && (incoming === 'float' || incoming === 'integer' || incoming === 'short' || incoming === 'byte')) return true;
  const ed = parseDecimal(existing);
  const id = parseDecimal(incoming);
  if (ed && id) return id.scale <= ed.scale && id.precision - id.scale <= ed.precision - ed.scale;
  return false;
}

/**
 * The schema after admitting `incoming` columns: the same object when nothing changes (callers compare
 * by identity), a new schema with appended nullable columns otherwise.
 */
export function mergeSchemas(current: StructType, incoming: readonly StructField[], table: string): StructType {
  const byName = new Map(current.fields.map((f) => [f.name, f]));
  let added: StructField[] | undefined;
  for (const f of incoming) {
    const existing = byName.get(f.name);
    if (!existing) {
      (added ??= []).push(field(f.name, f.type, true, f.metadata));
      byName.set(f.name, f);
      continue;
    }
    if (!canHold(existing.type, f.type)) {
      throw invalidInput(
        `incompatible schema change in silver table ${table}: column ${f.name} is ${JSON.stringify(existing.type)}, the event has ${JSON.stringify(f.type)}`,
        'the event is quarantined; migrate the silver table (lakehouse rebuild) if the source change is intended',
      );
    }
  }
  return added ? { type: 'struct', fields: [...current.fields, ...added] } : current;
}
