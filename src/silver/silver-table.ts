/**
 * One silver table: the latest state of every key from every source database that routes to it.
 *
 * A micro-batch costs what it changes, not the table's size:
 *   1. each event is checked against its key's last applied position (the serving store); an event that
 *      is not newer is a duplicate or a late redelivery and does nothing;
 *   2. the surviving final state per key is written as ONE new data file;
 *   3. the rows those keys occupied before are deleted: with deletion vectors on their old files
 *      (merge-on-read, the default), or by rewriting just the files that held them (copy-on-write,
 *      for readers without deletion vectors; write-mode.ts);
 *   4. the commit carries `txn(appId = silver, version = bronze version)`, so data and consumed position
 *      move together, atomically; replaying a bronze version already committed is skipped whole.
 * The SQLite serving store is updated after the Delta commit; if the process dies in between, the store
 * is behind the table, which `open` detects (it records the table version it reflects) and repairs.
 */
import type { Database } from 'bun:sqlite';
import type { Storage } from '../storage/storage.ts';
import { DeltaTable, Snapshot, Transaction, field, struct, type Add, type StructField, type StructType } from '../delta/index.ts';
import type { ChangeEvent } from '../cdc/index.ts';
import { decodePosition, encodePosition, type SourcePosition } from '../cdc/index.ts';
import { ServingStore, type KeyEntry, type Row } from './serving-store.ts';
import { mergeSchemas, silverFieldsFor } from './schema-evolution.ts';
import { compactionCandidates, placeRows, readLiveRows, type CompactionOptions } from './file-rows.ts';
import { DEFAULT_WRITE_MODE, writeModeConfiguration, writeModeOf, type WriteMode } from './write-mode.ts';

export const SILVER_APP_ID = 'lakehouse-silver';
/** Table property naming the key columns (comma-separated), so the key index can be rebuilt. */
export const KEY_PROPERTY = 'lakehouse.primaryKey';
/**
 * Table property holding, per source (its key prefix), the position of the latest truncate applied, as
 * JSON. An event older than its source's truncate is superseded by it even when it arrives later (from
 * another Kafka partition): recorded in the Delta commit itself, so it survives like the data does.
 */
export const TRUNCATED_PROPERTY = 'lakehouse.truncatedAt';

/** Metadata columns every silver row carries; all start with `__`. */
export const metadataFields: StructField[] = [
  field('__source_connector', 'string'),
  field('__source_name', 'string'),
  field('__source_db', 'string'),
  field('__source_schema', 'string'),
  field('__source_table', 'string'),
  field('__op', 'string'),
  field('__source_ts_ms', 'long'),
  field('__source_position', 'string'),
];

export interface AppliedChange {
  table: string;
  op: 'c' | 'u' | 'd' | 'r' | 't';
  key: Row;
  before: Row | null;
  after: Row | null;
  position: string;
  /** When the source made the change (its event's ts_ms). */
  tsMs: number;
}

export interface Quarantined {
  event: ChangeEvent;
  reason: string;
}

/**
 * Called with a batch's decided changes just before the Delta commit. What it records survives a crash
 * right after the commit, when a replay of the bronze version skips this table: it must be idempotent
 * per bronze version, as a replay calls it again when the crash came first.
 */
export type BeforeCommit = (applied: readonly AppliedChange[]) => void;

export interface ApplyResult {
  version: number | undefined;
  applied: AppliedChange[];
  duplicates: number;
  quarantined: Quarantined[];
}

interface Pending {
  entry: KeyEntry;
  /** Where the row lived before this batch; it must be deleted from there. */
  original: KeyEntry | undefined;
}

export class SilverTable {
  private constructor(
    readonly name: string,
    private readonly table: DeltaTable,
    private readonly store: ServingStore,
    private readonly db: Database,
  ) {}

