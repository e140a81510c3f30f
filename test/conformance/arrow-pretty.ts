/**
 * Renders a canonical value (src/delta/values.ts) the way arrow-rs pretty-prints a cell, to compare with
 * the kernel-rs expected tables (their cells are pretty-print strings, an empty cell being null).
 */
import { isArray, isMap, isStruct, parseDecimal, type DataType } from '../../src/delta/schema.ts';
import type { Value } from '../../src/delta/values.ts';

export function prettyCell(value: Value, type: DataType): string {
  if (value === null) return '';
  if (isStruct(type)) {
    const row = value as Record<string, Value>;
    return `{${type.fields.map((f) => `${f.name}: ${prettyCell(row[f.name], f.type)}`).join(', ')}}`;
  }
  if (isArray(type)) return `[${(value as Value[]).map((v) => prettyCell(v, type.elementType)).join(', ')}]`;
  if (isMap(type)) return `{${(value as [Value, Value][]).map(([k, v]) => `${prettyCell(k, type.keyType)}: ${prettyCell(v, type.valueType)}`).join(', ')}}`;
  if (parseDecimal(type)) return String(value);
  switch (type) {
    case 'float':
    case 'double':
      // arrow-rs prints whole floats with a trailing ".0".
      return typeof value === 'number' && Number.isInteger(value) ? `${value}.0` : String(value);
    case 'timestamp':
    case 'timestamp_ntz':
      return prettyTimestamp(value as string) + (type === 'timestamp' ? 'Z' : '');
    default:
      return String(value);
  }
}

/** chrono prints no fraction when it is zero, else 3, 6 or 9 digits. */
function prettyTimestamp(canonical: string): string {
  const [seconds, fraction] = canonical.split('.');
  if (!fraction || /^0+$/.test(fraction)) return seconds;
  return fraction.endsWith('000') ? `${seconds}.${fraction.slice(0, 3)}` : `${seconds}.${fraction}`;
}
