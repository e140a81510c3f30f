/**
 * The SCD type 2 history of one silver table, `<table>__history`: one row per version of each key, as
 * Databricks AUTO CDC (`stored_as_scd_type = 2`) keeps it. A row holds the version's columns and
 * metadata plus
 *   - `__start_at`: when the version began (its event's source ts_ms, as a timestamp); its
 *     `__source_position` orders versions that share a millisecond;
 *   - `__end_at` / `__end_position`: when the next version began, or when the key was deleted or its
 *     source truncated; null while the version is current.
 * A delete closes the current version and adds no row.
 *
 * The history is built from the change events themselves, sequenced by source position, not from the
 * order they arrive in: an event older than the key's latest version (which silver drops, since it
 * keeps only the latest state) is put in its place, splitting the version in force at its position.
 * Any delivery order, duplicates and redeliveries included, therefore gives the same history, and its
 * current versions are silver's rows. An event whose position a version already starts or ends at
 * has been applied and does nothing.
 *
 * Cost follows the batch: a SQLite index (history-store.ts) holds every version with its data file and
 * row; a batch writes its new and closed versions as one file and marks the closed versions' old rows
 * in deletion vectors. Each commit carries `txn(lakehouse-history, bronze version)`, independent of
 * silver's, so a crash between the two commits is repaired by replaying bronze: each table skips the
 * bronze versions it already holds.
 */
import type { Database } from 'bun:sqlite';
import type { Storage } from '../storage/storage.ts';
import { DeltaTable, field, formatTimestamp, struct, type Add, type Snapshot, type StructField } from '../delta/index.ts';
import type { ChangeEvent } from '../cdc/index.ts';
import { KEY_PROPERTY, imageKey, keyString, metadataOf, silverPosition, sourcePrefix, type SilverTable } from './silver-table.ts';
import { mergeSchemas, silverFieldsFor } from './schema-evolution.ts';
import { HistoryStore, endOf, startOf, type KeyVersion } from './history-store.ts';
import { compactionCandidates, placeRows, readLiveRows, type CompactionOptions, type Located } from './file-rows.ts';
import type { Row } from './serving-store.ts';

export const HISTORY_APP_ID = 'lakehouse-history';
/** A silver table's history is the silver table `<table>__history`; silver table names may not end so. */
export const HISTORY_SUFFIX = '__history';

/** The columns a history row adds to its silver row. */
export const historyFields: StructField[] = [field('__start_at', 'timestamp'), field('__end_at', 'timestamp'), field('__end_position', 'string')];

const timestampOf = (tsMs: number) => formatTimestamp(BigInt(tsMs) * 1000n);

export class HistoryTable {
  private constructor(
    /** The silver table whose history this is. */
    readonly silverName: string,
    private readonly table: DeltaTable,
    private readonly store: HistoryStore,
    private readonly db: Database,
  ) {}

  get name(): string {
    return this.silverName + HISTORY_SUFFIX;
  }

  /**
   * Opens the history of `silver`, creating it when missing. A new history of a silver table that
   * already holds rows starts from them: one current version per row, beginning at the row's own
   * source time, the commit recording silver's bronze version, so it goes on exactly where silver is.
   */
  static async open(storage: Storage, db: Database, silver: SilverTable): Promise<HistoryTable> {
    const silverSnap = silver.snapshot;
    const table = await DeltaTable.openOrCreate(storage, {
      name: silver.name + HISTORY_SUFFIX,
      schema: struct([...silverSnap.schema.fields, ...historyFields]),
      configuration: {
        'delta.enableDeletionVectors': 'true',
        'delta.checkpointInterval': '10',
        // As silver: closed versions replace rows, and serve vacuums the replaced files after an hour.
        'delta.deletedFileRetentionDuration': 'interval 1 hours',
        ...(silverSnap.tableProperties[KEY_PROPERTY] ? { [KEY_PROPERTY]: silverSnap.tableProperties[KEY_PROPERTY] } : {}),
      },
    });
    db.run('CREATE TABLE IF NOT EXISTS history_state (name TEXT PRIMARY KEY, delta_version INTEGER NOT NULL)');
    const history = new HistoryTable(silver.name, table, new HistoryStore(db, silver.name + HISTORY_SUFFIX, table.snapshot().schema), db);
    await history.repairStore();
    if (history.bronzeVersion === undefined && silver.bronzeVersion !== undefined) await history.seed(silver);
    return history;
  }