  /** Opens the table, or creates it in `writeMode`; an existing table keeps the mode it was created in. */
  static async open(storage: Storage, db: Database, name: string, initialFields: StructField[], writeMode: WriteMode = DEFAULT_WRITE_MODE): Promise<SilverTable> {
    const table = await DeltaTable.openOrCreate(storage, {
      name,
      schema: struct([...initialFields, ...metadataFields]),
      configuration: {
        ...writeModeConfiguration(writeMode),
        'delta.checkpointInterval': '10',
        // Every batch and compaction replaces files; a short retention keeps the folder from filling up
        // with them (serve vacuums periodically). Time travel to versions older than this may then fail.
        'delta.deletedFileRetentionDuration': 'interval 1 hours',
      },
    });
    db.run('CREATE TABLE IF NOT EXISTS silver_state (name TEXT PRIMARY KEY, delta_version INTEGER NOT NULL)');
    const silver = new SilverTable(name, table, new ServingStore(db, name, table.snapshot().schema), db);
    await silver.repairStore();
    return silver;
  }

  /** The primary-key columns, recorded in the table's configuration when the first event arrives. */
  private get keyColumns(): string[] {
    const text = this.table.snapshot().tableProperties[KEY_PROPERTY];
    return text ? text.split(',') : [];
  }

  get writeMode(): WriteMode {
    return writeModeOf(this.table.snapshot().tableProperties);
  }

  /** See ServingStore.purgeTombstones. */
  purgeTombstones(cutoffMs: number): number {
    return this.store.purgeTombstones(cutoffMs);
  }

  /** Per source key prefix, the position of the latest truncate this table applied. */
  private get truncations(): Readonly<Record<string, string>> {
    const text = this.table.snapshot().tableProperties[TRUNCATED_PROPERTY];
    return text ? (JSON.parse(text) as Record<string, string>) : {};
  }

  /** The events not superseded by a truncate committed before (the history, which applies first, needs this). */
  notTruncated(events: readonly ChangeEvent[]): readonly ChangeEvent[] {
    const truncations = this.truncations;
    if (Object.keys(truncations).length === 0) return events;
    return events.filter((ev) => ev.op === 't' || !(silverPosition(ev.position) < (truncations[sourcePrefix(ev)] ?? '')));
  }

  /** The Delta table, for maintenance (vacuum). */
  get delta(): DeltaTable {
    return this.table;
  }

  get snapshot(): Snapshot {
    return this.table.snapshot();
  }

  /** The bronze version this table has consumed up to, from its own log. */
  get bronzeVersion(): number | undefined {
    return this.table.snapshot().txnVersion(SILVER_APP_ID);
  }

  get rowCount(): number {
    return this.store.count();
  }

  rows(limit: number, offset: number): Row[] {
    return this.store.rows(limit, offset);
  }

