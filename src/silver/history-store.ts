/**
 * The SQLite side of a history table: one SQL table `history__<table>` holding every version of every
 * key (the same rows as the Delta table) with the data file and row index that hold it, so closing a
 * version marks exactly one row in a deletion vector. It is the history's index (all versions of the
 * keys a batch touches, in one query) and its serving copy (the view `<table>__history` SQL users
 * query). Derived data: rebuilt from the Delta table when missing or behind (tombstones excepted, as
 * silver's).
 */
import type { Database, Statement } from 'bun:sqlite';
import type { StructField, StructType } from '../delta/schema.ts';
import { addMissingColumns, codecOf, quote, type Codec, type Row } from './serving-store.ts';
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

export class HistoryStore {
  private readonly sqlName: string;
  private fields: StructField[] = [];
  private codecs: Codec[] = [];
  private versionsStmt!: Statement;
  private upsertStmt!: Statement;

  constructor(
    private readonly db: Database,
    /** The history table's name, `<silver table>__history`: also the SQL view's. */
    readonly table: string,
    schema: StructType,
  ) {
    this.sqlName = quote(`history__${table}`);
    db.run(
      `CREATE TABLE IF NOT EXISTS ${this.sqlName} (__key TEXT NOT NULL, __file TEXT, __row INTEGER, __tombstone INTEGER NOT NULL, "__source_position" TEXT NOT NULL, ` +
        `PRIMARY KEY (__key, "__source_position")) WITHOUT ROWID`,
    );
    this.setSchema(schema);
  }

  /** Adds SQL columns for new schema fields (schema evolution only ever adds). */
  setSchema(schema: StructType): void {
    addMissingColumns(this.db, this.sqlName, schema);
    this.fields = schema.fields;
    this.codecs = schema.fields.map((f) => codecOf(f.type));
    const cols = this.fields.map((f) => quote(f.name));
    this.versionsStmt = this.db.query(
      `SELECT __key, __file, __row, __tombstone, ${cols.join(', ')} FROM ${this.sqlName} WHERE __key IN (SELECT value FROM json_each(?)) ` +
        `AND ("__end_position" IS NULL OR "__end_position" >= ?) ORDER BY __key, "__source_position"`,
    );
    this.versionsStmt.safeIntegers(true);
    const all = ['__key', '__file', '__row', '__tombstone', ...cols];
    this.upsertStmt = this.db.query(
      `INSERT OR REPLACE INTO ${this.sqlName} (${all.join(', ')}) VALUES (${all.map(() => '?').join(', ')})`,
    );
    const view = quote(this.table);
    this.db.run(`DROP VIEW IF EXISTS ${view}`);
    this.db.run(`CREATE VIEW ${view} AS SELECT ${cols.join(', ')} FROM ${this.sqlName} WHERE __tombstone = 0`);
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

  /** Every version (tombstones aside), for a rewrite under a widened schema. */
  all(): KeyVersion[] {
    const stmt = this.db.query(`SELECT __key, __file, __row, __tombstone, ${this.fields.map((f) => quote(f.name)).join(', ')} FROM ${this.sqlName} WHERE __tombstone = 0`);
    stmt.safeIntegers(true);
    return (stmt.all() as Record<string, unknown>[]).map((r) => this.decode(r));
  }

  put(v: KeyVersion): void {
    const values: unknown[] = [v.key, v.file, v.row, v.tombstone ? 1 : 0];
    for (let i = 0; i < this.fields.length; i++) values.push(this.codecs[i]!.toSql(v.image[this.fields[i]!.name]));
    this.upsertStmt.run(...(values as never[]));
  }

  /** Versions for the API, by key then start. */
  rows(limit: number, offset: number): Row[] {
    const stmt = this.db.query(`SELECT ${this.fields.map((f) => quote(f.name)).join(', ')} FROM ${this.sqlName} WHERE __tombstone = 0 ORDER BY __key, "__source_position" LIMIT ? OFFSET ?`);
    stmt.safeIntegers(true);
    return (stmt.all(limit, offset) as Record<string, unknown>[]).map((r) => this.imageOf(r));
  }

  count(): number {
    return (this.db.query(`SELECT count(*) AS n FROM ${this.sqlName} WHERE __tombstone = 0`).get() as { n: number }).n;
  }

  clear(): void {
    this.db.run(`DELETE FROM ${this.sqlName}`);
  }

  private imageOf(r: Record<string, unknown>): Row {
    const image: Row = {};
    for (let i = 0; i < this.fields.length; i++) image[this.fields[i]!.name] = this.codecs[i]!.fromSql(r[this.fields[i]!.name]);
    return image;
  }

  private decode(r: Record<string, unknown>): KeyVersion {
    const v: KeyVersion = { key: r.__key as string, file: (r.__file as string | null) ?? null, row: r.__row == null ? null : Number(r.__row), image: this.imageOf(r) };
    if (Number(r.__tombstone) !== 0) v.tombstone = true;
    return v;
  }
}
