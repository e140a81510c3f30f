/**
 * Rows without a schema (JsonConverter with schemas.enable=false): column types inferred from the JSON
 * values of each record, and widened across records by the consumer with widenColumns:
 *   integer -> long (canonical text), past int64 -> decimal(38,0) (up to 38 digits; more is an invalid
 *   value); a number written as a double (1.5, 7.0, -3.4E38: JsonConverter
 *   writes float and double values so) -> double; 'NaN', 'Infinity', '-Infinity' (how JsonConverter
 *   writes those doubles) -> double, kept as that text; boolean; string; object/array -> string (JSON);
 *   null -> string marked typeUnknown.
 * Widening: equal types stay; long + double -> double; a typeUnknown column takes the other type;
 * any other mix -> string.
 */
import type { DataType } from '../delta/schema.ts';
import type { ColumnSpec } from './connect-schema.ts';
import { writtenAsDouble } from './connect-json.ts';
import { isArrayForm, type UnavailableForms } from './unavailable-value.ts';
import { InvalidValue, fitsInt64, jsonText } from './values.ts';

/** Delta's widest decimal. */
const MAX_DECIMAL_DIGITS = 38;

const NON_FINITE_DOUBLES = new Set(['NaN', 'Infinity', '-Infinity']);

/**
 * Infers the columns of a parsed row and converts it in place; unavailable values (any form of the
 * placeholder) become null and are reported. `parsedAs` is the object parseJson gave for the row (the
 * row itself unless it was copied).
 */
export function inferRow(
  row: Record<string, unknown>,
  unavailableValue: UnavailableForms,
  unavailable: Set<string> | null,
  parsedAs: object = row,
): { columns: ColumnSpec[]; unavailable: Set<string> | null } {
  const columns: ColumnSpec[] = [];
  for (const name in row) {
    const v = row[name];
    if (v === null || v === undefined) {
      columns.push({ name, type: 'string', nullable: true, connectType: 'null', typeUnknown: true });
    } else if (typeof v === 'number') {
      const integral = Number.isInteger(v) && !writtenAsDouble(parsedAs, name);
      columns.push({ name, type: integral ? 'long' : 'double', nullable: true, connectType: 'number' });
      if (integral) row[name] = String(v);
    } else if (typeof v === 'bigint') {
      // An integer past 2^53 (see parseJson); past int64, a decimal as wide as Delta allows.
      const text = String(v);
      if (!fitsInt64(v) && text.replace('-', '').length > MAX_DECIMAL_DIGITS) {
        throw new InvalidValue(
          `integer ${text.slice(0, 45)}… (${text.replace('-', '').length} digits) in column '${name}' is wider than decimal(${MAX_DECIMAL_DIGITS},0)`,
        );
      }
      columns.push({ name, type: fitsInt64(v) ? 'long' : `decimal(${MAX_DECIMAL_DIGITS},0)`, nullable: true, connectType: 'number' });
      row[name] = text;
    } else if (typeof v === 'boolean') {
      columns.push({ name, type: 'boolean', nullable: true, connectType: 'boolean' });
    } else if (typeof v === 'string') {
      columns.push({ name, type: NON_FINITE_DOUBLES.has(v) ? 'double' : 'string', nullable: true, connectType: 'string' });
      if (v === unavailableValue.text || v === unavailableValue.base64) {
        row[name] = null;
        (unavailable ??= new Set()).add(name);
      }
    } else {
      columns.push({ name, type: 'string', nullable: true, connectType: Array.isArray(v) ? 'array' : 'object' });
      if (isArrayForm(v, unavailableValue.textArray) || isArrayForm(v, unavailableValue.byteArray)) {
        row[name] = null;
        (unavailable ??= new Set()).add(name);
      } else {
        row[name] = jsonText(v);
      }
    }
  }
  return { columns, unavailable };
}

/**
 * One array per distinct inferred column list, as a schema gives one per source schema: consumers
 * cache by identity (SchemaAdmission admits a list once), and a batch posted between threads carries
 * each list once instead of once per record. Past `max` lists the memory starts over.
 */
export class InferredColumnLists {
  private readonly lists = new Map<string, ColumnSpec[]>();

  constructor(private readonly max = 10_000) {}

  shared(columns: ColumnSpec[]): ColumnSpec[] {
    let signature = '';
    for (const c of columns)
      signature += `${c.name}\u0000${typeof c.type === 'string' ? c.type : JSON.stringify(c.type)}\u0000${c.connectType}\u0000${c.typeUnknown ? 1 : 0}\u0001`;
    const known = this.lists.get(signature);
    if (known) return known;
    if (this.lists.size >= this.max) this.lists.clear();
    this.lists.set(signature, columns);
    return columns;
  }
}

const numeric = new Set<DataType>(['byte', 'short', 'integer', 'long', 'float', 'double']);

export function widenType(a: DataType, b: DataType): DataType {
  if (a === b) return a;
  if (typeof a === 'string' && typeof b === 'string' && numeric.has(a) && numeric.has(b)) {
    if (a === 'double' || b === 'double' || a === 'float' || b === 'float') return 'double';
    return 'long';
  }
  return 'string';
}

/** Merges two column lists by name (first list's order, new columns appended), widening types. */
export function widenColumns(previous: readonly ColumnSpec[], next: readonly ColumnSpec[]): ColumnSpec[] {
  const merged = new Map<string, ColumnSpec>(previous.map((c) => [c.name, c]));
  for (const c of next) {
    const old = merged.get(c.name);
    if (!old || old.typeUnknown) merged.set(c.name, old ? { ...c, nullable: true } : c);
    else if (!c.typeUnknown && old.type !== c.type) {
      merged.set(c.name, { ...old, type: widenType(old.type, c.type), nullable: old.nullable || c.nullable });
    }
  }
  return [...merged.values()];
}
