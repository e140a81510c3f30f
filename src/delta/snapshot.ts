/**
 * A Snapshot is one version of a table: its protocol, metadata and live file set, reconstructed by log
 * replay over a LogSegment (checkpoint actions first, then each later commit in order). Reading rows is
 * separate (scan.ts).
 *
 * Live files are keyed by (path, deletion vector id): re-adding a path with a new DV replaces the entry
 * that a remove with the old DV took out, and a remove only cancels the add carrying the same DV.
 */
import type { Add, CommitInfo, DomainMetadata, Metadata, Protocol } from './actions.ts';
import { parseActions, type Action } from './actions.ts';
import { parseSchema, type StructType } from './schema.ts';
import { LogSegment, LOG_DIR, versionOf } from './log-segment.ts';
import { readCheckpointActions } from './checkpoint-read.ts';
import { checkReadSupported } from './features.ts';
import { deletionVectorId } from './deletion-vector.ts';
import type { FileInfo, Storage } from '../storage/storage.ts';
import { corruptTable, notFound } from '../core/errors.ts';

export interface SnapshotOptions {
  /** Read this version instead of the latest. */
  version?: number;
  /** Read the latest version committed at or before this time (ms since epoch). */
  timestamp?: number;
}

export const fileKey = (add: { path: string; deletionVector?: Add['deletionVector'] }) =>
  add.deletionVector ? `${add.path}\u0000${deletionVectorId(add.deletionVector)}` : add.path;

export class Snapshot {
  readonly version: number;
  readonly protocol: Protocol;
  readonly metadata: Metadata;
  readonly schema: StructType;
  readonly partitionColumns: string[];
  /** Commit time of this version in ms (see commitTimestamp for the order of sources). */
  readonly timestamp: number;
  readonly tableProperties: Record<string, string>;
  readonly logSegment: LogSegment;
  private readonly liveFiles: Map<string, Add>;
  private readonly txns: Map<string, number>;
  private readonly domains: Map<string, DomainMetadata>;

  private constructor(init: {
    segment: LogSegment;
    protocol: Protocol;
    metadata: Metadata;
    timestamp: number;
    files: Map<string, Add>;
    txns: Map<string, number>;
    domains: Map<string, DomainMetadata>;
  }) {
    this.logSegment = init.segment;
    this.version = init.segment.version;
    this.protocol = init.protocol;
    this.metadata = init.metadata;
    this.schema = parseSchema(init.metadata.schemaString);
    this.partitionColumns = init.metadata.partitionColumns ?? [];
    this.tableProperties = init.metadata.configuration ?? {};
    this.timestamp = init.timestamp;
    this.liveFiles = init.files;
    this.txns = init.txns;
    this.domains = init.domains;
  }

  static async open(storage: Storage, options: SnapshotOptions = {}): Promise<Snapshot> {
    const version = options.timestamp !== undefined ? await versionAtTimestamp(storage, options.timestamp) : options.version;
    const segment = await LogSegment.build(storage, version);
    return Snapshot.replay(storage, segment);
  }

  /** The newest version in the log, without replaying it; undefined when the table does not exist. */
  static async latestVersion(storage: Storage): Promise<number | undefined> {
    try {
      return (await LogSegment.build(storage)).version;
    } catch (err) {
      if ((err as { code?: string }).code === 'not_found') return undefined;
      throw err;
    }
  }

