/**
 * Writing rows as Delta data files: rows are split by partition values, each group becomes one zstd
 * Parquet file named like Spark's (`part-00000-<uuid>-c000.zstd.parquet`) under Hive-style partition
 * directories, without the partition columns, and described by an `add` action with stats. Nothing is
 * committed here: the caller stages the returned adds in a transaction.
 */
import { randomUUID } from 'node:crypto';
import type { Add } from './actions.ts';
import type { DataType, StructType } from './schema.ts';
import { parseDecimal } from './schema.ts';
import { rowsToArrow } from './arrow-schema.ts';
import { physicalName, type ColumnMappingMode } from './column-mapping.ts';
import { computeStats, type StatsOptions } from './stats.ts';
import { formatDate, formatDecimal, formatTimestamp } from './values.ts';
import { toEpochDays, toEpochMicros, toUnscaledDecimal } from './input-values.ts';
import { writeParquet } from '../parquet/index.ts';
import type { Storage } from '../storage/storage.ts';
import { invalidInput, unsupportedFeature } from '../core/errors.ts';
import { stageClock } from '../core/stage-clock.ts';

export interface DataFileOptions {
  /** The table schema (logical names), partition columns included. */
  schema: StructType;
  partitionColumns: string[];
  columnMapping: ColumnMappingMode;
  stats: StatsOptions;
  dataChange: boolean;
  /** Rows per file at most; larger groups are split. Default 1,000,000. */
  maxRowsPerFile?: number;
  /** `add.tags` of every file written (metadata about the file that travels with its add). */
  tags?: Record<string, string>;
  createdBy: string;
}

/** Spark's directory name for a null partition value. */
export const NULL_PARTITION_DIR = '__HIVE_DEFAULT_PARTITION__';
const DEFAULT_MAX_ROWS_PER_FILE = 1_000_000;

export async function writeDataFiles(storage: Storage, rows: readonly Record<string, unknown>[], options: DataFileOptions): Promise<Add[]> {
  const { schema, partitionColumns, columnMapping } = options;
  const partitionFields = partitionColumns.map((name) => {
    const f = schema.fields.find((x) => x.name === name);
    if (!f) throw invalidInput(`partition column ${name} is not in the table schema`);
    return f;
  });
  const dataSchema: StructType = { type: 'struct', fields: schema.fields.filter((f) => !partitionColumns.includes(f.name)) };

  const groups = new Map<string, { values: (string | null)[]; rows: Record<string, unknown>[] }>();
  if (partitionFields.length === 0) {
    groups.set('', { values: [], rows: rows as Record<string, unknown>[] });
  } else {
    for (const row of rows) {
      const values = partitionFields.map((f) => partitionValueText(row[f.name], f.type, f.name, f.nullable));
      const key = JSON.stringify(values);
      let group = groups.get(key);
      if (!group) groups.set(key, (group = { values, rows: [] }));
      group.rows.push(row);
    }
  }

  // A table that names its stats columns says the others are useless for skipping: their Parquet
  // statistics would cost a comparison of every value (the whole raw text, for bronze) for nothing.
  const wanted = options.stats.statsColumns && new Set(options.stats.statsColumns);
  const withoutStatistics = wanted
    ? dataSchema.fields.filter((f) => typeof f.type === 'string' && !wanted.has(f.name)).map((f) => physicalName(f, columnMapping))
    : [];
  const maxRows = options.maxRowsPerFile ?? DEFAULT_MAX_ROWS_PER_FILE;
  const adds: Add[] = [];
  let fileIndex = 0;
  for (const { values, rows: groupRows } of groups.values()) {
    const dir = partitionFields
      .map((f, i) => `${escapePartitionName(physicalName(f, columnMapping))}=${values[i] === null ? NULL_PARTITION_DIR : escapePartitionName(values[i]!)}`)
      .join('/');
    const partitionValues = Object.fromEntries(partitionFields.map((f, i) => [physicalName(f, columnMapping), values[i]]));
    for (let start = 0; start < groupRows.length; start += maxRows) {
      const chunk = groupRows.length <= maxRows ? groupRows : groupRows.slice(start, start + maxRows);
      const table = stageClock.measure('arrow', () => rowsToArrow(dataSchema, chunk, { columnMapping }));
      const bytes = stageClock.measure('parquet', () => writeParquet(table, { compression: 'zstd', createdBy: options.createdBy, withoutStatistics }));
      const name = `part-${String(fileIndex++).padStart(5, '0')}-${randomUUID()}-c000.zstd.parquet`;
      const path = dir ? `${dir}/${name}` : name;
      await storage.write(path, bytes);
      adds.push({
        path: encodeAddPath(path),
        partitionValues,
        size: bytes.length,
        modificationTime: Date.now(),
        dataChange: options.dataChange,
        stats: stageClock.measure('stats', () => computeStats(dataSchema, table, options.stats)),
        ...(options.tags ? { tags: options.tags } : {}),
      });
    }
  }
  return adds;
}

