/**
 * The index store of a silver table (index-store.ts) under the current-state policy: one row per key
 * holding its current image, where it lives in the Delta table, the source position last applied and
 * a tombstone flag for deletes. Besides the key index and serving copy every index store is, it is the
 * per-key ordering state (positions, delete tombstones, and the position of the key's latest record
 * when that was not applied) that makes application exactly-once. Tombstones are not in the Delta
 * table, so a rebuild from it loses them (see docs/design.md).
 */
import type { Database, Statement } from 'bun:sqlite';
import type { StructType } from '../delta/schema.ts';
import { IndexStore, type Row } from './index-store.ts';
import { createServingTable, tombstoneIndex } from './store-schema.ts';

export type { Row } from './index-store.ts';

export interface KeyEntry {
  key: string;
  file: string | null;
  row: number | null;
  position: string;
  /**
   * The position of the key's latest record in stream order, when that record was not applied (a
   * redelivery of an older one): where a tombstone after it belongs (topic-sources.ts). Flattened
   * topics only; undefined means `position`.
   */
  seen?: string;
  deleted: boolean;
  image: Row | null;
}

export class ServingStore extends IndexStore<KeyEntry> {
  private getStmt!: Statement;
  private getManyStmt!: Statement;
  private upsertStmt!: Statement;
  private seenStmt!: Statement;
  private readonly tombstones: ReturnType<typeof tombstoneIndex>;
  /** Whether the tombstone index exists: made with the first tombstone (store-schema.ts). */
  private tombstonesIndexed: boolean;

  constructor(db: Database, table: string, schema: StructType) {
    super(db, table, createServingTable(db, table, schema), { live: '__deleted = 0', order: '__key' });
    this.setSchema(schema);
    this.tombstones = tombstoneIndex(db, table);
    this.tombstonesIndexed = this.tombstones.exists();
  }

  protected prepare(cols: readonly string[]): void {
    this.getStmt = this.db.query(`SELECT __key, __file, __row, __position, __deleted, __seen, ${cols.join(', ')} FROM ${this.sqlName} WHERE __key = ?`);
    this.getStmt.safeIntegers(true);
    this.getManyStmt = this.db.query(
      `SELECT __key, __file, __row, __position, __deleted, __seen, ${cols.join(', ')} FROM ${this.sqlName} WHERE __key IN (SELECT value FROM json_each(?))`,
    );
    this.getManyStmt.safeIntegers(true);
    const all = ['__key', '__file', '__row', '__position', '__deleted', '__seen', '__deleted_at', ...cols];
    const set = all.slice(1).map((c) =>
      // A row that only moved (compaction, a rewritten file: same position) keeps what was seen of its key.
      c === '__seen'
        ? `__seen = CASE WHEN excluded.__position = __position THEN coalesce(excluded.__seen, __seen) ELSE excluded.__seen END`
        : `${c} = excluded.${c}`,
    );
    // An upsert updates the row in place; INSERT OR REPLACE would delete and re-insert it, touching
    // the primary key and the file index twice.
    this.upsertStmt = this.db.query(
      `INSERT INTO ${this.sqlName} (${all.join(', ')}) VALUES (${all.map(() => '?').join(', ')}) ON CONFLICT (__key) DO UPDATE SET ${set.join(', ')}`,
    );
    this.seenStmt = this.db.query(`UPDATE ${this.sqlName} SET __seen = ? WHERE __key = ?`);
  }

  get(key: string): KeyEntry | undefined {
    const r = this.getStmt.get(key) as Record<string, unknown> | null;
    return r ? this.decode(r) : undefined;
  }

  /**
   * The entries of many keys, one query per 1,000 keys, so a batch's lookups are not one round trip
   * each. Every requested key is in the result; undefined means the key was never seen.
   */
  getMany(keys: Iterable<string>): Map<string, KeyEntry | undefined> {
    const out = new Map<string, KeyEntry | undefined>();
    for (const k of keys) out.set(k, undefined);
    const all = [...out.keys()];
    for (let i = 0; i < all.length; i += 1000) {
      for (const r of this.getManyStmt.all(JSON.stringify(all.slice(i, i + 1000))) as Record<string, unknown>[]) {
        const e = this.decode(r);
        out.set(e.key, e);
      }
    }
    return out;
  }

  private decode(r: Record<string, unknown>): KeyEntry {
    const deleted = Number(r.__deleted) !== 0;
    return {
      key: r.__key as string,
      file: (r.__file as string | null) ?? null,
      row: r.__row == null ? null : Number(r.__row),
      position: r.__position as string,
      ...(r.__seen == null ? {} : { seen: r.__seen as string }),
      deleted,
      image: deleted ? null : this.imageOf(r),
    };
  }

  put(entry: KeyEntry): void {
    if (entry.deleted && !this.tombstonesIndexed) {
      this.tombstones.create();
      this.tombstonesIndexed = true;
    }
    const values = [entry.key, entry.file, entry.row, entry.position, entry.deleted ? 1 : 0, entry.seen ?? null, entry.deleted ? Date.now() : null];
    this.upsertStmt.run(...(this.appendValues(values, entry.image) as never[]));
  }

  /** Records the position of a key's latest record, which was not applied (see KeyEntry.seen). */
  markSeen(key: string, position: string): void {
    this.seenStmt.run(position, key);
  }

  /**
   * Forgets delete tombstones stored before `cutoffMs` (epoch ms). A redelivery older than a forgotten
   * delete would then bring its row back, so the retention must outlast any redelivery window.
   */
  purgeTombstones(cutoffMs: number): number {
    if (!this.tombstonesIndexed) return 0;
    return this.db.query(`DELETE FROM ${this.sqlName} WHERE __deleted = 1 AND __deleted_at < ?`).run(cutoffMs).changes;
  }

  /**
   * Live keys whose key string starts with `prefix` (a source's, for truncates; a keyless row's content,
   * for its updates and deletes; each is followed by an ASCII character): a range of the key index, so
   * a lookup does not scan the table.
   */
  liveKeysWithPrefix(prefix: string): { key: string; position: string }[] {
    return this.db
      .query(`SELECT __key AS key, __position AS position FROM ${this.sqlName} WHERE __key >= ?1 AND __key < ?1 || char(1114111) AND __deleted = 0`)
      .all(prefix) as { key: string; position: string }[];
  }
}