  /** Applies one bronze version's events for this table; a version at or below the watermark is a no-op. */
  async apply(events: readonly ChangeEvent[], bronzeVersion: number, beforeCommit?: BeforeCommit): Promise<ApplyResult> {
    const watermark = this.bronzeVersion;
    if (watermark !== undefined && bronzeVersion <= watermark) return { version: undefined, applied: [], duplicates: events.length, quarantined: [] };
    events = this.placeTombstoneDeletes(events);

    const applied: AppliedChange[] = [];
    const quarantined: Quarantined[] = [];
    let duplicates = 0;
    let schema = this.table.snapshot().schema;
    let widened = false;
    const keyColumns = this.keyColumnsFor(events);
    const newKeyColumns = this.keyColumns.length === 0 && keyColumns.length > 0 ? keyColumns : undefined;
    const stored = this.store.getMany(events.filter((e) => e.op !== 't').map((e) => keyString(e, keyColumns)));
    const storedEntry = (key: string) => (stored.has(key) ? stored.get(key) : this.store.get(key));
    const pending = new Map<string, Pending>();
    const lookup = (key: string): KeyEntry | undefined => pending.get(key)?.entry ?? storedEntry(key);
    const stage = (entry: KeyEntry) => {
      const prior = pending.get(entry.key);
      pending.set(entry.key, { entry, original: prior ? prior.original : storedEntry(entry.key) });
    };

    /** Keys of flattened topics whose latest record in this batch was not applied: that record's position. */
    const seen = new Map<string, string>();
    const truncations = { ...this.truncations };
    let truncated = false;
    let anyTruncation = Object.keys(truncations).length > 0;
    const admitted = new Set<ChangeEvent['columns']>();
    for (const ev of events) {
      const position = silverPosition(ev.position);
      if (ev.op === 't') {
        const prefix = sourcePrefix(ev);
        if (!(truncations[prefix]! >= position)) {
          truncations[prefix] = position;
          truncated = anyTruncation = true;
        }
        for (const live of this.liveKeys(prefix, pending)) {
          if (live.position >= position) continue;
          const prev = lookup(live.key)!;
          stage({ key: live.key, file: null, row: null, position, deleted: true, image: null });
          applied.push({ table: this.name, op: 'd', key: keyOf(prev.image, ev), before: prev.image, after: null, position, tsMs: ev.tsMs });
        }
        continue;
      }
      const key = keyString(ev, keyColumns);
      const prev = lookup(key);
      // A tombstone's delete with nothing live to delete repeats a delete (delete.handling.mode=rewrite) or itself.
      const superseded = anyTruncation && position < (truncations[sourcePrefix(ev)] ?? '');
      if (superseded || (prev && prev.position >= position) || (ev.fromTombstone && (!prev || prev.deleted))) {
        duplicates++;
        if (ev.flattened) seen.set(key, position);
        continue;
      }
      seen.delete(key);
      if (ev.op === 'd') {
        stage({ key, file: null, row: null, position, deleted: true, image: null });
        if (prev && !prev.deleted) applied.push({ table: this.name, op: 'd', key: ev.key, before: prev.image, after: null, position, tsMs: ev.tsMs });
        continue;
      }
      // The decoder hands out one columns array per source schema, and `schema` only ever grows or
      // widens: columns it admitted once it still holds, so each array is merged once per batch.
      if (!admitted.has(ev.columns)) {
        try {
          const merged = mergeSchemas(schema, silverFieldsFor(ev.columns), this.name);
          schema = merged.schema;
          widened ||= merged.widened;
          admitted.add(ev.columns);
        } catch (err) {
          quarantined.push({ event: ev, reason: (err as Error).message });
          continue;
        }
      }
      const image: Row = { ...ev.after };
      // An unchanged TOASTed column arrives as a placeholder: keep what we had.
      for (const col of ev.unavailable ?? []) image[col] = prev?.image?.[col] ?? null;
      Object.assign(image, metadataOf(ev, position));
      stage({ key, file: null, row: null, position, deleted: false, image });
      applied.push({ table: this.name, op: ev.op, key: ev.key, before: prev?.deleted ? null : (prev?.image ?? null), after: image, position, tsMs: ev.tsMs });
    }

    beforeCommit?.(applied);
    if (pending.size === 0) {
      // Nothing changed, but the watermark still moves so this bronze version is never read again.
      const txn = this.table.transaction({ operation: 'STREAMING UPDATE', operationParameters: { bronzeVersion } });
      if (truncated) txn.updateMetadata({ configuration: { ...this.table.snapshot().tableProperties, [TRUNCATED_PROPERTY]: JSON.stringify(truncations) } });
      txn.setTxn(SILVER_APP_ID, bronzeVersion);
      const version = await txn.commit();
      this.db.transaction(() => {
        for (const [key, position] of seen) this.store.markSeen(key, position);
        this.recordStoreVersion(version);
      })();
      return { version, applied, duplicates, quarantined };
    }
    const version = await this.commit(pending, seen, schema, widened, newKeyColumns, truncated ? truncations : undefined, bronzeVersion);
    return { version, applied, duplicates, quarantined };
  }

