/**
 * The index store of a history table (index-store.ts) under the SCD type 2 policy: every version of
 * every key (the same rows as the Delta table), so closing a version marks exactly one row in a
 * deletion vector, and all versions of the keys a batch touches come in one query. Delete tombstones
 * live here only, as silver's do.
 */
import type { Database, Statement } from 'bun:sqlite';
import type { StructType } from '../delta/schema.ts';
import { IndexStore, type Row } from './index-store.ts';
import { createScd2Table } from './store-schema.ts';
import type { Located } from './file-rows.ts';

/**
 * One version of one key; its start and end positions are the image's `__source_position` and
 * `__end_position`. A tombstone is a delete that found no version in force (the key's insert has not
 * arrived yet): it lives in the index only, with the delete's position and time as its start, so a
 * late insert before it ends there.
 */
export interface KeyVersion extends Located {
  key: string;
  image: Row;
  tombstone?: boolean;
}

export const startOf = (v: KeyVersion) => v.image.__source_position as string;
export const endOf = (v: KeyVersion) => (v.image.__end_position as string | null) ?? null;

export class Scd2Store extends IndexStore<KeyVersion> {
  private versionsStmt!: Statement;
  private upsertStmt!: Statement;

  /** `table` is the history table's name, `<silver table>__history`. */
  constructor(db: Database, table: string, schema: StructType) {
    super(db, table, createScd2Table(db, table, schema), { live: '__tombstone = 0', order: '__key, "__source_position"' });
    this.setSchema(schema);
  }

  protected prepare(cols: readonly string[]): void {
    this.versionsStmt = this.db.query(
      `SELECT __key, __file, __row, __tombstone, ${cols.join(', ')} FROM ${this.sqlName} WHERE __key IN (SELECT value FROM json_each(?)) ` +
        `AND ("__end_position" IS NULL OR "__end_position" >= ?) ORDER BY __key, "__source_position"`,
    );
    this.versionsStmt.safeIntegers(true);
    const all = ['__key', '__file', '__row', '__tombstone', ...cols];
    this.upsertStmt = this.db.query(`INSERT OR REPLACE INTO ${this.sqlName} (${all.join(', ')}) VALUES (${all.map(() => '?').join(', ')})`);
  }

  /**
   * The versions of each of `keys` that had not ended before `from` (tombstones included), oldest
   * first; a key never seen maps to an empty list. Versions that ended earlier cannot matter to events
   * at or after `from`, so a batch loads what is open, not a hot key's whole past.
   */
  versionsOf(keys: Iterable<string>, from: string): Map<string, KeyVersion[]> {
    const out = new Map<string, KeyVersion[]>();
    for (const k of keys) out.set(k, []);
    const all = [...out.keys()];
    for (let i = 0; i < all.length; i += 1000) {
      for (const r of this.versionsStmt.all(JSON.stringify(all.slice(i, i + 1000)), from) as Record<string, unknown>[]) {
        const v = this.decode(r);
        out.get(v.key)!.push(v);
      }
    }
    return out;
  }

  /** Keys of one source (key prefix) with a version in force at `position` (for truncates). */
  keysInForceAt(prefix: string, position: string): string[] {
    const rows = this.db
      .query(
        `SELECT DISTINCT __key AS key FROM ${this.sqlName} WHERE __tombstone = 0 AND substr(__key, 1, ?) = ? AND "__source_position" < ? ` +
          `AND ("__end_position" IS NULL OR "__end_position" > ?)`,
      )
      .all(prefix.length, prefix, position, position) as { key: string }[];
    return rows.map((r) => r.key);
  }

  put(v: KeyVersion): void {
    this.upsertStmt.run(...(this.appendValues([v.key, v.file, v.row, v.tombstone ? 1 : 0], v.image) as never[]));
  }

  private decode(r: Record<string, unknown>): KeyVersion {
    const v: KeyVersion = {
      key: r.__key as string,
      file: (r.__file as string | null) ?? null,
      row: r.__row == null ? null : Number(r.__row),
      image: this.imageOf(r),
    };
    if (Number(r.__tombstone) !== 0) v.tombstone = true;
    return v;
  }
}
