/**
 * How a silver table's schema follows its sources:
 *   - a new source column becomes a new nullable silver column;
 *   - a value the existing column holds exactly (an int into a long) is stored as is;
 *   - a wider source type widens the column (int -> long, float -> double, more decimal precision,
 *     the changes Delta type widening allows); the silver table rewrites its rows under the new type
 *     (indexed-table.ts says why);
 *   - anything else is incompatible: the event is quarantined with the reason, never coerced.
 */
import { invalidInput } from '../core/errors.ts';
import { field, parseDecimal, type DataType, type StructField, type StructType } from '../delta/schema.ts';
import type { ColumnSpec } from '../cdc/index.ts';

/**
 * The silver fields an event's columns ask for. A column inferred without a schema from null alone
 * (typeUnknown) asks for nothing: its type is a placeholder, and a null reads the same from a column
 * that is absent or of any type, so it must not fix the column's type before a value does.
 */
export const silverFieldsFor = (columns: readonly ColumnSpec[]): StructField[] => columns.filter((c) => !c.typeUnknown).map((c) => field(c.name, c.type, true));

const integerRank: Record<string, number> = { byte: 1, short: 2, integer: 3, long: 4 };
/** Decimal digits an integer type needs, for integer -> decimal widening. */
const integerDigits: Record<string, number> = { byte: 3, short: 5, integer: 10, long: 20 };

const same = (a: DataType, b: DataType) => JSON.stringify(a) === JSON.stringify(b);
const decimalOf = (t: DataType) => parseDecimal(t) ?? (typeof t === 'string' && integerDigits[t] ? { precision: integerDigits[t]!, scale: 0 } : undefined);

/** True when every value of `incoming` fits `existing` without loss. */
export function canHold(existing: DataType, incoming: DataType): boolean {
  if (same(existing, incoming)) return true;
  if (typeof existing !== 'string' || typeof incoming !== 'string') return false;
  const e = integerRank[existing];
  const i = integerRank[incoming];
  if (e !== undefined && i !== undefined) return i <= e;
  if (existing === 'double' && (incoming === 'float' || incoming === 'integer' || incoming === 'short' || incoming === 'byte')) return true;
  const ed = parseDecimal(existing);
  const id = decimalOf(incoming);
  if (ed && id) return id.scale <= ed.scale && id.precision - id.scale <= ed.precision - ed.scale;
  return false;
}

/** The narrowest type that holds both, when Delta type widening allows changing `existing` to it. */
export function widenedType(existing: DataType, incoming: DataType): DataType | undefined {
  if (typeof existing !== 'string' || typeof incoming !== 'string') return undefined;
  const e = integerRank[existing];
  const i = integerRank[incoming];
  if (e !== undefined && i !== undefined) return i > e ? incoming : undefined;
  if (existing === 'float' && incoming === 'double') return 'double';
  if (e !== undefined && e <= 3 && incoming === 'double') return 'double';
  if (existing === 'date' && incoming === 'timestamp_ntz') return 'timestamp_ntz';
  const ed = decimalOf(existing);
  const id = decimalOf(incoming);
  if (ed && id && (parseDecimal(existing) || parseDecimal(incoming))) {
    const scale = Math.max(ed.scale, id.scale);
    const precision = Math.max(ed.precision - ed.scale, id.precision - id.scale) + scale;
    return precision <= 38 ? (`decimal(${precision},${scale})` as DataType) : undefined;
  }
  return undefined;
}

export interface MergedSchema {
  schema: StructType;
  /** True when a column's type was widened (the table must enable type widening). */
  widened: boolean;
}

/**
 * The schema after admitting `incoming` columns: the same object when nothing changes (callers compare
 * by identity), a new schema with appended or widened columns otherwise.
 */
export function mergeSchemas(current: StructType, incoming: readonly StructField[], table: string): MergedSchema {
  let fields: StructField[] | undefined;
  let widened = false;
  const index = new Map(current.fields.map((f, i) => [f.name, i]));
  // Delta column names are case-insensitive: a column that differs from another only by case is refused.
  const folded = new Map(current.fields.map((f) => [f.name.toLowerCase(), f.name]));
  for (const f of incoming) {
    const at = index.get(f.name);
    if (at === undefined) {
      const other = folded.get(f.name.toLowerCase());
      if (other !== undefined) {
        throw invalidInput(
          `column '${f.name}' of silver table ${table} differs only by case from column '${other}' (Delta column names are case-insensitive)`,
          'the event is quarantined; rename one of the columns at the source, or route the table elsewhere',
        );
      }
      folded.set(f.name.toLowerCase(), f.name);
      fields ??= [...current.fields];
      index.set(f.name, fields.length);
      fields.push(field(f.name, f.type, true, f.metadata));
      continue;
    }
    const existing = (fields ?? current.fields)[at]!;
    if (canHold(existing.type, f.type)) continue;
    const wider = widenedType(existing.type, f.type);
    if (!wider) {
      throw invalidInput(
        `incompatible schema change in silver table ${table}: column ${f.name} is ${JSON.stringify(existing.type)}, the event has ${JSON.stringify(f.type)}`,
        'the event is quarantined; rebuild the silver table (lakehouse rebuild) after migrating it if the change is intended',
      );
    }
    fields ??= [...current.fields];
    fields[at] = { ...existing, type: wider };
    widened = true;
  }
  return { schema: fields ? { type: 'struct', fields } : current, widened };
}

/**
 * A batch's schema as its events' columns are admitted, one event at a time. The decoder hands out one
 * columns array per source schema, and the schema only ever grows or widens: columns it admitted once
 * it still holds, so each array is merged once per batch.
 */
export class SchemaAdmission {
  /** True once a column's type was widened (the table is then rewritten under the new schema). */
  widened = false;
  private readonly admitted = new Set<readonly ColumnSpec[]>();

  constructor(
    public schema: StructType,
    private readonly table: string,
  ) {}

  /** Undefined when the columns fit the schema (grown or widened as needed), else why they cannot. */
  admit(columns: readonly ColumnSpec[]): string | undefined {
    if (this.admitted.has(columns)) return undefined;
    try {
      const merged = mergeSchemas(this.schema, silverFieldsFor(columns), this.table);
      this.schema = merged.schema;
      this.widened ||= merged.widened;
      this.admitted.add(columns);
      return undefined;
    } catch (err) {
      return (err as Error).message;
    }
  }
}
