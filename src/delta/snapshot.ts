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
  /**
   * A derived cache of the log (log-index.ts) that opens the latest version without replaying it. Older
   * versions (time travel) are replayed from the log as usual.
   */
  index?: SnapshotIndex;
}

/** Something that can produce the latest snapshot of a table faster than log replay. */
export interface SnapshotIndex {
  snapshot(storage: Storage): Promise<Snapshot>;
}

export const fileKey = (add: { path: string; deletionVector?: Add['deletionVector'] }) =>
  add.deletionVector ? `${add.path}\u0000${deletionVectorId(add.deletionVector)}` : add.path;

/**
 * The table state that log replay accumulates, action by action: the Snapshot is built from one, and the
 * log index keeps one up to date across openings.
 */
export class ReplayState {
  protocol: Protocol | undefined;
  metadata: Metadata | undefined;
  /** Live adds by fileKey. */
  readonly files = new Map<string, Add>();
  readonly txns = new Map<string, number>();
  readonly domains = new Map<string, DomainMetadata>();

  apply(action: Action, fromCheckpoint: boolean): void {
    if ('add' in action) this.files.set(fileKey(action.add), action.add);
    // Checkpoint removes are tombstones for VACUUM; the checkpoint's adds are already reconciled.
    else if ('remove' in action) {
      if (!fromCheckpoint) this.files.delete(fileKey(action.remove));
    } else if ('protocol' in action) this.protocol = action.protocol;
    else if ('metaData' in action) this.metadata = action.metaData;
    else if ('txn' in action) this.txns.set(action.txn.appId, action.txn.version);
    else if ('domainMetadata' in action) {
      if (action.domainMetadata.removed) this.domains.delete(action.domainMetadata.domain);
      else this.domains.set(action.domainMetadata.domain, action.domainMetadata);
    }
  }
}

/** The result of replaying a log segment: the state and the commit time of its version. */
export interface Replayed {
  state: ReplayState;
  timestamp: number;
  /** The segment's commits with their actions, in order (the log index records their versions). */
  commits: { file: FileInfo; actions: Action[] }[];
}

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

  private constructor(segment: LogSegment, protocol: Protocol, metadata: Metadata, state: ReplayState, timestamp: number) {
    this.logSegment = segment;
    this.version = segment.version;
    this.protocol = protocol;
    this.metadata = metadata;
    this.schema = parseSchema(metadata.schemaString);
    this.partitionColumns = metadata.partitionColumns ?? [];
    this.tableProperties = metadata.configuration ?? {};
    this.timestamp = timestamp;
    this.liveFiles = state.files;
    this.txns = state.txns;
    this.domains = state.domains;
  }

  static async open(storage: Storage, options: SnapshotOptions = {}): Promise<Snapshot> {
    if (options.index && options.timestamp === undefined) {
      const latest = await options.index.snapshot(storage);
      if (options.version === undefined || options.version === latest.version) return latest;
    }
    const version = options.timestamp !== undefined ? await versionAtTimestamp(storage, options.timestamp) : options.version;
    const segment = await LogSegment.build(storage, version);
    const { state, timestamp } = await Snapshot.replay(storage, segment);
    return Snapshot.fromState(storage, segment, state, timestamp);
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

  /** Replays a segment: its checkpoint's actions, then each commit in order. */
  static async replay(storage: Storage, segment: LogSegment): Promise<Replayed> {
    const state = new ReplayState();
    if (segment.checkpoint) for (const a of await readCheckpointActions(storage, segment.checkpoint)) state.apply(a, true);
    const commits: Replayed['commits'] = [];
    for (const file of segment.commits) {
      const actions = await readCommit(storage, file);
      for (const a of actions) state.apply(a, false);
      commits.push({ file, actions });
    }
    const last = commits[commits.length - 1];
    const timestamp = last ? commitTimestamp(last.actions, last.file) : await checkpointVersionTimestamp(storage, segment);
    return { state, timestamp, commits };
  }

  /**
   * A snapshot of the segment's version from its replayed state (which it takes over). Checks that the
   * state has a protocol and metadata and that this reader supports the protocol.
   */
  static fromState(storage: Storage, segment: LogSegment, state: ReplayState, timestamp: number): Snapshot {
    const { protocol, metadata } = state;
    if (!protocol)
      throw corruptTable(
        `Delta log of ${storage.root} has no protocol action at version ${segment.version}`,
        'the table is damaged or was not written by a Delta writer',
      );
    if (!metadata)
      throw corruptTable(
        `Delta log of ${storage.root} has no metaData action at version ${segment.version}`,
        'the table is damaged or was not written by a Delta writer',
      );
    checkReadSupported(protocol);
    return new Snapshot(segment, protocol, metadata, state, timestamp);
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
  if (!bytes)
    throw corruptTable(
      `commit ${versionOf(file)} of ${storage.root} disappeared while reading`,
      'the log changed concurrently (VACUUM or log cleanup?); retry',
    );
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
