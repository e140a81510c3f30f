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
 * It is an indexed table (indexed-table.ts) under this policy: its index (scd2-store.ts) holds every
 * version with its data file and row; a batch (VersionBatch) writes its new and closed versions as one
 * file and marks the closed versions' old rows in deletion vectors. Its commits carry
 * `txn(lakehouse-history, bronze version)`, independent of silver's, so a crash between the two commits
 * is repaired by replaying bronze: each table skips the bronze versions it already holds.
 */
import type { Database } from 'bun:sqlite';
import type { Storage } from '../storage/storage.ts';
import { field, formatTimestamp, type StructField } from '../delta/index.ts';
import type { ChangeEvent } from '../cdc/index.ts';
import type { SilverTable } from './silver-table.ts';
import { SchemaAdmission } from './schema-evolution.ts';
import { Scd2Store, endOf, startOf, type KeyVersion } from './scd2-store.ts';
import { readLiveRows, type Located } from './file-rows.ts';
import type { Row } from './index-store.ts';
import { IndexedTable } from './indexed-table.ts';
import { KEY_PROPERTY, imageKey, keyColumnsProperty, keyString, sourcePrefix } from './keys.ts';
import { metadataOf, silverPosition } from './metadata-columns.ts';

export const HISTORY_APP_ID = 'lakehouse-history';
/** A silver table's history is the silver table `<table>__history`; silver table names may not end so. */
export const HISTORY_SUFFIX = '__history';

/** The columns a history row adds to its silver row. */
export const historyFields: StructField[] = [field('__start_at', 'timestamp'), field('__end_at', 'timestamp'), field('__end_position', 'string')];

const timestampOf = (tsMs: number) => formatTimestamp(BigInt(tsMs) * 1000n);

export class Scd2Table extends IndexedTable<KeyVersion, Scd2Store> {
  /**
   * Opens the history of `silver`, creating it when missing. A new history of a silver table that
   * already holds rows starts from them: one current version per row, beginning at the row's own
   * source time, the commit recording silver's bronze version, so it goes on exactly where silver is.
   */
  static async open(storage: Storage, db: Database, silver: SilverTable): Promise<Scd2Table> {
    const silverSnap = silver.snapshot;
    const keyColumns = silverSnap.tableProperties[KEY_PROPERTY];
    const name = silver.name + HISTORY_SUFFIX;
    const { table, versions } = await IndexedTable.openDelta(storage, db, {
      name,
      fields: [...silverSnap.schema.fields, ...historyFields],
      // Closed versions are marked in deletion vectors whatever silver's write mode.
      properties: { 'delta.enableDeletionVectors': 'true' },
      extraProperties: keyColumns !== undefined ? { [KEY_PROPERTY]: keyColumns } : {},
      kind: 'history',
    });
    const store = db.transaction(() => new Scd2Store(db, name, table.snapshot().schema))();
    const history = new Scd2Table(name, table, store, db, versions, HISTORY_APP_ID);
    await history.repair();
    if (history.bronzeVersion === undefined && silver.bronzeVersion !== undefined) await history.seed(silver);
    return history;
  }

  protected entryAt(key: string, file: string, row: number, image: Row): KeyVersion {
    return { key, file, row, image };
  }

  /** Records one bronze version's events for this table (those routed to its silver table); a version at or below the watermark is a no-op. */
  async apply(events: readonly ChangeEvent[], bronzeVersion: number): Promise<number | undefined> {
    if (this.holds(bronzeVersion)) return undefined;
    let keyColumns = this.keyColumns;
    let newKeyColumns: string[] | undefined;
    // A keyless table's history records its key mode once too (keys.ts: no key columns).
    if (this.keyMode === undefined) {
      const first = events.find((e) => e.op !== 't' && !e.keyless) ?? events.find((e) => e.op !== 't');
      if (first) keyColumns = newKeyColumns = [...first.keyColumns];
    }
    const positions = events.map((e) => silverPosition(e.position));
    const earliest = positions.reduce((a, b) => (b < a ? b : a), positions[0] ?? '');
    const batch = new VersionBatch(
      this.store,
      events.filter((e) => e.op !== 't').map((e) => keyString(e, keyColumns)),
      earliest,
    );
    // An event silver quarantines is left out here too.
    const admission = new SchemaAdmission(this.snapshot.schema, this.name);
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
      if (ev.op === 'd') batch.close(key, position, at, true);
      else if (admission.admit(ev.columns) === undefined) batch.open(key, position, at, ev);
    }

    const txn = this.table.transaction({ operation: 'MERGE', operationParameters: { bronzeVersion, versions: batch.changed.size } });
    this.updateMetadata(txn, admission.schema, newKeyColumns && keyColumnsProperty(newKeyColumns));
    const written = [...batch.changed];
    await this.writeEntries(txn, written);
    const relocated = await this.replaceRows(txn, byFile(batch.replaced), admission.widened ? 'rewrite-all' : 'deletion-vectors');
    return this.commit(txn, bronzeVersion, () => {
      for (const v of [...written, ...relocated, ...batch.tombstones]) this.store.put(v);
    });
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
    await this.writeEntries(txn, versions);
    await this.commit(txn, silver.bronzeVersion!, () => {
      for (const v of versions) this.store.put(v);
    });
  }
}

/** Row locations as data file -> row indexes. */
function byFile(locations: readonly Located[]): Map<string, Set<number>> {
  const rows = new Map<string, Set<number>>();
  for (const { file, row } of locations) {
    let set = rows.get(file!);
    if (!set) rows.set(file!, (set = new Set()));
    set.add(row!);
  }
  return rows;
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
    private readonly store: Scd2Store,
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