  /**
   * Gives each delete a tombstone stands for (topic-sources.ts) its place: right after the key's
   * previous record in stream order, applied or not (earlier in `events`, else the one the key index
   * remembers: KeyEntry.seen, else the applied position). A tombstone of a key never seen has nothing
   * to delete and is dropped. `apply` does this itself; the history, which sees the events first, calls
   * it too (placed events stay as they are).
   */
  placeTombstoneDeletes(events: readonly ChangeEvent[]): readonly ChangeEvent[] {
    if (!events.some((e) => e.fromTombstone && !e.position.justAfter)) return events;
    const keyColumns = this.keyColumnsFor(events);
    const previous = new Map<string, string>();
    const placed: ChangeEvent[] = [];
    for (const ev of events) {
      if (ev.op === 't') {
        placed.push(ev);
        continue;
      }
      const key = keyString(ev, keyColumns);
      let event = ev;
      if (ev.fromTombstone && !ev.position.justAfter) {
        const entry = previous.has(key) ? undefined : this.store.get(key);
        const before = previous.get(key) ?? entry?.seen ?? entry?.position;
        if (before === undefined) continue;
        event = { ...ev, position: { ...decodePosition(before)!, justAfter: true } };
      }
      previous.set(key, silverPosition(event.position));
      placed.push(event);
    }
    return placed;
  }

  /** The key columns: the table's, or for a table that has none yet, those of its first keyed event. */
  private keyColumnsFor(events: readonly ChangeEvent[]): string[] {
    const own = this.keyColumns;
    return own.length > 0 ? own : [...(events.find((e) => e.op !== 't')?.keyColumns ?? [])];
  }

  private async commit(
    pending: Map<string, Pending>,
    seen: ReadonlyMap<string, string>,
    schema: StructType,
    widened: boolean,
    newKeyColumns: string[] | undefined,
    truncations: Record<string, string> | undefined,
    bronzeVersion: number,
  ): Promise<number> {
    const txn = this.table.transaction({ operation: 'MERGE', operationParameters: { bronzeVersion, keys: pending.size } });
    if (schema !== this.table.snapshot().schema || newKeyColumns || truncations) {
      const configuration = { ...this.table.snapshot().tableProperties };
      if (newKeyColumns) configuration[KEY_PROPERTY] = newKeyColumns.join(',');
      if (truncations) configuration[TRUNCATED_PROPERTY] = JSON.stringify(truncations);
      txn.updateMetadata({ schema, configuration });
      this.store.setSchema(schema);
    }
    const live = [...pending.values()].filter((p) => !p.entry.deleted);
    if (live.length > 0) placeRows(live.map((p) => p.entry), await txn.writeRows(live.map((p) => p.entry.image!)));
    // A widened type rewrites every file (rewriteFiles says why); otherwise the replaced rows go as the
    // table's write mode says.
    const originals = replacedRows(pending);
    const files = this.table.snapshot().files();
    const touched = () => {
      const byPath = new Map(files.map((a) => [a.path, a]));
      return [...originals.keys()].map((path) => byPath.get(path)!);
    };
    let relocated: KeyEntry[] = [];
    if (widened) relocated = await this.rewriteFiles(txn, files, originals);
    else if (originals.size > 0 && this.writeMode === 'copy-on-write') relocated = await this.rewriteFiles(txn, touched(), originals);
    else if (originals.size > 0) await txn.deleteRowsInFiles(touched().map((add) => [add, [...originals.get(add.path)!]] as const));
    txn.setTxn(SILVER_APP_ID, bronzeVersion);
    const version = await txn.commit();
    this.db.transaction(() => {
      for (const p of pending.values()) this.store.put(p.entry);
      for (const e of relocated) this.store.put(e);
      for (const [key, position] of seen) this.store.markSeen(key, position);
      this.recordStoreVersion(version);
    })();
    return version;
  }

