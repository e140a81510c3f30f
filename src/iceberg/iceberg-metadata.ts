/**
 * Iceberg metadata (format version 2) for the live files of a Delta snapshot, as Delta UniForm does:
 * the same Parquet files, described once more for Iceberg readers. Each call describes one Delta
 * version as a fresh Iceberg table with one snapshot (one manifest listing every live file), written
 * under `<table>/_iceberg/` (hidden, so VACUUM leaves it alone).
 *
 * Field ids are given in schema order, and the Parquet files carry none, so the metadata names a
 * default name mapping (`schema.name-mapping.default`): readers match columns by name.
 * Only tables Iceberg v2 can describe are described: no deletion vectors (Iceberg v2 has none), no
 * partition columns (Delta keeps their values out of the files) and no column mapping.
 */
import { randomUUID } from 'node:crypto';
import type { Storage } from '../storage/storage.ts';
import { isArray, isMap, isStruct, parseDecimal, protocolHasFeature, recordCount, type DataType, type Snapshot, type StructType } from '../delta/index.ts';
import { dataFilePath } from '../delta/table-path.ts';
import { avroFile, type AvroRecord } from './avro.ts';

export const ICEBERG_DIR = '_iceberg';

/** Why a table cannot be described for Iceberg, or undefined when it can. */
export function icebergObstacle(snapshot: Snapshot): string | undefined {
  // Deletion vectors enabled, not only present: an entry that comes and goes with them would confuse.
  if (protocolHasFeature(snapshot.protocol, 'deletionVectors'))
    return 'it uses deletion vectors (merge-on-read; --write-mode TABLE=copy-on-write registers it)';
  if (snapshot.partitionColumns.length) return 'it is partitioned';
  if ((snapshot.tableProperties['delta.columnMapping.mode'] ?? 'none') !== 'none') return 'it uses column mapping';
  return undefined;
}

type IcebergType = string | Record<string, unknown>;
interface NameMapping {
  'field-id': number;
  names: string[];
  fields?: NameMapping[];
}

/** The Iceberg schema of a Delta schema, ids in order from 1, with its name mapping. */
export function icebergSchema(schema: StructType): { schema: Record<string, unknown>; lastColumnId: number; mapping: NameMapping[] } {
  let next = 0;
  const convert = (type: DataType): { type: IcebergType; mapping?: NameMapping[] } => {
    if (isStruct(type)) {
      const fields = type.fields.map((f) => {
        const id = ++next;
        const inner = convert(f.type);
        return {
          field: { id, name: f.name, required: !f.nullable, type: inner.type },
          mapping: { 'field-id': id, names: [f.name], ...(inner.mapping ? { fields: inner.mapping } : {}) },
        };
      });
      return { type: { type: 'struct', fields: fields.map((f) => f.field) }, mapping: fields.map((f) => f.mapping) };
    }
    if (isArray(type)) {
      const id = ++next;
      const element = convert(type.elementType);
      return {
        type: { type: 'list', 'element-id': id, element: element.type, 'element-required': !type.containsNull },
        mapping: [{ 'field-id': id, names: ['element', 'item'], ...(element.mapping ? { fields: element.mapping } : {}) }],
      };
    }
    if (isMap(type)) {
      const keyId = ++next;
      const valueId = ++next;
      const key = convert(type.keyType);
      const value = convert(type.valueType);
      return {
        type: { type: 'map', 'key-id': keyId, key: key.type, 'value-id': valueId, value: value.type, 'value-required': !type.valueContainsNull },
        mapping: [
          { 'field-id': keyId, names: ['key'], ...(key.mapping ? { fields: key.mapping } : {}) },
          { 'field-id': valueId, names: ['value'], ...(value.mapping ? { fields: value.mapping } : {}) },
        ],
      };
    }
    const decimal = parseDecimal(type);
    if (decimal) return { type: `decimal(${decimal.precision}, ${decimal.scale})` };
    const primitive: Record<string, string> = {
      boolean: 'boolean',
      byte: 'int',
      short: 'int',
      integer: 'int',
      long: 'long',
      float: 'float',
      double: 'double',
      string: 'string',
      binary: 'binary',
      date: 'date',
      timestamp: 'timestamptz',
      timestamp_ntz: 'timestamp',
    };
    if (!primitive[type as string]) throw new Error(`no Iceberg type for Delta type ${JSON.stringify(type)}`);
    return { type: primitive[type as string]! };
  };
  const root = convert(schema) as { type: Record<string, unknown>; mapping: NameMapping[] };
  return { schema: { ...root.type, 'schema-id': 0 }, lastColumnId: next, mapping: root.mapping };
}

const MANIFEST_ENTRY: AvroRecord = {
  type: 'record',
  name: 'manifest_entry',
  fields: [
    { name: 'status', type: 'int', 'field-id': 0 },
    { name: 'snapshot_id', type: ['null', 'long'], 'field-id': 1 },
    { name: 'sequence_number', type: ['null', 'long'], 'field-id': 3 },
    { name: 'file_sequence_number', type: ['null', 'long'], 'field-id': 4 },
    {
      name: 'data_file',
      'field-id': 2,
      type: {
        type: 'record',
        name: 'r2',
        fields: [
          { name: 'content', type: 'int', 'field-id': 134 },
          { name: 'file_path', type: 'string', 'field-id': 100 },
          { name: 'file_format', type: 'string', 'field-id': 101 },
          { name: 'partition', type: { type: 'record', name: 'r102', fields: [] }, 'field-id': 102 },
          { name: 'record_count', type: 'long', 'field-id': 103 },
          { name: 'file_size_in_bytes', type: 'long', 'field-id': 104 },
        ],
      },
    },
  ],
};