/**
 * A partition value as `add.partitionValues` spells it (PROTOCOL.md, "Partition Value Serialization"):
 * numbers and booleans as text, dates 'YYYY-MM-DD', timestamps 'YYYY-MM-DD HH:MM:SS.ffffff' in UTC,
 * decimals at their scale. The empty string is null, as in Spark.
 */
export function partitionValueText(v: unknown, type: DataType, column: string, nullable = true): string | null {
  if (v === null || v === undefined || v === '') {
    if (!nullable) throw invalidInput(`partition column ${column} is NOT NULL but a row has null`);
    return null;
  }
  const bad = () =>
    invalidInput(`partition column ${column} (${typeof type === 'string' ? type : type.type}) cannot take the value ${JSON.stringify(String(v))}`);
  switch (type) {
    case 'string':
      if (typeof v === 'object') throw bad();
      return String(v);
    case 'byte':
    case 'short':
    case 'integer':
    case 'long': {
      const text = typeof v === 'bigint' || typeof v === 'number' ? String(v) : typeof v === 'string' ? v.trim() : '';
      if (!/^-?\d+$/.test(text)) throw bad();
      return BigInt(text).toString();
    }
    case 'float':
    case 'double': {
      const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : NaN;
      if (Number.isNaN(n) && v !== 'NaN') throw bad();
      return String(n);
    }
    case 'boolean':
      if (v === true || v === 'true') return 'true';
      if (v === false || v === 'false') return 'false';
      throw bad();
    case 'date': {
      const days = toEpochDays(v);
      if (days === undefined) throw bad();
      return formatDate(days);
    }
    case 'timestamp':
    case 'timestamp_ntz': {
      const micros = toEpochMicros(v);
      if (micros === undefined) throw bad();
      return formatTimestamp(BigInt(micros)).replace('T', ' ');
    }
  }
  const decimal = parseDecimal(type);
  if (decimal) {
    const unscaled = toUnscaledDecimal(v, decimal.scale);
    if (unscaled === undefined) throw bad();
    return formatDecimal(unscaled, decimal.scale);
  }
  throw unsupportedFeature(`partitioning by column ${column} of type ${JSON.stringify(type)}`, [
    'string',
    'numbers',
    'boolean',
    'date',
    'timestamp',
    'decimal',
  ]);
}

/** Characters Spark escapes (as %XX) in partition directory names. */
const ESCAPED = /[\u0000-\u001f"#%'*/:=?\\\u007f{[\]^]/g;
export const escapePartitionName = (text: string) => text.replace(ESCAPED, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0'));

/** add.path is a relative URI: each path segment percent-encoded, keeping '=' readable as Spark does. */
export const encodeAddPath = (path: string) =>
  path
    .split('/')
    .map((segment) => encodeURIComponent(segment).replace(/%3D/g, '='))
    .join('/');
