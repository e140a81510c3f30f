/**
 * The Delta schema (PROTOCOL.md, "Schema Serialization Format"): a JSON struct type stored in
 * metaData.schemaString. Column metadata carries column mapping (`delta.columnMapping.physicalName`,
 * `delta.columnMapping.id`) and type widening history.
 */
import { corruptTable } from '../core/errors.ts';

export type PrimitiveTypeName =
  | 'string'
  | 'long'
  | 'integer'
  | 'short'
  | 'byte'
  | 'float'
  | 'double'
  | 'boolean'
  | 'binary'
  | 'date'
  | 'timestamp'
  | 'timestamp_ntz'
  | 'variant';

/** Decimals are spelled `decimal(p,s)` in JSON; we keep that string form. */
export type DataType = PrimitiveTypeName | `decimal(${number},${number})` | StructType | ArrayType | MapType;

export interface StructField {
  name: string;
  type: DataType;
  nullable: boolean;
  metadata: Record<string, unknown>;
}

export interface StructType {
  type: 'struct';
  fields: StructField[];
}

export interface ArrayType {
  type: 'array';
  elementType: DataType;
  containsNull: boolean;
}

export interface MapType {
  type: 'map';
  keyType: DataType;
  valueType: DataType;
  valueContainsNull: boolean;
}

export const isStruct = (t: DataType): t is StructType => typeof t === 'object' && t.type === 'struct';
export const isArray = (t: DataType): t is ArrayType => typeof t === 'object' && t.type === 'array';
export const isMap = (t: DataType): t is MapType => typeof t === 'object' && t.type === 'map';

export function parseDecimal(t: DataType): { precision: number; scale: number } | undefined {
  if (typeof t !== 'string') return undefined;
  const m = /^decimal\(\s*(\d+)\s*,\s*(\d+)\s*\)$/.exec(t);
  return m ? { precision: Number(m[1]), scale: Number(m[2]) } : undefined;
}

export function parseSchema(schemaString: string): StructType {
  let parsed: unknown;
  try {
    parsed = JSON.parse(schemaString);
  } catch {
    throw corruptTable('metaData.schemaString is not valid JSON');
  }
  if (!parsed || typeof parsed !== 'object' || (parsed as StructType).type !== 'struct') {
    throw corruptTable('metaData.schemaString is not a struct type');
  }
  return parsed as StructType;
}

export const field = (name: string, type: DataType, nullable = true, metadata: Record<string, unknown> = {}): StructField => ({
  name,
  type,
  nullable,
  metadata,
});

export const struct = (fields: StructField[]): StructType => ({ type: 'struct', fields });