const MANIFEST_FILE: AvroRecord = {
  type: 'record',
  name: 'manifest_file',
  fields: [
    { name: 'manifest_path', type: 'string', 'field-id': 500 },
    { name: 'manifest_length', type: 'long', 'field-id': 501 },
    { name: 'partition_spec_id', type: 'int', 'field-id': 502 },
    { name: 'content', type: 'int', 'field-id': 517 },
    { name: 'sequence_number', type: 'long', 'field-id': 515 },
    { name: 'min_sequence_number', type: 'long', 'field-id': 516 },
    { name: 'added_snapshot_id', type: 'long', 'field-id': 503 },
    { name: 'added_files_count', type: 'int', 'field-id': 504 },
    { name: 'existing_files_count', type: 'int', 'field-id': 505 },
    { name: 'deleted_files_count', type: 'int', 'field-id': 506 },
    { name: 'added_rows_count', type: 'long', 'field-id': 512 },
    { name: 'existing_rows_count', type: 'long', 'field-id': 513 },
    { name: 'deleted_rows_count', type: 'long', 'field-id': 514 },
  ],
};

/**
 * Writes the Iceberg metadata of this Delta snapshot under `<table>/_iceberg/` and returns the
 * metadata file's location (an absolute file:// URI; `root` is the table's absolute local path).
 */
export async function writeIcebergMetadata(storage: Storage, root: string, snapshot: Snapshot): Promise<string> {
  const obstacle = icebergObstacle(snapshot);
  if (obstacle) throw new Error(`cannot describe ${root} for Iceberg: ${obstacle}`);
  const base = `file://${root.replace(/\/+$/, '')}`;
  const { schema, lastColumnId, mapping } = icebergSchema(snapshot.schema);
  const snapshotId = snapshot.version + 1; // one Iceberg snapshot per Delta version, ids > 0
  const tag = `v${snapshot.version}-${randomUUID()}`;

  const files = snapshot.files();
  const rows = (f: (typeof files)[number]) => recordCount(f) ?? 0;
  const manifest = avroFile(
    MANIFEST_ENTRY,
    files.map((f) => ({
      status: 1, // ADDED
      snapshot_id: snapshotId,
      sequence_number: 1,
      file_sequence_number: 1,
      data_file: {
        content: 0,
        file_path: `${base}/${dataFilePath(f.path)}`,
        file_format: 'PARQUET',
        partition: {},
        record_count: rows(f),
        file_size_in_bytes: f.size,
      },
    })),
    { schema: JSON.stringify(schema), 'schema-id': '0', 'partition-spec': '[]', 'partition-spec-id': '0', 'format-version': '2', content: 'data' },
  );
  const manifestPath = `${ICEBERG_DIR}/${tag}-m0.avro`;
  await storage.write(manifestPath, manifest);
  const totalRows = files.reduce((n, f) => n + rows(f), 0);
  const manifestList = avroFile(
    MANIFEST_FILE,
    [
      {
        manifest_path: `${base}/${manifestPath}`,
        manifest_length: manifest.length,
        partition_spec_id: 0,
        content: 0,
        sequence_number: 1,
        min_sequence_number: 1,
        added_snapshot_id: snapshotId,
        added_files_count: files.length,
        existing_files_count: 0,
        deleted_files_count: 0,
        added_rows_count: totalRows,
        existing_rows_count: 0,
        deleted_rows_count: 0,
      },
    ],
    { 'snapshot-id': String(snapshotId), 'parent-snapshot-id': 'null', 'sequence-number': '1', 'format-version': '2' },
  );
  const listPath = `${ICEBERG_DIR}/snap-${tag}.avro`;
  await storage.write(listPath, manifestList);

  const metadata = {
    'format-version': 2,
    'table-uuid': snapshot.metadata.id,
    location: base,
    'last-sequence-number': 1,
    'last-updated-ms': snapshot.timestamp,
    'last-column-id': lastColumnId,
    'current-schema-id': 0,
    schemas: [schema],
    'default-spec-id': 0,
    'partition-specs': [{ 'spec-id': 0, fields: [] }],
    'last-partition-id': 999,
    'default-sort-order-id': 0,
    'sort-orders': [{ 'order-id': 0, fields: [] }],
    properties: { 'schema.name-mapping.default': JSON.stringify(mapping), 'lakehouse.delta.version': String(snapshot.version) },
    'current-snapshot-id': snapshotId,
    refs: { main: { 'snapshot-id': snapshotId, type: 'branch' } },
    snapshots: [
      {
        'sequence-number': 1,
        'snapshot-id': snapshotId,
        'timestamp-ms': snapshot.timestamp,
        summary: { operation: 'overwrite', 'total-records': String(totalRows), 'total-data-files': String(files.length) },
        'manifest-list': `${base}/${listPath}`,
        'schema-id': 0,
      },
    ],
    'snapshot-log': [{ 'timestamp-ms': snapshot.timestamp, 'snapshot-id': snapshotId }],
    'metadata-log': [],
  };
  const metadataPath = `${ICEBERG_DIR}/${tag}.metadata.json`;
  await storage.write(metadataPath, new TextEncoder().encode(JSON.stringify(metadata)));
  return `${base}/${metadataPath}`;
}
