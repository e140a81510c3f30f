/**
 * The Delta log indexed in SQLite: a derived cache that opens the latest snapshot of a long-lived table
 * without replaying its checkpoint and commits.
 *
 * What it holds, per table (keyed by `storage.root`), in tables prefixed `delta_log_` so it can share a
 * database file with other state:
 * - `delta_log_tables`: the indexed version, a hash of that version's commit file, its commit time, and
 *   the protocol and metaData in force;
 * - `delta_log_versions`: every commit file seen (version, size, time), with commit time and operation
 *   for the commits that were replayed (NULL for commits only seen in a listing). The time is the
 *   file's mtime from a listing, or for commits found by probing, the commit time they record;
 * - `delta_log_checkpoints`: checkpoints seen in listings, with their part files;
 * - `delta_log_files`: the live add actions at the indexed version (the reconciled set, stats and
 *   deletion vectors included), clustered by table and replay order (`seq`) so that loading a table's
 *   files is one sequential range read;
 * - `delta_log_txns` and `delta_log_domains`: the latest txn version per appId, live domain metadata.
 *
 * Invariants:
 * - The index is derived data: deleting the file, or any table's rows, loses nothing; the next open
 *   rebuilds it from the log. Every write is one SQLite transaction, so it is never half-updated.
 * - The state rows always describe exactly the indexed version.
 * - Trust is re-established on every open, cheaply: the commit file of the indexed version must still
 *   hold the same bytes (same hash). A table that was deleted and recreated, whose log was rewritten,
 *   or that is now behind the index, fails that check and is rebuilt from a listing. A version that
 *   exists only as a checkpoint (its commit was cleaned up) cannot be checked, so it is rebuilt too.
 * - A log ahead of the index is caught up: the commits after the indexed version are found by reading
 *   V+1, V+2, ... (no listing), replayed onto the indexed state, and the result is persisted. The log
 *   is listed instead when many commits are new, when the indexed checkpoint is old (so the segment's
 *   tail of commits stays short), or when a commit records no time; if some new commits were cleaned
 *   up already, the index is rebuilt from the listing's checkpoint.
 * - An up-to-date open costs two small reads (commit V and the missing V+1) and one range read per
 *   SQLite table.
 */
