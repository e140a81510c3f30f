/**
 * One silver table: the latest state of every key from every source database that routes to it, an
 * indexed table (indexed-table.ts) under the current-state policy. A micro-batch:
 *   1. decides, in event order, what each event does (StateBatch): an event not newer than its key's
 *      last applied position (the index) is a duplicate or a late redelivery and does nothing; a
 *      truncate deletes its source's older rows; the surviving final state per key is staged;
 *   2. writes the staged rows as ONE new data file and removes the rows those keys occupied before as
 *      the table's write mode says (write-mode.ts);
 *   3. commits with `txn(appId = silver, version = bronze version)`, then updates the index.
 */
import type { Database } from 'bun:sqlite';
import { stageClock } from '../core/stage-clock.ts';
import type { Storage } from '../storage/storage.ts';
import type { StructField } from '../delta/index.ts';
import type { ChangeEvent } from '../cdc/index.ts';
import { decodePosition } from '../cdc/index.ts';
import { ServingStore, type KeyEntry, type Row } from './serving-store.ts';
import { SchemaAdmission } from './schema-evolution.ts';
import { IndexedTable } from './indexed-table.ts';
import { contentPrefix, isMetadataColumn, keyColumnsProperty, keyOf, keyString, sourcePrefix } from './keys.ts';
import { metadataFields, metadataOf, silverPosition } from './metadata-columns.ts';
import { DEFAULT_WRITE_MODE, writeModeConfiguration, writeModeOf, type WriteMode } from './write-mode.ts';

export const SILVER_APP_ID = 'lakehouse-silver';
/**
 * Table property holding, per source (its key prefix), the position of the latest truncate applied, as
 * JSON. An event older than its source's truncate is superseded by it even when it arrives later (from
 * another Kafka partition): recorded in the Delta commit itself, so it survives like the data does.
 */
export const TRUNCATED_PROPERTY = 'lakehouse.truncatedAt';

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

export class SilverTable extends IndexedTable<KeyEntry, ServingStore> {
  /** Opens the table, or creates it in `writeMode`; an existing table keeps the mode it was created in. */
  static async open(
    storage: Storage,
    db: Database,
    name: string,
    initialFields: StructField[],
    writeMode: WriteMode = DEFAULT_WRITE_MODE,
  ): Promise<SilverTable> {
    const { table, versions } = await IndexedTable.openDelta(storage, db, {
      name,
      fields: [...initialFields, ...metadataFields],
      properties: writeModeConfiguration(writeMode),
      kind: 'silver',
    });
    // Its SQL objects in one transaction: one schema change, not one per statement.
    const store = db.transaction(() => new ServingStore(db, name, table.snapshot().schema))();
    const silver = new SilverTable(name, table, store, db, versions, SILVER_APP_ID);
    await silver.repair();
    return silver;
  }

