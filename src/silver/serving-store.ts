/**
 * The SQLite side of a silver table: one SQL table per silver table holding the current image of every
 * key, where it lives in the Delta table (data file and row index, for deletion vectors), the source
 * position last applied and a tombstone flag for deletes. It is three things at once:
 *   - the primary-key index that lets a micro-batch touch only the rows it changes;
 *   - the per-key ordering state (positions, delete tombstones, and the position of the key's latest
 *     record when that was not applied) that makes application exactly-once;
 *   - the serving copy the HTTP API and SQL queries read.
 * It is derived data: `rebuild` recreates it from the Delta table (tombstones excepted, see silver.ts).
 *
 * Values are stored in the canonical encoding (int64 as INTEGER, decimals and timestamps as text,
 * nested values as JSON text) so they come back out exactly as they went in.
 */
import type { Database, Statement } from 'bun:sqlite';
import { isArray, isMap, isStruct, type DataType, type StructField, type StructType } from '../delta/schema.ts';

export type Row = Record<string, unknown>;

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

export const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

type Affinity = 'INTEGER' | 'REAL' | 'TEXT';
export function affinityOf(t: DataType): Affinity {
  if (t === 'long' || t === 'integer' || t === 'short' || t === 'byte' || t === 'boolean') return 'INTEGER';
  if (t === 'float' || t === 'double') return 'REAL';
  return 'TEXT';
}

export type Codec = { toSql: (v: unknown) => unknown; fromSql: (v: unknown) => unknown };
const identity = (v: unknown) => v;
export function codecOf(t: DataType): Codec {
  if (t === 'long') return { toSql: (v) => (v == null ? null : BigInt(v as string)), fromSql: (v) => (v == null ? null : String(v)) };
  if (t === 'integer' || t === 'short' || t === 'byte') return { toSql: identity, fromSql: (v) => (v == null ? null : Number(v)) };
  if (t === 'boolean') return { toSql: (v) => (v == null ? null : v ? 1 : 0), fromSql: (v) => (v == null ? null : Number(v) !== 0) };
  if (t === 'float' || t === 'double') {
    return {
      toSql: (v) => (v == null ? null : typeof v === 'string' ? Number(v) : v),
      fromSql: (v) => (v == null ? null : Number.isFinite(v as number) ? v : String(v)),
    };
  }
  if (isStruct(t) || isArray(t) || isMap(t)) {
    return { toSql: (v) => (v == null ? null : JSON.stringify(v)), fromSql: (v) => (v == null ? null : JSON.parse(v as string)) };
  }
  return { toSql: identity, fromSql: identity };
}

/** Adds a SQL column (with the type's affinity) for every schema field the table lacks. */
export function addMissingColumns(db: Database, sqlName: string, schema: StructType): void {
  const existing = new Set((db.query(`PRAGMA table_info(${sqlName})`).all() as { name: string }[]).map((c) => c.name));
  for (const f of schema.fields) {
    if (!existing.has(f.name)) db.run(`ALTER TABLE ${sqlName} ADD COLUMN ${quote(f.name)} ${affinityOf(f.type)}`);
  }
}

export class ServingStore {
  private readonly sqlName: string;
  private fields: StructField[] = [];
  private codecs: Codec[] = [];
  private getStmt!: Statement;
  private getManyStmt!: Statement;
  private upsertStmt!: Statement;
  private seenStmt!: Statement;

  constructor(
    private readonly db: Database,
    readonly table: string,
    schema: StructType,
  ) {
    this.sqlName = quote(`silver__${table}`);
    db.run(
      `CREATE TABLE IF NOT EXISTS ${this.sqlName} (__key TEXT PRIMARY KEY, __file TEXT, __row INTEGER, __position TEXT NOT NULL, __deleted INTEGER NOT NULL DEFAULT 0, __seen TEXT, __deleted_at INTEGER)`,
    );
    // Stores made before __seen and __deleted_at existed get them (the data columns come before them
    // there, which is fine); their tombstones count as deleted now.
    const columns = (db.query(`PRAGMA table_info(${this.sqlName})`).all() as { name: string }[]).map((c) => c.name);
    if (!columns.includes('__seen')) db.run(`ALTER TABLE ${this.sqlName} ADD COLUMN __seen TEXT`);
    if (!columns.includes('__deleted_at')) {
      db.run(`ALTER TABLE ${this.sqlName} ADD COLUMN __deleted_at INTEGER`);
      db.query(`UPDATE ${this.sqlName} SET __deleted_at = ? WHERE __deleted = 1`).run(Date.now());
    }
    // Tombstones only: purging old ones reads this small index, not the table.
    db.run(`CREATE INDEX IF NOT EXISTS ${quote(`silver__${table}__tombstones`)} ON ${this.sqlName} (__deleted_at) WHERE __deleted = 1`);
    // No query looks rows up by file, and an index on it cost every upsert two more B-tree writes;
    // stores made before this change have one.
    db.run(`DROP INDEX IF EXISTS ${quote(`silver__${table}__file`)}`);
    this.setSchema(schema);
  }