  /**
   * Rewrites each of `files` as one new file of its live rows minus the `replaced` ones (removing the
   * old file; a file left with no rows just goes), and returns the kept rows' new places. One file is
   * read at a time, so the cost is the files touched. Copy-on-write tables do this for the files a batch
   * touches; a widened column type does it for every file, under the new schema, rather than use the
   * typeWidening table feature, which delta-rs and Spark 3 cannot read.
   */
  private async rewriteFiles(txn: Transaction, files: readonly Add[], replaced: ReadonlyMap<string, ReadonlySet<number>>): Promise<KeyEntry[]> {
    const relocated: KeyEntry[] = [];
    for (const add of files) {
      const gone = replaced.get(add.path);
      const kept: KeyEntry[] = [];
      for await (const e of this.liveEntries([add])) if (!gone?.has(e.row!)) kept.push(e);
      txn.remove(add);
      if (kept.length === 0) continue;
      placeRows(kept, await txn.writeRows(kept.map((e) => e.image!)));
      relocated.push(...kept);
    }
    return relocated;
  }

  private liveKeys(prefix: string, pending: Map<string, Pending>): { key: string; position: string }[] {
    const out = new Map(this.store.liveKeysWithPrefix(prefix).map((k) => [k.key, k]));
    for (const [key, p] of pending) {
      if (!key.startsWith(prefix)) continue;
      if (p.entry.deleted) out.delete(key);
      else out.set(key, { key, position: p.entry.position });
    }
    return [...out.values()];
  }

  private recordStoreVersion(version: number) {
    this.db.query('INSERT OR REPLACE INTO silver_state (name, delta_version) VALUES (?, ?)').run(this.name, version);
  }

  /** Every live row of the given files (default: the whole current snapshot), with its key and location. */
  private async *liveEntries(files: readonly Add[] = this.table.snapshot().files()): AsyncGenerator<KeyEntry> {
    const keyColumns = this.keyColumns;
    for await (const { file, row, image } of readLiveRows(this.table.storage, this.table.snapshot(), files)) {
      const key = imageKey(image, keyColumns);
      yield { key, file, row, position: image.__source_position as string, deleted: false, image };
    }
  }

  /**
   * Background compaction (see compactionCandidates for which files): they are rewritten into one
   * file (dataChange=false, so streaming readers see no new data), and the index learns the rows' new
   * places. Called between batches.
   */
  async compact(options: CompactionOptions = {}): Promise<number | undefined> {
    const chosen = compactionCandidates(this.table.snapshot().files(), options);
    if (chosen.length === 0) return undefined;
    const kept: KeyEntry[] = [];
    for await (const e of this.liveEntries(chosen)) kept.push(e);
    const txn = this.table.transaction({ operation: 'OPTIMIZE', operationParameters: { predicate: [], zOrderBy: [], auto: true } });
    for (const add of chosen) txn.remove(add, { dataChange: false });
    if (kept.length > 0) placeRows(kept, await txn.writeRows(kept.map((e) => e.image!), { dataChange: false }));
    const version = await txn.commit();
    this.db.transaction(() => {
      for (const e of kept) this.store.put(e);
      this.recordStoreVersion(version);
    })();
    return version;
  }

  /**
   * The store is derived data. When it is missing or behind the Delta table (a crash between the Delta
   * commit and the SQLite update, or a deleted lakehouse.db), rebuild it from the table's live rows.
   * Delete tombstones are not in the table; positions of live rows are, which is what ordering needs
   * for rows that exist.
   */
  private async repairStore(): Promise<void> {
    const snap = this.table.snapshot();
    const row = this.db.query('SELECT delta_version FROM silver_state WHERE name = ?').get(this.name) as { delta_version: number } | null;
    if (row && row.delta_version === snap.version) return;
    const entries: KeyEntry[] = [];
    for await (const e of this.liveEntries()) entries.push(e);
    this.db.transaction(() => {
      this.store.clear();
      for (const e of entries) this.store.put(e);
      this.recordStoreVersion(snap.version);
    })();
  }
}