  private static async replay(storage: Storage, segment: LogSegment): Promise<Snapshot> {
    let protocol: Protocol | undefined;
    let metadata: Metadata | undefined;
    const files = new Map<string, Add>();
    const txns = new Map<string, number>();
    const domains = new Map<string, DomainMetadata>();
    const apply = (action: Action, fromCheckpoint: boolean) => {
      if ('add' in action) files.set(fileKey(action.add), action.add);
      // Checkpoint removes are tombstones for VACUUM; the checkpoint's adds are already reconciled.
      else if ('remove' in action) { if (!fromCheckpoint) files.delete(fileKey(action.remove)); }
      else if ('protocol' in action) protocol = action.protocol;
      else if ('metaData' in action) metadata = action.metaData;
      else if ('txn' in action) txns.set(action.txn.appId, action.txn.version);
      else if ('domainMetadata' in action) {
        if (action.domainMetadata.removed) domains.delete(action.domainMetadata.domain);
        else domains.set(action.domainMetadata.domain, action.domainMetadata);
      }
    };
    if (segment.checkpoint) for (const a of await readCheckpointActions(storage, segment.checkpoint)) apply(a, true);
    let lastCommit: { actions: Action[]; file: FileInfo } | undefined;
    for (const file of segment.commits) {
      const actions = await readCommit(storage, file);
      for (const a of actions) apply(a, false);
      lastCommit = { actions, file };
    }
    if (!protocol) throw corruptTable(`Delta log of ${storage.root} has no protocol action at version ${segment.version}`, 'the table is damaged or was not written by a Delta writer');
    if (!metadata) throw corruptTable(`Delta log of ${storage.root} has no metaData action at version ${segment.version}`, 'the table is damaged or was not written by a Delta writer');
    checkReadSupported(protocol);
    const timestamp = lastCommit
      ? commitTimestamp(lastCommit.actions, lastCommit.file)
      : await checkpointVersionTimestamp(storage, segment);
    return new Snapshot({ segment, protocol, metadata, timestamp, files, txns, domains });
  }

  /** Live add actions after log replay. */
  files(): Add[] {
    return [...this.liveFiles.values()];
  }

  /** The latest `txn.version` recorded for an application id (idempotent writers' offsets). */
  txnVersion(appId: string): number | undefined {
    return this.txns.get(appId);
  }

  /** Every application id's latest txn version. */
  txnVersions(): ReadonlyMap<string, number> {
    return this.txns;
  }

  /** Live domain metadata by domain name. */
  domainMetadata(domain: string): DomainMetadata | undefined {
    return this.domains.get(domain);
  }
}

export async function readCommit(storage: Storage, file: FileInfo): Promise<Action[]> {
  const bytes = await storage.read(file.path);
  if (!bytes) throw corruptTable(`commit ${versionOf(file)} of ${storage.root} disappeared while reading`, 'the log changed concurrently (VACUUM or log cleanup?); retry');
  return parseActions(new TextDecoder().decode(bytes), `${storage.root}/${file.path}`);
}

/**
 * A commit's time: the in-commit timestamp when the table records one, else commitInfo.timestamp, else
 * the file's modification time. commitInfo is preferred over mtime because copied tables (fixtures,
 * backups) lose their mtimes while commitInfo travels with them.
 */
export function commitTimestamp(actions: readonly Action[], file: FileInfo): number {
  const info = actions.find((a): a is { commitInfo: CommitInfo } => 'commitInfo' in a)?.commitInfo;
  return info?.inCommitTimestamp ?? info?.timestamp ?? file.modified;
}

async function checkpointVersionTimestamp(storage: Storage, segment: LogSegment): Promise<number> {
  const commit = segment.allCommits.find((c) => versionOf(c) === segment.version);
  if (commit) return commitTimestamp(await readCommit(storage, commit), commit);
  return segment.checkpoint!.parts[0].modified;
}

/** The newest version whose commit time is at or before `timestamp` (binary search; commit times grow). */
async function versionAtTimestamp(storage: Storage, timestamp: number): Promise<number> {
  const commits = (await storage.list(LOG_DIR)).filter((f) => /^\d{20}\.json$/.test(f.path.slice(LOG_DIR.length + 1)));
  if (commits.length === 0) throw notFound(`no Delta table at ${storage.root}: ${LOG_DIR}/ has no commits`);
  const timeOf = async (i: number) => commitTimestamp(await readCommit(storage, commits[i]), commits[i]);
  if ((await timeOf(0)) > timestamp) {
    throw notFound(`${storage.root} has no version at or before ${new Date(timestamp).toISOString()}`, 'the earliest commit is newer; pick a later time');
  }
  let lo = 0;
  let hi = commits.length - 1;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if ((await timeOf(mid)) <= timestamp) lo = mid;
    else hi = mid - 1;
  }
  return versionOf(commits[lo]);
}
