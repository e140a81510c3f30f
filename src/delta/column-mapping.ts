/**
 * Column mapping (PROTOCOL.md, "Column Mapping"): with mode `name` or `id`, data files and
 * partitionValues use each field's physical name (`delta.columnMapping.physicalName`), and with `id`
 * the Parquet field id (`delta.columnMapping.id`) identifies the column. Logical names are only in the
 * schema. Mode `none` uses logical names everywhere.
 */
import type { Field } from 'apache-arrow';
import type { Metadata } from './actions.ts';
import type { StructField } from './schema.ts';
import { unsupportedFeature } from '../core/errors.ts';

export type ColumnMappingMode = 'none' | 'name' | 'id';

const PHYSICAL_NAME = 'delta.columnMapping.physicalName';
const FIELD_ID = 'delta.columnMapping.id';
/** How arrow (from parquet-wasm/arrow-rs) exposes a Parquet field id. */
const PARQUET_FIELD_ID = 'PARQUET:field_id';

export function columnMappingMode(metadata: Metadata): ColumnMappingMode {
  const mode = metadata.configuration?.['delta.columnMapping.mode'] ?? 'none';
  if (mode !== 'none' && mode !== 'name' && mode !== 'id') throw unsupportedFeature(`column mapping mode '${mode}'`, ['none', 'name', 'id']);
  return mode;
}

/** The name a field has in data files and partitionValues. */
export function physicalName(field: StructField, mode: ColumnMappingMode): string {
  if (mode === 'none') return field.name;
  const physical = field.metadata?.[PHYSICAL_NAME];
  return typeof physical === 'string' ? physical : field.name;
}

/**
 * Finds the arrow child that stores a Delta field: by Parquet field id in `id` mode (falling back to the
 * physical name for files written without ids), otherwise by physical name. -1 when the file lacks the
 * column (it was added after the file was written), which reads as null.
 */
export function findArrowField(field: StructField, children: readonly Field[], mode: ColumnMappingMode): number {
  if (mode === 'id') {
    const id = field.metadata?.[FIELD_ID];
    if (id !== undefined) {
      const wanted = String(id);
      const byId = children.findIndex((c) => c.metadata.get(PARQUET_FIELD_ID) === wanted);
      if (byId >= 0) return byId;
    }
  }
  const name = physicalName(field, mode);
  return children.findIndex((c) => c.name === name);
}
