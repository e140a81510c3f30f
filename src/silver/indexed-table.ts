/**
 * The mechanism both kinds of silver table share: a Delta table plus a SQLite index of where each of
 * its rows lives (data file and row), so a micro-batch costs what it changes, not the table's size.
 * What a row is and how a batch decides its rows is the policy's: the current state of each key
 * (silver-table.ts) or every version of it (scd2-table.ts). What is the same for both is here:
 *   - the table's bronze watermark, a `txn` committed atomically with the data, so replaying a bronze
 *     version the table holds is skipped whole;
 *   - schema admission (schema-evolution.ts) and the metadata update that records it, with the
 *     table's properties (key columns, policy state);
 *   - replacing rows a batch supersedes: deletion vectors on their old files, or rewriting those files
 *     (copy-on-write), or every file under a widened column type (rewriteFiles says why);
 *   - the index's state version: after each commit the index records the Delta version it reflects,
 *     in the same SQLite transaction as its rows; when it is missing or behind (a crash between the
 *     Delta commit and the SQLite update, a deleted lakehouse.db), `repair` rebuilds it from the
 *     table's live rows;
 *   - background compaction, whose moved rows the index follows.
 */
import type { Database } from 'bun:sqlite';
import { stageClock } from '../core/stage-clock.ts';
import type { Storage } from '../storage/storage.ts';
import {
  DeltaTable,
  BUSY_TABLE_PROPERTIES,
  ensureProperties,
  fileKey,
  liveRecordCount,
  struct,
  type Add,
  type Snapshot,
  type StructField,
  type StructType,
  type Transaction,
} from '../delta/index.ts';
import { compactionCandidates, placeRows, readLiveRows, type CompactionOptions, type Located } from './file-rows.ts';
import type { IndexStore, Row } from './index-store.ts';
import { imageKey, keyColumnsOf, keyModeOf, type KeyMode } from './keys.ts';
import { StoreVersions, type StoreKind } from './store-schema.ts';

/** An indexed row: its key, its image (none for a delete the policy remembers) and where it lives. */
export interface IndexEntry extends Located {
  key: string;
  image: Row | null;
}

/** How a batch's superseded rows leave their old files. */
export type Replacement = 'deletion-vectors' | 'copy-on-write' | 'rewrite-all';

/** Properties every indexed table is created with, after the policy's own. */
const COMMON_PROPERTIES: Record<string, string> = {
  'delta.checkpointInterval': '10',
  // Every batch and compaction replaces files and commits; a short retention keeps the folder from
  // filling up with them (serve vacuums periodically). Time travel to older versions may then fail.
  ...BUSY_TABLE_PROPERTIES,
};

export interface IndexedTableSpec {
  name: string;
  fields: StructField[];
  /** The policy's table properties: `properties` come before the common ones, `extraProperties` after. */
  properties: Record<string, string>;
  extraProperties?: Record<string, string>;
  kind: StoreKind;
}

export abstract class IndexedTable<E extends IndexEntry, S extends IndexStore<E>> {
  protected constructor(
    readonly name: string,
    protected readonly table: DeltaTable,
    protected readonly store: S,
    protected readonly db: Database,
    private readonly versions: StoreVersions,
    /** The txn app id recording the bronze version this table holds. */
    private readonly appId: string,
  ) {}

  /** Opens (or creates) the Delta table and the record of its index's state version. */
  protected static async openDelta(storage: Storage, db: Database, spec: IndexedTableSpec): Promise<{ table: DeltaTable; versions: StoreVersions }> {
    const table = await DeltaTable.openOrCreate(storage, {
      name: spec.name,
      schema: struct(spec.fields),
      configuration: { ...spec.properties, ...COMMON_PROPERTIES, ...spec.extraProperties },
    });
    const versions = new StoreVersions(db, spec.kind);
    // A table created before the retention was set gets it; an index that was current stays current.
    const before = table.snapshot().version;
    if ((await ensureProperties(table, BUSY_TABLE_PROPERTIES)) && versions.get(spec.name) === before) versions.record(spec.name, table.snapshot().version);
    return { table, versions };
  }

  /** The entry of a live row read from the Delta table. */
  protected abstract entryAt(key: string, file: string, row: number, image: Row): E;

  /** The Delta table, for maintenance (vacuum). */
  get delta(): DeltaTable {
    return this.table;
  }