/** Keys are scoped by source identity so many source databases can feed one silver table. */
export function sourcePrefix(ev: { source: ChangeEvent['source'] }): string {
  const s = ev.source;
  let prefix = prefixes.get(s);
  if (prefix === undefined) prefixes.set(s, (prefix = spellPrefix(s)));
  return prefix;
}

/** The decoder shares one identity object among a source's events: each is spelled once. */
const prefixes = new WeakMap<ChangeEvent['source'], string>();

function spellPrefix(s: Partial<ChangeEvent['source']>): string {
  return JSON.stringify([s.connector ?? '', s.name ?? '', s.db ?? '', s.schema ?? '', s.table ?? '']).slice(0, -1) + ',';
}

export function keyString(ev: ChangeEvent, keyColumns: readonly string[]): string {
  return sourcePrefix(ev) + keyValuesJson(ev.key, keyColumns);
}

/** The key string of a stored row (its __source_* columns and key columns), as keyString gives for its event. */
export function imageKey(image: Row, keyColumns: readonly string[]): string {
  return spellPrefix(sourceOfImage(image)) + keyValuesJson(image, keyColumns);
}

/**
 * Bumped when key strings change spelling: stores written with another format are rebuilt from their
 * Delta tables (see Silver.open). 2: numbers spelled as text.
 */
export const KEY_FORMAT = 2;

/**
 * Key values with numbers spelled as text, as the canonical encoding spells long and decimal: a key
 * column widened from int (a JSON number) to long (text) keeps every key's identity.
 */
function keyValuesJson(row: Row | null | undefined, columns: readonly string[]): string {
  const out: Row = {};
  for (const c of columns) {
    const v = row?.[c] ?? null;
    out[c] = typeof v === 'number' ? String(v) : v;
  }
  return JSON.stringify(out);
}

function keyOf(image: Row | null, ev: ChangeEvent): Row {
  return image ? Object.fromEntries(Object.keys(ev.key ?? {}).map((k) => [k, image[k]])) : {};
}

function sourceOfImage(image: Row): Partial<ChangeEvent['source']> {
  const text = (k: string) => (image[k] ?? undefined) as string | undefined;
  return {
    connector: text('__source_connector'),
    name: text('__source_name'),
    db: text('__source_db'),
    schema: text('__source_schema'),
    table: text('__source_table'),
  };
}

/**
 * The order silver applies by. A redelivered event carries the same source position at a later Kafka
 * offset; for log-based connectors (PostgreSQL LSN, MySQL binlog) the source part alone decides, so a
 * redelivery is a no-op. Connectors ordered only by ts_ms keep the Kafka coordinates as tie-breakers.
 */
export function silverPosition(p: SourcePosition): string {
  return encodePosition(p.kind === 'generic' ? p : { kind: p.kind, parts: p.parts.slice(0, 3), justAfter: p.justAfter });
}

/** The rows this batch replaces (the keys' places before it), as data file -> row indexes. */
function replacedRows(pending: ReadonlyMap<string, Pending>): Map<string, Set<number>> {
  const rows = new Map<string, Set<number>>();
  for (const { original: o } of pending.values()) {
    if (!o || o.deleted || o.file === null || o.row === null) continue;
    let set = rows.get(o.file);
    if (!set) rows.set(o.file, (set = new Set()));
    set.add(o.row);
  }
  return rows;
}

export function metadataOf(ev: ChangeEvent, position: string): Row {
  return {
    __source_connector: ev.source.connector ?? null,
    __source_name: ev.source.name ?? null,
    __source_db: ev.source.db ?? null,
    __source_schema: ev.source.schema ?? null,
    __source_table: ev.source.table ?? null,
    __op: ev.op,
    __source_ts_ms: String(ev.tsMs), // long, in the canonical encoding
    __source_position: position,
  };
}