  get delta(): DeltaTable {
    return this.table;
  }

  get snapshot(): Snapshot {
    return this.table.snapshot();
  }

  /** The bronze version this history holds the events of, up to and including. */
  get bronzeVersion(): number | undefined {
    return this.table.snapshot().txnVersion(HISTORY_APP_ID);
  }

  get rowCount(): number {
    return this.store.count();
  }

  rows(limit: number, offset: number): Row[] {
    return this.store.rows(limit, offset);
  }

  private get keyColumns(): string[] {
    const text = this.table.snapshot().tableProperties[KEY_PROPERTY];
    return text ? text.split(',') : [];
  }

  /** Records one bronze version's events for this table (those routed to its silver table); a version at or below the watermark is a no-op. */
  async apply(events: readonly ChangeEvent[], bronzeVersion: number): Promise<number | undefined> {
    const watermark = this.bronzeVersion;
    if (watermark !== undefined && bronzeVersion <= watermark) return undefined;
    let keyColumns = this.keyColumns;
    let newKeyColumns: string[] | undefined;
    if (keyColumns.length === 0) {
      const first = events.find((e) => e.op !== 't');
      if (first) keyColumns = newKeyColumns = [...first.keyColumns];
    }
    const positions = events.map((e) => silverPosition(e.position));
    const earliest = positions.reduce((a, b) => (b < a ? b : a), positions[0] ?? '');
    const batch = new VersionBatch(this.store, events.filter((e) => e.op !== 't').map((e) => keyString(e, keyColumns)), earliest);
    let schema = this.table.snapshot().schema;
    let widened = false;
    const admitted = new Set<ChangeEvent['columns']>();
    // Truncates committed before reach silver's table properties (the caller leaves out what they
    // supersede, SilverTable.notTruncated); those of this batch supersede its later events here, as in silver.
    const truncatedAt = new Map<string, string>();
    for (const [i, ev] of events.entries()) {
      const position = positions[i]!;
      const at = timestampOf(ev.tsMs);
      const prefix = sourcePrefix(ev);
      if (ev.op === 't') {
        for (const key of batch.keysInForceAt(prefix, position)) batch.close(key, position, at, false);
        if (!((truncatedAt.get(prefix) ?? '') >= position)) truncatedAt.set(prefix, position);
        continue;
      }
      if (position < (truncatedAt.get(prefix) ?? '')) continue;
      const key = keyString(ev, keyColumns);
      if (ev.op === 'd') {
        batch.close(key, position, at, true);
        continue;
      }
      // The same rules as silver, so an event silver quarantines is left out here too.
      if (!admitted.has(ev.columns)) {
        try {
          const merged = mergeSchemas(schema, silverFieldsFor(ev.columns), this.name);
          schema = merged.schema;
          widened ||= merged.widened;
          admitted.add(ev.columns);
        } catch {
          continue;
        }
      }
      batch.open(key, position, at, ev);
    }

    const txn = this.table.transaction({ operation: 'MERGE', operationParameters: { bronzeVersion, versions: batch.changed.size } });
    if (schema !== this.table.snapshot().schema || newKeyColumns) {
      const configuration = { ...this.table.snapshot().tableProperties };
      if (newKeyColumns) configuration[KEY_PROPERTY] = newKeyColumns.join(',');
      txn.updateMetadata({ schema, configuration });
      this.store.setSchema(schema);
    }
    let written = [...batch.changed];
    if (widened) {
      // As silver does (silver-table.ts says why): every version is rewritten under the wider type.
      const byId = new Map(this.store.all().map((v) => [versionId(v), v]));
      for (const v of written) byId.set(versionId(v), v);
      written = [...byId.values()];
      for (const add of this.table.snapshot().files()) txn.remove(add);
    } else if (batch.replaced.length > 0) {
      const byPath = new Map(this.table.snapshot().files().map((a) => [a.path, a]));
      await txn.deleteRowsInFiles(groupByFile(batch.replaced).map(([path, rows]) => [byPath.get(path)!, rows] as const));
    }
    if (written.length > 0) placeRows(written, await txn.writeRows(written.map((v) => v.image)));
    txn.setTxn(HISTORY_APP_ID, bronzeVersion);
    const version = await txn.commit();
    this.db.transaction(() => {
      for (const v of [...written, ...batch.tombstones]) this.store.put(v);
      this.recordStoreVersion(version);
    })();
    return version;
  }