  get snapshot(): Snapshot {
    return this.table.snapshot();
  }

  /** The bronze version this table has consumed up to, from its own log. */
  get bronzeVersion(): number | undefined {
    return this.table.snapshot().txnVersion(this.appId);
  }

  /** Whether this table holds bronze version `bronzeVersion` already (applying it again does nothing). */
  protected holds(bronzeVersion: number): boolean {
    const watermark = this.bronzeVersion;
    return watermark !== undefined && bronzeVersion <= watermark;
  }

  get rowCount(): number {
    return this.store.count();
  }

  rows(limit: number, offset: number): Row[] {
    return this.store.rows(limit, offset);
  }

  /** Keyed by columns or keyless (rows appended), recorded in the table's properties with its first row; undefined before. */
  get keyMode(): KeyMode | undefined {
    return keyModeOf(this.table.snapshot().tableProperties);
  }

  /** The key columns, recorded in the table's properties when the first keyed event arrives; none when keyless. */
  protected get keyColumns(): string[] {
    return keyColumnsOf(this.table.snapshot().tableProperties);
  }

  /** Records a new schema and changed properties in `txn`, and gives the index the schema's columns. */
  protected updateMetadata(txn: Transaction, schema: StructType, properties: Record<string, string> | undefined): void {
    const snap = this.table.snapshot();
    if (schema === snap.schema && !properties) return;
    txn.updateMetadata({ schema, configuration: { ...snap.tableProperties, ...properties } });
    if (schema !== snap.schema) this.store.setSchema(schema);
  }

  /** Writes the entries' images as new data files and records where each landed. */
  protected async writeEntries(txn: Transaction, entries: readonly E[], opts?: { dataChange?: boolean }): Promise<void> {
    if (entries.length > 0)
      placeRows(
        entries,
        await txn.writeRows(
          entries.map((e) => e.image!),
          opts,
        ),
      );
  }

  /**
   * Removes the `replaced` rows (data file -> row indexes) from their files as `how` says; returns the
   * entries a rewrite moved, whose new places the index must learn.
   */
  protected async replaceRows(txn: Transaction, replaced: ReadonlyMap<string, ReadonlySet<number>>, how: Replacement): Promise<E[]> {
    const files = this.table.snapshot().files();
    if (how === 'rewrite-all') return this.rewriteFiles(txn, files, replaced);
    if (replaced.size === 0) return [];
    const byPath = new Map(files.map((a) => [a.path, a]));
    const touched = [...replaced.keys()].map((path) => byPath.get(path)!);
    if (how === 'copy-on-write') return this.rewriteFiles(txn, touched, replaced);
    await txn.deleteRowsInFiles(touched.map((add) => [add, [...replaced.get(add.path)!]] as const));
    return [];
  }

  /**
   * Rewrites each of `files` as one new file of its live rows minus the `replaced` ones (removing the
   * old file; a file left with no rows just goes), and returns the kept rows' new places. One file is
   * read at a time, so the cost is the files touched. Copy-on-write tables do this for the files a batch
   * touches; a widened column type does it for every file, under the new schema, rather than use the
   * typeWidening table feature, which delta-rs and Spark 3 cannot read.
   */
  private async rewriteFiles(txn: Transaction, files: readonly Add[], replaced: ReadonlyMap<string, ReadonlySet<number>>): Promise<E[]> {
    const relocated: E[] = [];
    for (const add of files) {
      const gone = replaced.get(add.path);
      const kept: E[] = [];
      for await (const e of this.liveEntries([add])) if (!gone?.has(e.row!)) kept.push(e);
      txn.remove(add);
      if (kept.length === 0) continue;
      await this.writeEntries(txn, kept);
      relocated.push(...kept);
    }
    return relocated;
  }

  /**
   * Commits `txn` (recording `bronzeVersion` as consumed, when given), then updates the index in one
   * SQLite transaction with the Delta version it now reflects.
   */
  protected async commit(txn: Transaction, bronzeVersion: number | undefined, updateIndex: () => void): Promise<number> {
    if (bronzeVersion !== undefined) txn.setTxn(this.appId, bronzeVersion);
    const version = await txn.commit();
    stageClock.measure('index', () =>
      this.db.transaction(() => {
        updateIndex();
        this.versions.record(this.name, version);
      })(),
    );
    return version;
  }

