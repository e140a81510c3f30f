/**
 * Table maintenance, as Spark's Delta does it:
 * - `optimize` bin-packs small files (and files with deletion vectors, whose deleted rows it drops) of
 *   each partition into files of about `targetFileSize`, committing with dataChange=false;
 * - `vacuum` deletes data and DV files no longer referenced by the table (nor by a tombstone still
 *   within the retention) and older than the retention, refusing retentions shorter than the table's
 *   `delta.deletedFileRetentionDuration` (default 7 days) unless told not to enforce it.
 * Expired commits and checkpoints are cleaned by the writer itself (log-cleanup.ts).
 */
import type { Add } from './actions.ts';
import { readLogState } from './log-state.ts';
import { dataFilePath, readDataFile, readFileTable, readSchemaOf } from './scan.ts';
import { readDeletionVector, relativeDeletionVectorPath } from './deletion-vector.ts';
import { parseInterval } from './interval.ts';
import { DEFAULT_DELETED_FILE_RETENTION } from './checkpoint-write.ts';
import type { DeltaTable } from './commit.ts';
import { invalidInput } from '../core/errors.ts';

export const DEFAULT_TARGET_FILE_SIZE = 128 * 1024 * 1024;
const HOUR_MS = 3_600_000;

export interface OptimizeOptions {
  /** Bytes a compacted file aims for; files at least this big (without DVs) are left alone. */
  targetFileSize?: number;
}

export interface OptimizeResult {
  version: number | undefined;
  filesRemoved: number;
  filesAdded: number;
}

export async function optimize(table: DeltaTable, options: OptimizeOptions = {}): Promise<OptimizeResult> {
  const target = options.targetFileSize ?? DEFAULT_TARGET_FILE_SIZE;
  const snapshot = await table.refresh();
  const byPartition = new Map<string, Add[]>();
  for (const add of snapshot.files()) {
    if (add.size >= target && !add.deletionVector) continue;
    const key = JSON.stringify(Object.entries(add.partitionValues).sort());
    const list = byPartition.get(key) ?? [];
    list.push(add);
    byPartition.set(key, list);
  }
  const bins: Add[][] = [];
  for (const files of byPartition.values()) {
    files.sort((a, b) => a.size - b.size);
    let bin: Add[] = [];
    let binSize = 0;
    for (const f of files) {
      if (bin.length && binSize + f.size > target) {
        bins.push(bin);
        bin = [];
        binSize = 0;
      }
      bin.push(f);
      binSize += f.size;
    }
    if (bin.length) bins.push(bin);
  }
  // A lone file is only worth rewriting to drop its deleted rows.
  const work = bins.filter((b) => b.length > 1 || b[0].deletionVector);
  if (work.length === 0) return { version: undefined, filesRemoved: 0, filesAdded: 0 };

  const tx = table.transaction({ operation: 'OPTIMIZE', operationParameters: { predicate: [], zOrderBy: [] } });
  const schema = readSchemaOf(snapshot);
  let filesAdded = 0;
  let filesRemoved = 0;
  for (const bin of work) {
    const rows = [];
    for (const add of bin) {
      const selection = add.deletionVector ? { deleted: await readDeletionVector(table.storage, add.deletionVector) } : undefined;
      for (const row of readDataFile(add, schema, selection, await readFileTable(table.storage, add))) rows.push(row);
      tx.remove(add, { dataChange: false });
      filesRemoved++;
    }
    filesAdded += (await tx.writeRows(rows, { dataChange: false })).length;
  }
  return { version: await tx.commit(), filesRemoved, filesAdded };
}

export interface VacuumOptions {
  /** Files younger than this are kept. Default: the table's delta.deletedFileRetentionDuration (7 days). */
  retentionHours?: number;
  /** List what would be deleted without deleting. */
  dryRun?: boolean;
  /** Refuse a retention below the table's (Spark's retentionDurationCheck). Default true. */
  enforceRetention?: boolean;
  /** How the caller turns enforceRetention off, for the refusal's hint (the CLI: its --force flag). */
  retentionOverride?: string;
  now?: number;
}

export interface VacuumResult {
  /** Paths relative to the table root, deleted (or to delete, on a dry run). */
  files: string[];
  dryRun: boolean;
}

export async function vacuum(table: DeltaTable, options: VacuumOptions = {}): Promise<VacuumResult> {
  const snapshot = await table.refresh();
  const configured = parseInterval(
    snapshot.tableProperties['delta.deletedFileRetentionDuration'] ?? DEFAULT_DELETED_FILE_RETENTION,
    'delta.deletedFileRetentionDuration',
  );
  const retention = options.retentionHours !== undefined ? options.retentionHours * HOUR_MS : configured;
  if (retention < 0) throw invalidInput(`vacuum retention must not be negative: ${options.retentionHours} hours`);
  if (retention < configured && options.enforceRetention !== false) {
    throw invalidInput(
      `vacuum retention of ${retention / HOUR_MS} hours is shorter than the table's ${configured / HOUR_MS} hours (delta.deletedFileRetentionDuration)`,
      `readers of older versions and running writers may still need those files; pass ${options.retentionOverride ?? 'enforceRetention: false'} only if none exist`,
    );
  }
  const now = options.now ?? Date.now();
  const keep = new Set<string>();
  const reference = (f: Pick<Add, 'path' | 'deletionVector'>) => {
    keep.add(dataFilePath(f.path));
    if (f.deletionVector?.storageType === 'u') keep.add(relativeDeletionVectorPath(f.deletionVector.pathOrInlineDv));
  };
  for (const add of snapshot.files()) reference(add);
  for (const remove of (await readLogState(table.storage, snapshot)).tombstones.values()) {
    if ((remove.deletionTimestamp ?? 0) > now - retention) reference(remove);
  }
  const files: string[] = [];
  for (const file of await table.storage.list('', { recursive: true })) {
    if (isHidden(file.path) || keep.has(file.path) || file.modified > now - retention) continue;
    files.push(file.path);
  }
  if (!options.dryRun) for (const path of files) await table.storage.delete(path);
  return { files, dryRun: options.dryRun ?? false };
}

/** Spark's rule: path segments starting with '_' or '.' are not data (except partition dirs like `_x=1`). */
const isHidden = (path: string) => path.split('/').some((segment) => /^[._]/.test(segment) && !segment.includes('='));