  /** Background compaction, by the same rule as silver's; the index learns the rows' new places. */
  async compact(options: CompactionOptions = {}): Promise<number | undefined> {
    const chosen = compactionCandidates(this.table.snapshot().files(), options);
    if (chosen.length === 0) return undefined;
    const kept = await this.versionsIn(chosen);
    const txn = this.table.transaction({ operation: 'OPTIMIZE', operationParameters: { predicate: [], zOrderBy: [], auto: true } });
    for (const add of chosen) txn.remove(add, { dataChange: false });
    if (kept.length > 0) placeRows(kept, await txn.writeRows(kept.map((v) => v.image), { dataChange: false }));
    const version = await txn.commit();
    this.db.transaction(() => {
      for (const v of kept) this.store.put(v);
      this.recordStoreVersion(version);
    })();
    return version;
  }

  /** The versions of silver's current rows, as the history's first commit. */
  private async seed(silver: SilverTable): Promise<void> {
    const snap = silver.snapshot;
    const keyColumns = this.keyColumns;
    const versions: KeyVersion[] = [];
    for await (const { image } of readLiveRows(silver.delta.storage, snap, snap.files())) {
      const start = { ...image, __start_at: timestampOf(Number(image.__source_ts_ms)), __end_at: null, __end_position: null };
      versions.push({ key: imageKey(image, keyColumns), file: null, row: null, image: start });
    }
    // The history was created with silver's schema just now (or by the run that crashed before this commit).
    const txn = this.table.transaction({ operation: 'WRITE', operationParameters: { mode: 'Append', seededFrom: `silver ${silver.name} v${snap.version}` } });
    if (versions.length > 0) placeRows(versions, await txn.writeRows(versions.map((v) => v.image)));
    txn.setTxn(HISTORY_APP_ID, silver.bronzeVersion!);
    const version = await txn.commit();
    this.db.transaction(() => {
      for (const v of versions) this.store.put(v);
      this.recordStoreVersion(version);
    })();
  }

  private async versionsIn(files: readonly Add[]): Promise<KeyVersion[]> {
    const keyColumns = this.keyColumns;
    const out: KeyVersion[] = [];
    for await (const { file, row, image } of readLiveRows(this.table.storage, this.table.snapshot(), files)) out.push({ key: imageKey(image, keyColumns), file, row, image });
    return out;
  }

  private recordStoreVersion(version: number) {
    this.db.query('INSERT OR REPLACE INTO history_state (name, delta_version) VALUES (?, ?)').run(this.name, version);
  }

  /** The index is derived data: rebuilt from the Delta table when missing or behind it. */
  private async repairStore(): Promise<void> {
    const snap = this.table.snapshot();
    const row = this.db.query('SELECT delta_version FROM history_state WHERE name = ?').get(this.name) as { delta_version: number } | null;
    if (row && row.delta_version === snap.version) return;
    const versions = await this.versionsIn(snap.files());
    this.db.transaction(() => {
      this.store.clear();
      for (const v of versions) this.store.put(v);
      this.recordStoreVersion(snap.version);
    })();
  }
}

const versionId = (v: KeyVersion) => `${v.key}\u0000${startOf(v)}`;

function groupByFile(locations: readonly Located[]): [string, number[]][] {
  const byFile = new Map<string, number[]>();
  for (const { file, row } of locations) {
    let rows = byFile.get(file!);
    if (!rows) byFile.set(file!, (rows = []));
    rows.push(row!);
  }
  return [...byFile];
}

/**
 * The versions of the keys one batch touches, loaded once from the index, changed in memory in
 * position order, then written together: `changed` holds the versions to write, `replaced` the old
 * rows of stored versions that changed (to mark in deletion vectors).
 */