  protected entryAt(key: string, file: string, row: number, image: Row): KeyEntry {
    return { key, file, row, position: image.__source_position as string, deleted: false, image };
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

  /** Applies one bronze version's events for this table; a version at or below the watermark is a no-op. */
  async apply(events: readonly ChangeEvent[], bronzeVersion: number, beforeCommit?: BeforeCommit): Promise<ApplyResult> {
    if (this.holds(bronzeVersion)) return { version: undefined, applied: [], duplicates: events.length, quarantined: [] };
    events = this.placeTombstoneDeletes(events);
    const keyColumns = this.keyColumnsFor(events);
    const { fitting, misfits } = this.byKeyMode(events, keyColumns);
    const batch = stageClock.measure('decide', () => {
      const decided = new StateBatch(this.name, this.store, keyColumns, fitting, this.truncations, new SchemaAdmission(this.snapshot.schema, this.name));
      decided.quarantined.push(...misfits);
      for (const ev of fitting) decided.decide(ev);
      return decided;
    });
    const newKeyColumns = this.keyMode === undefined && fitting.some((e) => e.op !== 't') ? keyColumns : undefined;
    const version = await this.commitBatch(batch, newKeyColumns, bronzeVersion, beforeCommit);
    return { version, applied: batch.applied, duplicates: batch.duplicates, quarantined: batch.quarantined };
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

  /**
   * The key columns: the table's, or for a table whose key mode is not known yet, those of its first
   * keyed event (a Kafka key is what Debezium gives every record of a table with a primary key), else
   * none: keyless.
   */
  private keyColumnsFor(events: readonly ChangeEvent[]): string[] {
    return this.keyMode !== undefined ? this.keyColumns : [...(events.find((e) => e.op !== 't' && !e.keyless)?.keyColumns ?? [])];
  }

  /**
   * The events that fit the table's key mode (keyed by `keyColumns`, or keyless when there are none),
   * and those that do not: a record without a key for a keyed table, or a keyed record for a table
   * whose rows are appended. Either would put a row under an identity the table does not use.
   */
  private byKeyMode(events: readonly ChangeEvent[], keyColumns: readonly string[]): { fitting: readonly ChangeEvent[]; misfits: Quarantined[] } {
    const keyless = keyColumns.length === 0;
    if (!events.some((e) => e.op !== 't' && (e.keyless === true) !== keyless)) return { fitting: events, misfits: [] };
    const fitting: ChangeEvent[] = [];
    const misfits: Quarantined[] = [];
    for (const ev of events) {
      if (ev.op === 't' || (ev.keyless === true) === keyless) fitting.push(ev);
      else if (keyless)
        misfits.push({
          event: ev,
          reason: `record has a key, but table '${this.name}' has no primary key (its first records had none, so its rows are appended); to key it, rebuild it with --key ${this.name}=COLUMN[,COLUMN]`,
        });
      else
        misfits.push({
          event: ev,
          reason: `record has no key, but table '${this.name}' is keyed by (${keyColumns.join(', ')}); pass --key ${this.name}=${keyColumns.join(',')} to key such records by their row`,
        });
    }
    return { fitting, misfits };
  }

  /**
   * Commits a decided batch: its staged rows written, the rows they replace removed (by the write
   * mode, or every file rewritten under a widened type), its truncates and first key columns recorded.
   * A batch that changed nothing still commits, so the watermark moves and this bronze version is
   * never read again.
   */
  private async commitBatch(batch: StateBatch, newKeyColumns: string[] | undefined, bronzeVersion: number, beforeCommit?: BeforeCommit): Promise<number> {
    const { pending } = batch;
    const changed = pending.size > 0;
    const txn = changed
      ? this.table.transaction({ operation: 'MERGE', operationParameters: { bronzeVersion, keys: pending.size } })
      : this.table.transaction({ operation: 'STREAMING UPDATE', operationParameters: { bronzeVersion } });
    const properties = {
      ...(changed && newKeyColumns ? keyColumnsProperty(newKeyColumns) : {}),
      ...(batch.truncated ? { [TRUNCATED_PROPERTY]: JSON.stringify(batch.truncations) } : {}),
    };
    this.updateMetadata(txn, batch.admission.schema, Object.keys(properties).length > 0 ? properties : undefined);
    const staged = [...pending.values()];
    await this.writeEntries(
      txn,
      staged.filter((p) => !p.entry.deleted).map((p) => p.entry),
    );
    const how = batch.admission.widened ? 'rewrite-all' : this.writeMode === 'copy-on-write' ? 'copy-on-write' : 'deletion-vectors';
    const relocated = await this.replaceRows(txn, replacedRows(staged), how);
    // Last before the commit: a batch the writer or the serving copy refuses (poison.ts) has recorded nothing.
    beforeCommit?.(batch.applied);
    return this.commit(txn, bronzeVersion, () => {
      for (const p of staged) this.store.put(p.entry);
      for (const e of relocated) this.store.put(e);
      for (const [key, position] of batch.seen) this.store.markSeen(key, position);
    });
  }
}

interface Pending {
  entry: KeyEntry;
  /** Where the row lived before this batch; it must be deleted from there. */
  original: KeyEntry | undefined;
}

/**
 * One batch's decisions for a silver table, taken in event order before anything is written: the
 * final state staged per key (`pending`), the changes it makes (`applied`), and what it skips.
 */
class StateBatch {
  readonly applied: AppliedChange[] = [];
  readonly quarantined: Quarantined[] = [];
  duplicates = 0;
  readonly pending = new Map<string, Pending>();
  /** Keys of flattened topics whose latest record in this batch was not applied: that record's position. */
  readonly seen = new Map<string, string>();
  /** Per source prefix, the latest truncate, committed before or in this batch. */
  readonly truncations: Record<string, string>;
  /** Whether this batch moved a truncate position (the table property must be updated). */
  truncated = false;
  private anyTruncation: boolean;
  /** The index entries of the batch's keys, fetched in one go. */
  private readonly stored: Map<string, KeyEntry | undefined>;

  constructor(
    private readonly table: string,
    private readonly store: ServingStore,
    private readonly keyColumns: readonly string[],
    events: readonly ChangeEvent[],
    truncations: Readonly<Record<string, string>>,
    readonly admission: SchemaAdmission,
  ) {
    this.truncations = { ...truncations };
    this.anyTruncation = Object.keys(truncations).length > 0;
    this.stored = store.getMany(events.filter((e) => e.op !== 't').map((e) => keyString(e, keyColumns)));
  }

  decide(ev: ChangeEvent): void {
    const position = silverPosition(ev.position);
    if (ev.op === 't') {
      this.truncate(ev, position);
      return;
    }
    const key = keyString(ev, this.keyColumns);
    const prev = this.lookup(key);
    if (this.isStale(ev, key, position, prev)) return;
    this.seen.delete(key);
    if (this.keyColumns.length === 0) this.decideKeyless(ev, key, position);
    else if (ev.op === 'd') this.delete(ev, key, position, prev);
    else this.upsert(ev, key, position, prev);
  }

  /**
   * A keyless table's event (not a redelivery: its own key is new). An insert or snapshot read
   * appends its row, and so does a flattened record that does not say which it is. An update or delete removes the row its before image names (the oldest, when
   * identical rows share the image), so it needs the full image REPLICA IDENTITY FULL gives; an
   * update then appends its after image. A delete leaves a tombstone under its own key, where a
   * redelivery finds it.
   */
  private decideKeyless(ev: ChangeEvent, key: string, position: string): void {
    if (ev.op === 'c' || ev.op === 'r' || ev.opUnknown) {
      this.upsert(ev, key, position, undefined);
      return;
    }
    const before = ev.before;
    if (!before || this.rowColumns(ev).some((c) => !(c in before))) {
      const what = ev.op === 'd' ? 'delete' : 'update';
      this.quarantined.push({
        event: ev,
        reason: `${what} on a keyless table without a full before image: set REPLICA IDENTITY FULL or pass --key ${this.table}=COLUMN[,COLUMN]`,
      });
      return;
    }
    const matched = this.liveKeys(contentPrefix(ev, before))
      .map((k) => k.key)
      .sort()[0];
    if (matched === undefined) {
      this.quarantined.push({
        event: ev,
        reason: `${ev.op === 'd' ? 'delete' : 'update'} on a keyless table matches no row: no live row has its before image`,
      });
      return;
    }
    const prev = this.lookup(matched)!;
    if (ev.op === 'u' && !this.upsert(ev, key, position, prev)) return;
    this.stage({ key: matched, file: null, row: null, position, deleted: true, image: null });
    if (ev.op !== 'd') return;
    this.stage({ key, file: null, row: null, position, deleted: true, image: null });
    this.applied.push({ table: this.table, op: 'd', key: ev.key, before: prev.image, after: null, position, tsMs: ev.tsMs });
  }

  /** A truncate deletes the live rows of its source older than it, and supersedes its older events. */
  private truncate(ev: ChangeEvent, position: string): void {
    const prefix = sourcePrefix(ev);
    if (!(this.truncations[prefix]! >= position)) {
      this.truncations[prefix] = position;
      this.truncated = this.anyTruncation = true;
    }
    for (const live of this.liveKeys(prefix)) {
      if (live.position >= position) continue;
      const prev = this.lookup(live.key)!;
      this.stage({ key: live.key, file: null, row: null, position, deleted: true, image: null });
      this.applied.push({ table: this.table, op: 'd', key: keyOf(prev.image, ev), before: prev.image, after: null, position, tsMs: ev.tsMs });
    }
  }

  /**
   * An event superseded by a truncate, not newer than its key's state, or a tombstone's delete with
   * nothing live to delete (it repeats a delete, delete.handling.mode=rewrite, or itself): a duplicate.
   */
  private isStale(ev: ChangeEvent, key: string, position: string, prev: KeyEntry | undefined): boolean {
    const superseded = this.anyTruncation && position < (this.truncations[sourcePrefix(ev)] ?? '');
    if (!superseded && !(prev && prev.position >= position) && !(ev.fromTombstone && (!prev || prev.deleted))) return false;
    this.duplicates++;
    if (ev.flattened) this.seen.set(key, position);
    return true;
  }

  /** A delete leaves a tombstone at its position; it is a change only when the key was live. */
  private delete(ev: ChangeEvent, key: string, position: string, prev: KeyEntry | undefined): void {
    this.stage({ key, file: null, row: null, position, deleted: true, image: null });
    if (prev && !prev.deleted) this.applied.push({ table: this.table, op: 'd', key: ev.key, before: prev.image, after: null, position, tsMs: ev.tsMs });
  }

  /** An insert or update stages the key's new image, once its columns fit the schema (false: they do not). */
  private upsert(ev: ChangeEvent, key: string, position: string, prev: KeyEntry | undefined): boolean {
    const refused = this.admission.admit(ev.columns);
    if (refused !== undefined) {
      this.quarantined.push({ event: ev, reason: refused });
      return false;
    }
    const image: Row = { ...ev.after };
    // An unchanged TOASTed column arrives as a placeholder: keep what we had.
    for (const col of ev.unavailable ?? []) image[col] = prev?.image?.[col] ?? null;
    Object.assign(image, metadataOf(ev, position));
    this.stage({ key, file: null, row: null, position, deleted: false, image });
    this.applied.push({
      table: this.table,
      op: ev.op,
      key: ev.key,
      before: prev?.deleted ? null : (prev?.image ?? null),
      after: image,
      position,
      tsMs: ev.tsMs,
    });
    return true;
  }

  /**
   * The columns a full image of the event's row has: its schema's; without one (its columns were
   * inferred from the images themselves), the table's source columns.
   */
  private rowColumns(ev: ChangeEvent): string[] {
    if (!ev.schemaless) return ev.columns.map((c) => c.name);
    return this.admission.schema.fields.map((f) => f.name).filter((n) => !isMetadataColumn(n));
  }

  private storedEntry(key: string): KeyEntry | undefined {
    return this.stored.has(key) ? this.stored.get(key) : this.store.get(key);
  }

  /** The key's state as of the events decided so far. */
  private lookup(key: string): KeyEntry | undefined {
    return this.pending.get(key)?.entry ?? this.storedEntry(key);
  }

  private stage(entry: KeyEntry): void {
    const prior = this.pending.get(entry.key);
    this.pending.set(entry.key, { entry, original: prior ? prior.original : this.storedEntry(entry.key) });
  }

  /** The live keys that start with `prefix` (a source's, or a keyless row's content) with their positions, from the index and this batch. */
  private liveKeys(prefix: string): { key: string; position: string }[] {
    const out = new Map(this.store.liveKeysWithPrefix(prefix).map((k) => [k.key, k]));
    for (const [key, p] of this.pending) {
      if (!key.startsWith(prefix)) continue;
      if (p.entry.deleted) out.delete(key);
      else out.set(key, { key, position: p.entry.position });
    }
    return [...out.values()];
  }
}

/** The rows a batch replaces (the keys' places before it), as data file -> row indexes. */
function replacedRows(staged: readonly Pending[]): Map<string, Set<number>> {
  const rows = new Map<string, Set<number>>();
  for (const { original: o } of staged) {
    if (!o || o.deleted || o.file === null || o.row === null) continue;
    let set = rows.get(o.file);
    if (!set) rows.set(o.file, (set = new Set()));
    set.add(o.row);
  }
  return rows;
}