import { Database } from 'bun:sqlite';
import type { Action, Add, Metadata, Protocol } from './actions.ts';
import { parseActions } from './actions.ts';
import { LogSegment, commitPath, versionOf, type CheckpointFiles } from './log-segment.ts';
import { ReplayState, Snapshot, commitTimestamp, fileKey, type SnapshotIndex } from './snapshot.ts';
import type { FileInfo, Storage } from '../storage/storage.ts';
import { corruptTable } from '../core/errors.ts';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS delta_log_tables (
  table_key TEXT PRIMARY KEY,
  version INTEGER NOT NULL,
  commit_hash TEXT,
  timestamp INTEGER NOT NULL,
  protocol TEXT NOT NULL,
  metadata TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS delta_log_versions (
  table_key TEXT NOT NULL,
  version INTEGER NOT NULL,
  size INTEGER NOT NULL,
  modified REAL NOT NULL,
  timestamp INTEGER,
  operation TEXT,
  PRIMARY KEY (table_key, version)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS delta_log_checkpoints (
  table_key TEXT NOT NULL,
  version INTEGER NOT NULL,
  kind TEXT NOT NULL,
  parts TEXT NOT NULL,
  PRIMARY KEY (table_key, version)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS delta_log_files (
  table_key TEXT NOT NULL,
  seq INTEGER NOT NULL,
  file_key TEXT NOT NULL,
  size INTEGER NOT NULL,
  num_records INTEGER,
  deleted_records INTEGER NOT NULL,
  add_action TEXT NOT NULL,
  PRIMARY KEY (table_key, seq)
) WITHOUT ROWID;
CREATE UNIQUE INDEX IF NOT EXISTS delta_log_files_by_key ON delta_log_files (table_key, file_key);
CREATE TABLE IF NOT EXISTS delta_log_txns (
  table_key TEXT NOT NULL,
  app_id TEXT NOT NULL,
  version INTEGER NOT NULL,
  PRIMARY KEY (table_key, app_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS delta_log_domains (
  table_key TEXT NOT NULL,
  domain TEXT NOT NULL,
  configuration TEXT NOT NULL,
  PRIMARY KEY (table_key, domain)
) WITHOUT ROWID;
`;

const STATE_TABLES = ['delta_log_tables', 'delta_log_versions', 'delta_log_checkpoints', 'delta_log_files', 'delta_log_txns', 'delta_log_domains'];

interface TableRow {
  version: number;
  commit_hash: string | null;
  timestamp: number;
  protocol: string;
  metadata: string;
}

/** What the index says about a table, without opening a snapshot. */
export interface IndexedTable {
  version: number;
  timestamp: number;
  files: number;
  sizeInBytes: number;
  /** Live rows: numRecords minus deletion-vector cardinalities (files without stats count 0). */
  records: number;
}

const hashOf = (bytes: Uint8Array) => Bun.hash(bytes).toString(16);

/** Beyond this many new commits a listing (which may find a newer checkpoint) beats reading them all. */
const MAX_PROBED_COMMITS = 100;
/** An indexed checkpoint this many versions old is refreshed by a listing, bounding the segment's tail. */
const CHECKPOINT_REFRESH = 200;

/** A commit after the indexed version: its file, actions and bytes (whose hash the index keeps). */
interface NewCommit {
  file: FileInfo;
  actions: Action[];
  bytes: Uint8Array;
}

/** The commit time the commit itself records (in-commit timestamp, else commitInfo.timestamp). */
function commitTime(actions: readonly Action[]): number | undefined {
  for (const a of actions) if ('commitInfo' in a) return a.commitInfo.inCommitTimestamp ?? a.commitInfo.timestamp;
  return undefined;
}

export class LogIndex implements SnapshotIndex {
  private constructor(
    private readonly db: Database,
    private readonly ownsDb: boolean,
  ) {
    db.run(SCHEMA);
  }

  /** Opens (creating) an index in its own SQLite file. */
  static open(path: string): LogIndex {
    const db = new Database(path, { create: true });
    // Wait for a busy writer (a running pipeline) before anything else, even the journal mode pragma.
    db.run('PRAGMA busy_timeout = 5000');
    db.run('PRAGMA journal_mode = WAL');
    return new LogIndex(db, true);
  }

  /** An index inside a database the caller owns (and closes), such as the pipeline's lakehouse.db. */
  static in(db: Database): LogIndex {
    return new LogIndex(db, false);
  }

  close(): void {
    if (this.ownsDb) this.db.close();
  }

  /** The latest snapshot of the table at `storage`, from the index, caught up or rebuilt as needed. */
  async snapshot(storage: Storage): Promise<Snapshot> {
    const row = this.db
      .query('SELECT version, commit_hash, timestamp, protocol, metadata FROM delta_log_tables WHERE table_key = ?')
      .get(storage.root) as TableRow | null;
    if (!row?.commit_hash) return this.rebuild(storage);
    const indexedCommit = await storage.read(commitPath(row.version));
    if (!indexedCommit || hashOf(indexedCommit) !== row.commit_hash) return this.rebuild(storage);
    const probed = await this.probe(storage, row);
    if (!probed) return this.catchUpFromListing(storage, row);
    return probed.length ? this.catchUp(storage, row, probed) : this.load(storage, row);
  }

  /** File count, size and live rows at the indexed version, by SQL; undefined when not indexed. */
  describe(storage: Storage): IndexedTable | undefined {
    const row = this.db
      .query(
        `SELECT t.version, t.timestamp, COUNT(f.file_key) AS files, COALESCE(SUM(f.size), 0) AS size,
                COALESCE(SUM(f.num_records - f.deleted_records), 0) AS records
         FROM delta_log_tables t LEFT JOIN delta_log_files f ON f.table_key = t.table_key
         WHERE t.table_key = ? GROUP BY t.table_key`,
      )
      .get(storage.root) as { version: number; timestamp: number; files: number; size: number; records: number } | null;
    return row ? { version: row.version, timestamp: row.timestamp, files: row.files, sizeInBytes: row.size, records: row.records } : undefined;
  }

  /** Drops a table's rows (the next open rebuilds them). */
  forget(storage: Storage): void {
    this.db.transaction(() => {
      for (const t of STATE_TABLES) this.db.query(`DELETE FROM ${t} WHERE table_key = ?`).run(storage.root);
    })();
  }

  /** The indexed state as a snapshot. */
  private load(storage: Storage, row: TableRow): Snapshot {
    return Snapshot.fromState(storage, this.indexedSegment(storage.root, row.version), this.loadState(storage.root, row), row.timestamp);
  }

  /** The log segment of an indexed version, from the indexed commits and newest indexed checkpoint. */
  private indexedSegment(key: string, version: number): LogSegment {
    const checkpointRow = this.db
      .query('SELECT version, kind, parts FROM delta_log_checkpoints WHERE table_key = ? AND version <= ? ORDER BY version DESC LIMIT 1')
      .get(key, version) as { version: number; kind: CheckpointFiles['kind']; parts: string } | null;
    const checkpoint = checkpointRow
      ? { version: checkpointRow.version, kind: checkpointRow.kind, parts: JSON.parse(checkpointRow.parts) as FileInfo[] }
      : undefined;
    const allCommits = (
      this.db.query('SELECT version, size, modified FROM delta_log_versions WHERE table_key = ? AND version <= ? ORDER BY version').values(key, version) as [
        number,
        number,
        number,
      ][]
    ).map(([v, size, modified]) => ({ path: commitPath(v), size, modified }));
    const after = checkpoint ? allCommits.filter((c) => versionOf(c) > checkpoint.version) : allCommits;
    return new LogSegment(version, checkpoint, after, allCommits, key);
  }

  private loadState(key: string, row: TableRow): ReplayState {
    const state = new ReplayState();
    state.protocol = JSON.parse(row.protocol) as Protocol;
    state.metadata = JSON.parse(row.metadata) as Metadata;
    for (const [fileKey, add] of this.db.query('SELECT file_key, add_action FROM delta_log_files WHERE table_key = ? ORDER BY seq').values(key) as [
      string,
      string,
    ][]) {
      state.files.set(fileKey, JSON.parse(add) as Add);
    }
    for (const [appId, version] of this.db.query('SELECT app_id, version FROM delta_log_txns WHERE table_key = ?').values(key) as [string, number][]) {
      state.txns.set(appId, version);
    }
    for (const [domain, configuration] of this.db.query('SELECT domain, configuration FROM delta_log_domains WHERE table_key = ?').values(key) as [
      string,
      string,
    ][]) {
      state.domains.set(domain, { domain, configuration, removed: false });
    }
    return state;
  }

  /**
   * The commits after the indexed version, found by reading V+1, V+2, ... until one is missing (no
   * listing: on a long-lived table, listing `_delta_log/` costs more than everything else). Undefined
   * when a listing is the better way: more than MAX_PROBED_COMMITS new commits (a newer checkpoint may
   * save replaying them), the indexed checkpoint is more than CHECKPOINT_REFRESH versions old (the
   * listing finds the newer one), or a commit has no commit time (its file time is needed).
   */
  private async probe(storage: Storage, row: TableRow): Promise<NewCommit[] | undefined> {
    const checkpoint = this.db.query('SELECT MAX(version) AS version FROM delta_log_checkpoints WHERE table_key = ?').get(storage.root) as {
      version: number | null;
    };
    const found: NewCommit[] = [];
    for (let v = row.version + 1; ; v++) {
      const path = commitPath(v);
      const bytes = await storage.read(path);
      if (!bytes) break;
      if (found.length === MAX_PROBED_COMMITS) return undefined;
      const actions = parseActions(new TextDecoder().decode(bytes), `${storage.root}/${path}`);
      const time = commitTime(actions);
      if (time === undefined) return undefined;
      // Without a listing the file's mtime is unknown; the commit time stands in (see the table doc).
      found.push({ file: { path, size: bytes.length, modified: time }, actions, bytes });
    }
    if (found.length && row.version + found.length - (checkpoint.version ?? -1) > CHECKPOINT_REFRESH) return undefined;
    return found;
  }

  /** Lists the log and replays the commits after the indexed version, or rebuilds if some were cleaned up. */
  private async catchUpFromListing(storage: Storage, row: TableRow): Promise<Snapshot> {
    const segment = await LogSegment.build(storage);
    const commitFiles = new Map(segment.allCommits.map((f) => [versionOf(f), f]));
    const commits: NewCommit[] = [];
    for (let v = row.version + 1; v <= segment.version; v++) {
      const file = commitFiles.get(v);
      if (!file) return this.rebuild(storage, segment); // cleaned up already: start from the checkpoint
      const bytes = await storage.read(file.path);
      if (!bytes)
        throw corruptTable(`commit ${v} of ${storage.root} disappeared while reading`, 'the log changed concurrently (VACUUM or log cleanup?); retry');
      commits.push({ file, actions: parseActions(new TextDecoder().decode(bytes), `${storage.root}/${file.path}`), bytes });
    }
    if (commits.length === 0) return this.rebuild(storage, segment);
    return this.catchUp(storage, row, commits, segment);
  }

  /**
   * Replays new commits onto the indexed state and persists the result. The snapshot's log segment is
   * the listing's when there was one, else the indexed one.
   */
  private async catchUp(storage: Storage, row: TableRow, commits: NewCommit[], listed?: LogSegment): Promise<Snapshot> {
    const key = storage.root;
    const state = this.loadState(key, row);
    const fileChanges = new FileChanges();
    const touchedDomains = new Set<string>();
    for (const { actions } of commits) {
      for (const a of actions) {
        fileChanges.note(a, state.files);
        if ('domainMetadata' in a) touchedDomains.add(a.domainMetadata.domain);
        state.apply(a, false);
      }
    }
    const last = commits[commits.length - 1]!;
    const version = versionOf(last.file);
    const timestamp = commitTimestamp(last.actions, last.file);
    const persisted = this.db.transaction(() => {
      // Another connection may have caught up (or rebuilt) meanwhile: start over from its rows.
      const current = this.db.query('SELECT version FROM delta_log_tables WHERE table_key = ?').get(key) as { version: number } | null;
      if (current?.version !== row.version) return false;
      this.writeTableRow(key, version, hashOf(last.bytes), timestamp, state);
      const insertVersion = this.db.query('INSERT OR REPLACE INTO delta_log_versions (table_key, version, size, modified) VALUES (?, ?, ?, ?)');
      for (const { file } of commits) insertVersion.run(key, versionOf(file), file.size, file.modified);
      this.writeCommits(key, commits);
      if (listed?.checkpoint) this.writeCheckpoint(key, listed.checkpoint);
      this.writeFileChanges(key, state.files, fileChanges);
      const upsertTxn = this.txnUpsert();
      for (const [appId, txnVersion] of state.txns) upsertTxn.run(key, appId, txnVersion);
      const upsertDomain = this.domainUpsert();
      const deleteDomain = this.db.query('DELETE FROM delta_log_domains WHERE table_key = ? AND domain = ?');
      for (const name of touchedDomains) {
        const d = state.domains.get(name);
        if (d) upsertDomain.run(key, name, d.configuration);
        else deleteDomain.run(key, name);
      }
      return true;
    })();
    if (!persisted) return this.snapshot(storage);
    return Snapshot.fromState(storage, listed ?? this.indexedSegment(key, version), state, timestamp);
  }

  /** Replays the log from its newest checkpoint and replaces the table's rows with the result. */
  private async rebuild(storage: Storage, listed?: LogSegment): Promise<Snapshot> {
    const segment = listed ?? (await LogSegment.build(storage));
    const replayed = await Snapshot.replay(storage, segment);
    const snapshot = Snapshot.fromState(storage, segment, replayed.state, replayed.timestamp);
    const commit = await storage.read(commitPath(segment.version));
    const key = storage.root;
    this.db.transaction(() => {
      for (const t of STATE_TABLES) this.db.query(`DELETE FROM ${t} WHERE table_key = ?`).run(key);
      this.writeTableRow(key, snapshot.version, commit ? hashOf(commit) : null, snapshot.timestamp, replayed.state);
      const insertVersion = this.db.query('INSERT INTO delta_log_versions (table_key, version, size, modified) VALUES (?, ?, ?, ?)');
      for (const f of segment.allCommits) insertVersion.run(key, versionOf(f), f.size, f.modified);
      this.writeCommits(key, replayed.commits);
      if (segment.checkpoint) this.writeCheckpoint(key, segment.checkpoint);
      const insertFile = this.fileInsert();
      let seq = 0;
      for (const [k, add] of replayed.state.files) insertFile.run(...fileRow(key, seq++, k, add));
      const insertTxn = this.txnUpsert();
      for (const [appId, version] of replayed.state.txns) insertTxn.run(key, appId, version);
      const insertDomain = this.domainUpsert();
      for (const d of replayed.state.domains.values()) insertDomain.run(key, d.domain, d.configuration);
    })();
    return snapshot;
  }

  private writeTableRow(key: string, version: number, commitHash: string | null, timestamp: number, state: ReplayState): void {
    this.db
      .query('INSERT OR REPLACE INTO delta_log_tables (table_key, version, commit_hash, timestamp, protocol, metadata) VALUES (?, ?, ?, ?, ?, ?)')
      .run(key, version, commitHash, timestamp, JSON.stringify(state.protocol), JSON.stringify(state.metadata));
  }

  /** Commit time and operation of replayed commits. */
  private writeCommits(key: string, commits: readonly { file: FileInfo; actions: Action[] }[]): void {
    const update = this.db.query('UPDATE delta_log_versions SET timestamp = ?, operation = ? WHERE table_key = ? AND version = ?');
    for (const { file, actions } of commits) update.run(commitTimestamp(actions, file), operationOf(actions), key, versionOf(file));
  }

  private writeCheckpoint(key: string, checkpoint: CheckpointFiles): void {
    this.db
      .query('INSERT OR REPLACE INTO delta_log_checkpoints (table_key, version, kind, parts) VALUES (?, ?, ?, ?)')
      .run(key, checkpoint.version, checkpoint.kind, JSON.stringify(checkpoint.parts));
  }

  /** Applies a catch-up's file changes so that the rows keep the live Map's order (see FileChanges). */
  private writeFileChanges(key: string, files: ReadonlyMap<string, Add>, changes: FileChanges): void {
    const remove = this.db.query('DELETE FROM delta_log_files WHERE table_key = ? AND file_key = ?');
    for (const k of changes.removed) remove.run(key, k);
    const update = this.db.query(
      'UPDATE delta_log_files SET size = ?, num_records = ?, deleted_records = ?, add_action = ? WHERE table_key = ? AND file_key = ?',
    );
    for (const k of changes.replaced) {
      const add = files.get(k);
      if (add && !changes.appended.has(k)) {
        const [, , , size, numRecords, deleted, action] = fileRow(key, 0, k, add);
        update.run(size, numRecords, deleted, action, key, k);
      }
    }
    if (changes.appended.size === 0) return;
    const insert = this.fileInsert();
    let seq = (this.db.query('SELECT COALESCE(MAX(seq), -1) AS seq FROM delta_log_files WHERE table_key = ?').get(key) as { seq: number }).seq + 1;
    for (const [k, add] of files) if (changes.appended.has(k)) insert.run(...fileRow(key, seq++, k, add));
  }

  private fileInsert() {
    return this.db.query('INSERT INTO delta_log_files (table_key, seq, file_key, size, num_records, deleted_records, add_action) VALUES (?, ?, ?, ?, ?, ?, ?)');
  }

  private txnUpsert() {
    return this.db.query('INSERT OR REPLACE INTO delta_log_txns (table_key, app_id, version) VALUES (?, ?, ?)');
  }

  private domainUpsert() {
    return this.db.query('INSERT OR REPLACE INTO delta_log_domains (table_key, domain, configuration) VALUES (?, ?, ?)');
  }
}

/**
 * How a catch-up changes the live files, noted before each action applies, so the rows can follow the
 * Map's order: a key set while present keeps its place (replaced); a key set while absent goes to the
 * end (appended); a removed key's row goes, even if the key comes back (then it is appended).
 */
class FileChanges {
  readonly removed = new Set<string>();
  readonly appended = new Set<string>();
  readonly replaced = new Set<string>();

  note(action: Action, files: ReadonlyMap<string, Add>): void {
    if ('add' in action) {
      const k = fileKey(action.add);
      if (!files.has(k)) this.appended.add(k);
      else if (!this.appended.has(k)) this.replaced.add(k);
    } else if ('remove' in action) {
      const k = fileKey(action.remove);
      if (files.has(k)) this.removed.add(k);
      this.appended.delete(k);
      this.replaced.delete(k);
    }
  }
}

function fileRow(key: string, seq: number, fileKey: string, add: Add): [string, number, string, number, number | null, number, string] {
  return [key, seq, fileKey, add.size, numRecordsOf(add.stats), add.deletionVector?.cardinality ?? 0, JSON.stringify(add)];
}

function numRecordsOf(stats: string | null | undefined): number | null {
  if (!stats) return null;
  try {
    const n = (JSON.parse(stats) as { numRecords?: unknown }).numRecords;
    return typeof n === 'number' ? n : null;
  } catch {
    return null; // stats are advisory; a malformed string only costs the count
  }
}

function operationOf(actions: readonly Action[]): string | null {
  for (const a of actions) if ('commitInfo' in a) return a.commitInfo.operation ?? null;
  return null;
}