  /** Adds SQL columns for new schema fields (schema evolution only ever adds). */
  setSchema(schema: StructType): void {
    addMissingColumns(this.db, this.sqlName, schema);
    this.fields = schema.fields;
    this.codecs = schema.fields.map((f) => codecOf(f.type));
    const cols = this.fields.map((f) => quote(f.name));
    this.getStmt = this.db.query(`SELECT __key, __file, __row, __position, __deleted, __seen, ${cols.join(', ')} FROM ${this.sqlName} WHERE __key = ?`);
    this.getStmt.safeIntegers(true);
    this.getManyStmt = this.db.query(
      `SELECT __key, __file, __row, __position, __deleted, __seen, ${cols.join(', ')} FROM ${this.sqlName} WHERE __key IN (SELECT value FROM json_each(?))`,
    );
    this.getManyStmt.safeIntegers(true);
    const all = ['__key', '__file', '__row', '__position', '__deleted', '__seen', '__deleted_at', ...cols];
    const set = all.slice(1).map((c) =>
      // A row that only moved (compaction, a rewritten file: same position) keeps what was seen of its key.
      c === '__seen' ? `__seen = CASE WHEN excluded.__position = __position THEN coalesce(excluded.__seen, __seen) ELSE excluded.__seen END` : `${c} = excluded.${c}`,
    );
    // An upsert updates the row in place; INSERT OR REPLACE would delete and re-insert it, touching
    // the primary key and the file index twice.
    this.upsertStmt = this.db.query(
      `INSERT INTO ${this.sqlName} (${all.join(', ')}) VALUES (${all.map(() => '?').join(', ')}) ON CONFLICT (__key) DO UPDATE SET ${set.join(', ')}`,
    );
    this.seenStmt = this.db.query(`UPDATE ${this.sqlName} SET __seen = ? WHERE __key = ?`);
    this.createView();
  }

  /** A view named after the table with only live rows and data columns: what SQL users query. */
  private createView(): void {
    const view = quote(this.table);
    this.db.run(`DROP VIEW IF EXISTS ${view}`);
    this.db.run(`CREATE VIEW ${view} AS SELECT ${this.fields.map((f) => quote(f.name)).join(', ')} FROM ${this.sqlName} WHERE __deleted = 0`);
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
    let image: Row | null = null;
    if (!deleted) {
      image = {};
      for (let i = 0; i < this.fields.length; i++) image[this.fields[i]!.name] = this.codecs[i]!.fromSql(r[this.fields[i]!.name]);
    }
    return {
      key: r.__key as string,
      file: (r.__file as string | null) ?? null,
      row: r.__row == null ? null : Number(r.__row),
      position: r.__position as string,
      ...(r.__seen == null ? {} : { seen: r.__seen as string }),
      deleted,
      image,
    };
  }

  put(entry: KeyEntry): void {
    const values: unknown[] = [entry.key, entry.file, entry.row, entry.position, entry.deleted ? 1 : 0, entry.seen ?? null, entry.deleted ? Date.now() : null];
    for (let i = 0; i < this.fields.length; i++) {
      values.push(entry.image ? this.codecs[i]!.toSql(entry.image[this.fields[i]!.name]) : null);
    }
    this.upsertStmt.run(...(values as never[]));
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
    return this.db.query(`DELETE FROM ${this.sqlName} WHERE __deleted = 1 AND __deleted_at < ?`).run(cutoffMs).changes;
  }

  /** Live keys whose key string starts with a source prefix (for truncates). */
  liveKeysWithPrefix(prefix: string): { key: string; position: string }[] {
    return this.db
      .query(`SELECT __key AS key, __position AS position FROM ${this.sqlName} WHERE __deleted = 0 AND substr(__key, 1, ?) = ?`)
      .all(prefix.length, prefix) as { key: string; position: string }[];
  }

  /** Live rows for the API, in key order. */
  rows(limit: number, offset: number): Row[] {
    const stmt = this.db.query(`SELECT ${this.fields.map((f) => quote(f.name)).join(', ')} FROM ${this.sqlName} WHERE __deleted = 0 ORDER BY __key LIMIT ? OFFSET ?`);
    stmt.safeIntegers(true);
    return (stmt.all(limit, offset) as Record<string, unknown>[]).map((r) => {
      const out: Row = {};
      for (let i = 0; i < this.fields.length; i++) out[this.fields[i]!.name] = this.codecs[i]!.fromSql(r[this.fields[i]!.name]);
      return out;
    });
  }

  count(): number {
    return (this.db.query(`SELECT count(*) AS n FROM ${this.sqlName} WHERE __deleted = 0`).get() as { n: number }).n;
  }

  /** Forgets every entry, before a rebuild from the Delta table. */
  clear(): void {
    this.db.run(`DELETE FROM ${this.sqlName}`);
  }
}