  /** Every live row of the given files (default: the whole current snapshot), with its key and location. */
  protected async *liveEntries(files: readonly Add[] = this.table.snapshot().files()): AsyncGenerator<E> {
    const keyColumns = this.keyColumns;
    for await (const { file, row, image } of readLiveRows(this.table.storage, this.table.snapshot(), files)) {
      yield this.entryAt(imageKey(image, keyColumns), file, row, image);
    }
  }

  /**
   * Background compaction (see compactionCandidates for which files): they are rewritten into one
   * file (dataChange=false, so streaming readers see no new data), and the index learns the rows' new
   * places. Called between batches.
   */
  async compact(options: CompactionOptions = {}): Promise<number | undefined> {
    const chosen = compactionCandidates(this.table.snapshot().files(), options);
    return chosen.length === 0 ? undefined : this.rewriteCompacted(chosen, true);
  }

  /**
   * `lakehouse optimize` on this table, run by the pipeline that owns it: every file smaller than
   * `targetFileSize` or with deleted rows is rewritten into one (or none, when no row is left), the
   * index following the rows, as background compaction does.
   */
  async optimize(targetFileSize: number): Promise<{ version: number | undefined; filesRemoved: number; filesAdded: number }> {
    const chosen = this.table
      .snapshot()
      .files()
      .filter((a) => a.size < targetFileSize || a.deletionVector);
    if (chosen.length === 0 || (chosen.length === 1 && !chosen[0]!.deletionVector)) return { version: undefined, filesRemoved: 0, filesAdded: 0 };
    const before = new Set(
      this.table
        .snapshot()
        .files()
        .map((a) => a.path),
    );
    const version = await this.rewriteCompacted(chosen, false);
    const filesAdded = this.table
      .snapshot()
      .files()
      .filter((a) => !before.has(a.path)).length;
    return { version, filesRemoved: chosen.length, filesAdded };
  }

  /** Rewrites `chosen` into new files of their live rows (dataChange=false); the index learns the new places. */
  private async rewriteCompacted(chosen: readonly Add[], auto: boolean): Promise<number> {
    const kept: E[] = [];
    for await (const e of this.liveEntries(chosen)) kept.push(e);
    const txn = this.table.transaction({ operation: 'OPTIMIZE', operationParameters: { predicate: [], zOrderBy: [], auto } });
    for (const add of chosen) txn.remove(add, { dataChange: false });
    await this.writeEntries(txn, kept, { dataChange: false });
    return this.commit(txn, undefined, () => {
      for (const e of kept) this.store.put(e);
    });
  }

  /**
   * Catches up with commits another writer made (a foreign OPTIMIZE, which made this pipeline's commit
   * lose its race), so the batch can be applied again on top, as Delta's conflict rules have a writer
   * re-read the winning commits and retry. Commits that only moved rows (no data change, as many live
   * rows added as removed) move the index with them; anything else rebuilds the index (repair).
   */
  async followForeignCommits(): Promise<void> {
    const known = this.table.snapshot();
    const latest = await this.table.refresh();
    if (latest.version === known.version) return;
    const before = new Set(known.files().map(fileKey));
    const now = new Set(latest.files().map(fileKey));
    const added = latest.files().filter((a) => !before.has(fileKey(a)));
    const removed = known.files().filter((a) => !now.has(fileKey(a)));
    const rows = (files: readonly Add[]) => files.reduce((n, a) => n + liveRecordCount(a), 0);
    if (added.some((a) => a.dataChange) || rows(added) !== rows(removed)) return this.repair();
    const moved: E[] = [];
    for await (const e of this.liveEntries(added)) moved.push(e);
    this.db.transaction(() => {
      for (const e of moved) this.store.put(e);
      this.versions.record(this.name, latest.version);
    })();
  }

  /**
   * The index is derived data. When it is missing or behind the Delta table, rebuild it from the
   * table's live rows. What the policy keeps only in the index (delete tombstones) is lost then.
   */
  protected async repair(): Promise<void> {
    const snap = this.table.snapshot();
    if (this.versions.get(this.name) === snap.version) return;
    const entries: E[] = [];
    for await (const e of this.liveEntries()) entries.push(e);
    this.db.transaction(() => {
      this.store.clear();
      for (const e of entries) this.store.put(e);
      this.versions.record(this.name, snap.version);
    })();
  }
}
