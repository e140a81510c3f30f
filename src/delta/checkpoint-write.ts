/**
 * Classic single-file checkpoints (PROTOCOL.md, "Checkpoints"): `NNN.checkpoint.parquet` holding the
 * table state at version NNN, one action per row, with the column layout Spark writes (add.stats as a
 * JSON string, partitionValues and configuration as map<string,string>), then `_last_checkpoint`.
 *
 * The state: protocol, metaData, every live add, every txn, live domain metadata, and the remove
 * tombstones younger than `delta.deletedFileRetentionDuration` (other engines' VACUUM reads them),
 * without their stats.
 */
import { field, struct, type StructType } from './schema.ts';
import type { Remove } from './actions.ts';
import { fileKey, type Snapshot } from './snapshot.ts';
import { readLogState, type CheckpointLogState } from './log-state.ts';
import { LOG_DIR } from './log-segment.ts';
import { rowsToArrow } from './arrow-schema.ts';
import { ENGINE_INFO } from './engine-info.ts';
import { parseInterval } from './interval.ts';
import { writeParquet } from '../parquet/index.ts';
import type { Storage } from '../storage/storage.ts';

export const DEFAULT_DELETED_FILE_RETENTION = '1 week';

const stringMap = { type: 'map', keyType: 'string', valueType: 'string', valueContainsNull: true } as const;
const stringArray = { type: 'array', elementType: 'string', containsNull: true } as const;
const deletionVector = struct([
  field('storageType', 'string'),
  field('pathOrInlineDv', 'string'),
  field('offset', 'integer'),
  field('sizeInBytes', 'integer'),
  field('cardinality', 'long'),
]);

/** The checkpoint schema, field for field as Spark's Delta writes it. */
export const CHECKPOINT_SCHEMA: StructType = struct([
  field('txn', struct([field('appId', 'string'), field('version', 'long'), field('lastUpdated', 'long')])),
  field(
    'add',
    struct([
      field('path', 'string'),
      field('partitionValues', stringMap),
      field('size', 'long'),
      field('modificationTime', 'long'),
      field('dataChange', 'boolean'),
      field('tags', stringMap),
      field('deletionVector', deletionVector),
      field('baseRowId', 'long'),
      field('defaultRowCommitVersion', 'long'),
      field('clusteringProvider', 'string'),
      field('stats', 'string'),
    ]),
  ),
  field(
    'remove',
    struct([
      field('path', 'string'),
      field('deletionTimestamp', 'long'),
      field('dataChange', 'boolean'),
      field('extendedFileMetadata', 'boolean'),
      field('partitionValues', stringMap),
      field('size', 'long'),
      field('tags', stringMap),
      field('deletionVector', deletionVector),
      field('baseRowId', 'long'),
      field('defaultRowCommitVersion', 'long'),
      field('stats', 'string'),
    ]),
  ),
  field(
    'metaData',
    struct([
      field('id', 'string'),
      field('name', 'string'),
      field('description', 'string'),
      field('format', struct([field('provider', 'string'), field('options', stringMap)])),
      field('schemaString', 'string'),
      field('partitionColumns', stringArray),
      field('configuration', stringMap),
      field('createdTime', 'long'),
    ]),
  ),
  field(
    'protocol',
    struct([
      field('minReaderVersion', 'integer'),
      field('minWriterVersion', 'integer'),
      field('readerFeatures', stringArray),
      field('writerFeatures', stringArray),
    ]),
  ),
  field('domainMetadata', struct([field('domain', 'string'), field('configuration', 'string'), field('removed', 'boolean')])),
]);

export interface CheckpointResult {
  version: number;
  path: string;
  actions: number;
  sizeInBytes: number;
  /** The log state the checkpoint holds, for the next checkpoint of this table (readLogState). */
  logState: CheckpointLogState;
}

/** Writes the checkpoint of the snapshot's version and points `_last_checkpoint` at it. */
export async function writeCheckpoint(storage: Storage, snapshot: Snapshot, now = Date.now(), previous?: CheckpointLogState): Promise<CheckpointResult> {
  const { txns, tombstones, domains } = await readLogState(storage, snapshot, previous);
  const retention = parseInterval(
    snapshot.tableProperties['delta.deletedFileRetentionDuration'] ?? DEFAULT_DELETED_FILE_RETENTION,
    'delta.deletedFileRetentionDuration',
  );
  const live = new Set(snapshot.files().map(fileKey));
  const rows: Record<string, unknown>[] = [{ protocol: snapshot.protocol }, { metaData: snapshot.metadata }];
  for (const txn of txns.values()) rows.push({ txn });
  for (const domainMetadata of domains.values()) rows.push({ domainMetadata });
  const adds = snapshot.files();
  for (const add of adds) rows.push({ add });
  const kept = new Map<string, Remove>();
  for (const [key, remove] of tombstones) {
    // A tombstone is kept for VACUUM, which needs its path and time, not its stats (most of its bytes).
    if (live.has(key) || (remove.deletionTimestamp ?? 0) <= now - retention) continue;
    const tombstone = { ...remove, dataChange: false, stats: null };
    kept.set(key, tombstone);
    rows.push({ remove: tombstone });
  }
  const bytes = writeParquet(rowsToArrow(CHECKPOINT_SCHEMA, rows), { compression: 'snappy', createdBy: ENGINE_INFO });
  const path = `${LOG_DIR}/${String(snapshot.version).padStart(20, '0')}.checkpoint.parquet`;
  await storage.write(path, bytes);
  const last = { version: snapshot.version, size: rows.length, sizeInBytes: bytes.length, numOfAddFiles: adds.length };
  await storage.write(`${LOG_DIR}/_last_checkpoint`, JSON.stringify(last));
  return {
    version: snapshot.version,
    path,
    actions: rows.length,
    sizeInBytes: bytes.length,
    logState: { version: snapshot.version, state: { txns, tombstones: kept, domains } },
  };
}
