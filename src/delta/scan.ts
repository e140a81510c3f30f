/**
 * Reading a snapshot's rows: every live file is read with its deletion vector applied, and each row is
 * decoded to the canonical encoding (values.ts) by the table's logical schema. Partition columns come
 * from add.partitionValues, columns the file lacks (added later) read as null, physical names and
 * field ids are mapped back to logical names.
 *
 * Ordering promise: files in snapshot order (or the order given), rows in file order.
 */
import type { Table } from 'apache-arrow';
import type { Add } from './actions.ts';
import type { StructField, StructType } from './schema.ts';
import type { Snapshot } from './snapshot.ts';
import { columnMappingMode, findArrowField, physicalName, type ColumnMappingMode } from './column-mapping.ts';
import { compileDecoder, parsePartitionValue, type Decoder, type Value } from './values.ts';
import { readDeletionVector } from './deletion-vector.ts';
import { tablePath } from './table-path.ts';
import { readParquet } from '../parquet/index.ts';
import type { Storage } from '../storage/storage.ts';
import { corruptTable, invalidInput } from '../core/errors.ts';

export { dataFilePath } from './table-path.ts';

export type Row = { [column: string]: Value };

export interface ScanOptions {
  /** Logical column names to return, in this order; all columns when omitted. */
  columns?: string[];
  /** Stop after this many rows. */
  limit?: number;
  /** The snapshot's live files in the order to read them (a table whose files record an order). */
  files?: readonly Add[];
}

/** What a file read needs from the table: its logical schema, partitioning and column mapping. */
export interface ReadSchema {
  /** Fields to return, in order. Fields named in `partitionColumns` come from partition values. */
  fields: StructField[];
  partitionColumns: readonly string[];
  mode: ColumnMappingMode;
}

/** A data file to read: an add (or cdc) action's path and partition values. */
export interface DataFile {
  path: string;
  partitionValues: Record<string, string | null>;
}

/** Rows to skip by position in the file (a deletion vector), or rows to keep only. */
export type RowSelection = { deleted: Float64Array } | { only: Float64Array };

export function readSchemaOf(snapshot: Snapshot, columns?: string[]): ReadSchema {
  return {
    fields: selectFields(snapshot.schema, columns),
    partitionColumns: snapshot.partitionColumns,
    mode: columnMappingMode(snapshot.metadata),
  };
}

function selectFields(schema: StructType, columns: string[] | undefined): StructField[] {
  if (!columns) return schema.fields;
  return columns.map((name) => {
    const f = schema.fields.find((x) => x.name === name);
    if (!f) throw invalidInput(`no column named ${name}`, `columns are: ${schema.fields.map((x) => x.name).join(', ')}`);
    return f;
  });
}

/** All live rows of a snapshot. */
export async function* scan(snapshot: Snapshot, storage: Storage, options: ScanOptions = {}): AsyncGenerator<Row> {
  const schema = readSchemaOf(snapshot, options.columns);
  let remaining = options.limit ?? Infinity;
  if (remaining <= 0) return;
  for (const add of options.files ?? snapshot.files()) {
    const selection = add.deletionVector ? { deleted: await readDeletionVector(storage, add.deletionVector) } : undefined;
    for (const row of readDataFile(add, schema, selection, await readFileTable(storage, add))) {
      yield row;
      if (--remaining <= 0) return;
    }
  }
}

/** One live file's arrow table (physical columns) and the row indexes its deletion vector removes. */
export interface ScanFile {
  add: Add;
  table: Table;
  deletedRows: Float64Array;
}

/** The lower level of `scan`: per file, the raw arrow table plus the deleted row positions to skip. */
export async function* scanFiles(snapshot: Snapshot, storage: Storage): AsyncGenerator<ScanFile> {
  for (const add of snapshot.files()) {
    const deletedRows = add.deletionVector ? await readDeletionVector(storage, add.deletionVector) : new Float64Array(0);
    yield { add, table: await readFileTable(storage, add), deletedRows };
  }
}

export async function readFileTable(storage: Storage, file: DataFile): Promise<Table> {
  const path = tablePath(storage, file.path);
  const bytes = await storage.read(path);
  if (!bytes)
    throw corruptTable(`data file ${storage.root}/${path} is missing`, 'the table references a file that was deleted (VACUUM with a short retention?)');
  try {
    return readParquet(bytes);
  } catch (err) {
    throw corruptTable(`cannot read data file ${storage.root}/${path}: ${(err as Error).message}`);
  }
}

/** Decodes a file's rows by the read schema, honouring a row selection. */
export function* readDataFile(file: DataFile, schema: ReadSchema, selection: RowSelection | undefined, table: Table): Generator<Row> {
  const partitionValues = new Map<string, Value>();
  for (const f of schema.fields) {
    if (schema.partitionColumns.includes(f.name)) {
      const key = physicalName(f, schema.mode);
      partitionValues.set(f.name, parsePartitionValue(file.partitionValues[key] ?? file.partitionValues[f.name], f.type, f.name));
    }
  }
  const marks = selection ? ('deleted' in selection ? selection.deleted : selection.only) : undefined;
  const keepMarked = selection !== undefined && 'only' in selection;
  let mark = 0; // next index into marks (sorted ascending)
  let rowIndex = 0;
  const arrowFields = table.schema.fields;
  for (const batch of table.batches) {
    const decoders: { name: string; decode: Decoder }[] = schema.fields.map((f) => {
      if (partitionValues.has(f.name)) {
        const value = partitionValues.get(f.name)!;
        return { name: f.name, decode: () => value };
      }
      const index = findArrowField(f, arrowFields, schema.mode);
      return { name: f.name, decode: index < 0 ? () => null : compileDecoder(f.type, batch.data.children[index], schema.mode, f.name) };
    });
    for (let i = 0; i < batch.numRows; i++, rowIndex++) {
      if (marks) {
        while (mark < marks.length && marks[mark] < rowIndex) mark++;
        const marked = mark < marks.length && marks[mark] === rowIndex;
        if (marked !== keepMarked) continue;
      }
      const row: Row = {};
      for (const d of decoders) row[d.name] = d.decode(i);
      yield row;
    }
  }
}
