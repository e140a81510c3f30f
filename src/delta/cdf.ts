/**
 * Change data feed between two versions (PROTOCOL.md, "Change Data Files"; as delta-kernel-rs's
 * table_changes). Each row carries `_change_type` (insert, delete, update_preimage, update_postimage),
 * `_commit_version` and `_commit_timestamp`. Per commit:
 * - if it has `cdc` actions, those files are the changes (their `_change_type` column is stored);
 * - otherwise data-changing adds are inserts and removes are deletes; when a commit removes a file and
 *   re-adds it with a different deletion vector, the rows the new DV adds are deletes and the rows it
 *   no longer masks are inserts.
 */
import type { Add, Action, Metadata, Remove } from './actions.ts';
import { field, type StructField } from './schema.ts';
import { Snapshot, commitTimestamp, readCommit } from './snapshot.ts';
import { LogSegment, versionOf } from './log-segment.ts';
import { checkReadSupported } from './features.ts';
import { readDeletionVector } from './deletion-vector.ts';
import { readDataFile, readFileTable, readSchemaOf, type ReadSchema, type Row, type RowSelection } from './scan.ts';
import { formatTimestamp } from './values.ts';
import type { Storage } from '../storage/storage.ts';
import { invalidInput, notFound } from '../core/errors.ts';

export interface ChangeFeedOptions {
  startVersion: number;
  /** Inclusive; the latest version when omitted. */
  endVersion?: number;
  /** Logical table columns to return (the three change columns are always added). */
  columns?: string[];
}

export const CHANGE_TYPE = '_change_type';
export const COMMIT_VERSION = '_commit_version';
export const COMMIT_TIMESTAMP = '_commit_timestamp';

export async function* tableChanges(storage: Storage, options: ChangeFeedOptions): AsyncGenerator<Row> {
  const end = await Snapshot.open(storage, { version: options.endVersion });
  const { startVersion } = options;
  if (!Number.isInteger(startVersion) || startVersion < 0 || startVersion > end.version) {
    throw invalidInput(`change data feed start version ${startVersion} is outside 0..${end.version}`);
  }
  const start = startVersion === end.version ? end : await Snapshot.open(storage, { version: startVersion });
  if (!changeDataFeedEnabled(start.metadata)) throw cdfDisabled(storage.root, startVersion);
  const segment = await LogSegment.build(storage, end.version);
  const commits = segment.allCommits.filter((c) => versionOf(c) >= startVersion);
  if (commits.length === 0 || versionOf(commits[0]) !== startVersion) {
    throw notFound(`commit ${startVersion} of ${storage.root} no longer exists`, 'the log was cleaned up; pick a later start version');
  }
  const schema = readSchemaOf(end, options.columns);
  const cdcSchema: ReadSchema = { ...schema, fields: [...schema.fields, field(CHANGE_TYPE, 'string')] };
  for (const file of commits) {
    const version = versionOf(file);
    const actions = await readCommit(storage, file);
    checkCommitReadable(actions, version, storage.root);
    const extra = { [COMMIT_VERSION]: String(version), [COMMIT_TIMESTAMP]: formatTimestamp(BigInt(commitTimestamp(actions, file)) * 1000n) };
    const cdcFiles = actions.flatMap((a) => ('cdc' in a ? [a.cdc] : []));
    if (cdcFiles.length > 0) {
      for (const cdc of cdcFiles) {
        for (const row of readDataFile(cdc, cdcSchema, undefined, await readFileTable(storage, cdc))) yield { ...row, ...extra };
      }
      continue;
    }
    const adds = actions.flatMap((a) => ('add' in a && a.add.dataChange ? [a.add] : []));
    const removes = actions.flatMap((a) => ('remove' in a && a.remove.dataChange ? [a.remove] : []));
    const removedByPath = new Map(removes.map((r) => [r.path, r]));
    const addedPaths = new Set(adds.map((a) => a.path));
    for (const add of adds) {
      const removed = removedByPath.get(add.path);
      if (removed) {
        yield* dvChanges(storage, schema, add, removed, extra);
      } else {
        yield* changeRows(storage, schema, add, await deletedRows(storage, add), 'insert', extra);
      }
    }
    for (const remove of removes) {
      if (!addedPaths.has(remove.path)) yield* changeRows(storage, schema, remove, await deletedRows(storage, remove), 'delete', extra);
    }
  }
}

async function deletedRows(storage: Storage, action: Add | Remove): Promise<RowSelection | undefined> {
  return action.deletionVector ? { deleted: await readDeletionVector(storage, action.deletionVector) } : undefined;
}

async function* changeRows(
  storage: Storage,
  schema: ReadSchema,
  file: Add | Remove,
  selection: RowSelection | undefined,
  changeType: string,
  extra: Row,
): AsyncGenerator<Row> {
  const dataFile = { path: file.path, partitionValues: file.partitionValues ?? {} };
  for (const row of readDataFile(dataFile, schema, selection, await readFileTable(storage, dataFile))) {
    yield { ...row, [CHANGE_TYPE]: changeType, ...extra };
  }
}

/** A file re-added with a new DV: newly masked rows were deleted, unmasked rows were restored. */
async function* dvChanges(storage: Storage, schema: ReadSchema, add: Add, removed: Remove, extra: Row): AsyncGenerator<Row> {
  const before = removed.deletionVector ? await readDeletionVector(storage, removed.deletionVector) : new Float64Array(0);
  const after = add.deletionVector ? await readDeletionVector(storage, add.deletionVector) : new Float64Array(0);
  const newlyDeleted = sortedDifference(after, before);
  const restored = sortedDifference(before, after);
  if (newlyDeleted.length) yield* changeRows(storage, schema, add, { only: newlyDeleted }, 'delete', extra);
  if (restored.length) yield* changeRows(storage, schema, add, { only: restored }, 'insert', extra);
}

function sortedDifference(a: Float64Array, b: Float64Array): Float64Array {
  const out: number[] = [];
  let j = 0;
  for (const x of a) {
    while (j < b.length && b[j] < x) j++;
    if (j >= b.length || b[j] !== x) out.push(x);
  }
  return Float64Array.from(out);
}

/** Every protocol in the range must be readable, and CDF must stay enabled by every metadata change. */
function checkCommitReadable(actions: readonly Action[], version: number, root: string) {
  for (const a of actions) {
    if ('protocol' in a) checkReadSupported(a.protocol);
    if ('metaData' in a && !changeDataFeedEnabled(a.metaData)) {
      throw cdfDisabled(root, version);
    }
  }
}

const cdfDisabled = (root: string, version: number) =>
  invalidInput(
    `change data feed of ${root} is not enabled at version ${version}`,
    "set the table property delta.enableChangeDataFeed = 'true' before the changes you want to read",
  );

const changeDataFeedEnabled = (metadata: Metadata) => metadata.configuration?.['delta.enableChangeDataFeed'] === 'true';

/** The logical fields of a change feed row beyond the table's own columns. */
export const changeFeedFields: readonly StructField[] = [field(CHANGE_TYPE, 'string'), field(COMMIT_VERSION, 'long'), field(COMMIT_TIMESTAMP, 'timestamp')];