class VersionBatch {
  private readonly versions: Map<string, KeyVersion[]>;
  readonly changed = new Set<KeyVersion>();
  readonly replaced: Located[] = [];
  readonly tombstones: KeyVersion[] = [];

  constructor(
    private readonly store: HistoryStore,
    keys: readonly string[],
    /** The earliest position of the batch's events: versions that ended before it are not loaded. */
    private readonly earliest: string,
  ) {
    this.versions = store.versionsOf(keys, earliest);
  }

  private of(key: string): KeyVersion[] {
    let list = this.versions.get(key);
    if (!list) this.versions.set(key, (list = this.store.versionsOf([key], this.earliest).get(key)!));
    return list;
  }

  /** Keys of a source with a version in force at `position`, from the index and this batch. */
  keysInForceAt(prefix: string, position: string): string[] {
    const stored = this.store.keysInForceAt(prefix, position).filter((k) => !this.versions.has(k));
    for (const [key, list] of this.store.versionsOf(stored, this.earliest)) this.versions.set(key, list);
    return [...this.versions.keys()].filter((k) => k.startsWith(prefix));
  }

  /**
   * Ends the version of `key` in force at `position`. When none is, a delete leaves a tombstone; a
   * truncate does not, as in silver, which keeps no tombstones for the keys a truncate removes. A
   * version that a later delete had ended already keeps that delete as a tombstone.
   */
  close(key: string, position: string, at: string, leaveTombstone: boolean): void {
    const list = this.of(key);
    if (seen(list, position)) return;
    const current = inForceAt(list, position);
    if (!current) {
      if (leaveTombstone) this.tombstone(list, key, position, at);
      return;
    }
    const laterEnd = endOf(current);
    const laterEndAt = current.image.__end_at as string;
    this.end(current, position, at);
    if (laterEnd !== null && !list.some((v) => startOf(v) === laterEnd)) this.tombstone(list, key, laterEnd, laterEndAt);
  }

  private tombstone(list: KeyVersion[], key: string, position: string, at: string): void {
    const tombstone: KeyVersion = { key, file: null, row: null, image: { __source_position: position, __start_at: at }, tombstone: true };
    this.insert(list, tombstone);
    this.tombstones.push(tombstone);
  }

  /** A new version of `key` from `position` until whatever ended the version it splits, else the next version or tombstone. */
  open(key: string, position: string, at: string, ev: ChangeEvent): void {
    const list = this.of(key);
    if (seen(list, position)) return;
    const current = inForceAt(list, position);
    const next = list.find((v) => startOf(v) > position);
    const image: Row = { ...ev.after };
    // An unchanged TOASTed column arrives as a placeholder: the version it follows has the value.
    for (const col of ev.unavailable ?? []) image[col] = current?.image[col] ?? null;
    Object.assign(image, metadataOf(ev, position), {
      __start_at: at,
      __end_at: current ? current.image.__end_at : (next?.image.__start_at ?? null),
      __end_position: current ? endOf(current) : next ? startOf(next) : null,
    });
    if (current) this.end(current, position, at);
    const version: KeyVersion = { key, file: null, row: null, image };
    this.insert(list, version);
    this.changed.add(version);
  }

  private insert(list: KeyVersion[], v: KeyVersion): void {
    const at = list.findIndex((other) => startOf(other) > startOf(v));
    list.splice(at < 0 ? list.length : at, 0, v);
  }

  private end(v: KeyVersion, position: string, at: string): void {
    if (v.file !== null) {
      this.replaced.push({ file: v.file, row: v.row });
      v.file = v.row = null;
    }
    v.image = { ...v.image, __end_at: at, __end_position: position };
    this.changed.add(v);
  }
}

/** True when a version starts or ends at `position`: its event was applied already. */
const seen = (list: readonly KeyVersion[], position: string) => list.some((v) => startOf(v) === position || endOf(v) === position);

/** The version in force at `position`: started before it and not ended by then. */
function inForceAt(list: readonly KeyVersion[], position: string): KeyVersion | undefined {
  return list.find((v) => !v.tombstone && startOf(v) < position && (endOf(v) === null || endOf(v)! > position));
}
