/**
 * Every SQLite object silver keeps in lakehouse.db, named and created here only, all in the state
 * store's private namespace (src/state) but the views users query: the key index and serving copy of
 * each silver table (`lh:silver:<t>`, view `silver.<t>`), the version index of each history
 * (`lh:history:<t>__history`, view `silver.<t>__history`), the Delta version each of them reflects
 * (`lh:silver_state`, `lh:history_state`), the key spelling they were written with
 * (`lh:silver_key_format`) and what silver knows of each topic (`lh:silver_topics`). The stores read
 * and write their rows; creating and naming the objects happens in this file (migrating older files,
 * in src/state/schema.ts).
 */
import type { Database } from 'bun:sqlite';
import type { DataType, StructType } from '../delta/schema.ts';
import { INTERNAL_PREFIX, internal, publishView, publishedViewName, quote } from '../state/index.ts';

export { quote };

/** The SQLite table holding silver table `table`'s key index and serving copy, behind the view `table`. */
export const servingTableName = (table: string) => `${INTERNAL_PREFIX}silver:${table}`;

/** A column's declared SQLite type: its affinity, and BIGINT (INTEGER affinity) for a Delta long, so SQL answers spell longs as the canonical encoding does (api/sql-worker.ts). */
type Affinity = 'BIGINT' | 'INTEGER' | 'REAL' | 'TEXT';
export function affinityOf(t: DataType): Affinity {
  if (t === 'long') return 'BIGINT';
  if (t === 'integer' || t === 'short' || t === 'byte' || t === 'boolean') return 'INTEGER';
  if (t === 'float' || t === 'double') return 'REAL';
  return 'TEXT';
}

/**
 * The data columns of `schema` as SQL column definitions: a new store is created with them, since
 * adding them one by one (ALTER TABLE) has SQLite check the whole schema, every table's, each time.
 */
const dataColumns = (schema: StructType) => schema.fields.map((f) => `, ${quote(f.name)} ${affinityOf(f.type)}`).join('');

/** Creates (or migrates) the key index of silver table `table`, with `schema`'s columns; returns its quoted SQL name. */
export function createServingTable(db: Database, table: string, schema: StructType): string {
  const sqlName = quote(servingTableName(table));
  db.run(
    `CREATE TABLE IF NOT EXISTS ${sqlName} (__key TEXT PRIMARY KEY, __file TEXT, __row INTEGER, __position TEXT NOT NULL, __deleted INTEGER NOT NULL DEFAULT 0, __seen TEXT, __deleted_at INTEGER${dataColumns(schema)})`,
  );
  // Stores made before __seen and __deleted_at existed get them (the data columns come before them
  // there, which is fine); their tombstones count as deleted now.
  const columns = (db.query(`PRAGMA table_info(${sqlName})`).all() as { name: string }[]).map((c) => c.name);
  if (!columns.includes('__seen')) db.run(`ALTER TABLE ${sqlName} ADD COLUMN __seen TEXT`);
  if (!columns.includes('__deleted_at')) {
    db.run(`ALTER TABLE ${sqlName} ADD COLUMN __deleted_at INTEGER`);
    db.query(`UPDATE ${sqlName} SET __deleted_at = ? WHERE __deleted = 1`).run(Date.now());
  }
  return sqlName;
}

/**
 * The index of silver table `table`'s delete tombstones: purging old ones reads this small index, not
 * the table. Made with the first tombstone (every DDL statement costs SQLite a scan of the whole
 * schema, and most tables of a source with thousands never see a delete); without it there is nothing
 * to purge.
 */
export function tombstoneIndex(db: Database, table: string): { exists(): boolean; create(): void } {
  const name = internal(`silver:${table}:tombstones`);
  const sqlName = quote(servingTableName(table));
  return {
    // From SQLite's in-memory schema, not a scan of it.
    exists: () => (db.query(`PRAGMA index_list(${sqlName})`).all() as { name: string }[]).some((i) => quote(i.name) === name),
    create: () => db.run(`CREATE INDEX IF NOT EXISTS ${name} ON ${sqlName} (__deleted_at) WHERE __deleted = 1`),
  };
}

/** Creates the version index of history table `table` (`<silver table>__history`), with `schema`'s columns; returns its quoted SQL name. */
export function createScd2Table(db: Database, table: string, schema: StructType): string {
  const sqlName = internal(`history:${table}`);
  const data = dataColumns({ ...schema, fields: schema.fields.filter((f) => f.name !== '__source_position') });
  db.run(
    `CREATE TABLE IF NOT EXISTS ${sqlName} (__key TEXT NOT NULL, __file TEXT, __row INTEGER, __tombstone INTEGER NOT NULL, "__source_position" TEXT NOT NULL${data}, ` +
      `PRIMARY KEY (__key, "__source_position")) WITHOUT ROWID`,
  );
  return sqlName;
}

/** Adds a SQL column (with the type's affinity) for every schema field the table lacks. */
export function addMissingColumns(db: Database, sqlName: string, schema: StructType): void {
  const existing = new Set((db.query(`PRAGMA table_info(${sqlName})`).all() as { name: string }[]).map((c) => c.name));
  for (const f of schema.fields) {
    if (!existing.has(f.name)) db.run(`ALTER TABLE ${sqlName} ADD COLUMN ${quote(f.name)} ${affinityOf(f.type)}`);
  }
}

/**
 * (Re)publishes the view SQL users query a table by (`silver.<table>`): `columns` (quoted) of the rows
 * `where` holds. A view that shows those columns already is kept: each DDL statement costs SQLite a
 * scan of the whole schema, which with thousands of tables made opening them slow.
 */
export function replaceView(db: Database, table: string, sqlName: string, columns: readonly string[], where: string): void {
  const shown = (db.query(`PRAGMA table_info(${quote(publishedViewName('silver', table))})`).all() as { name: string }[]).map((c) => quote(c.name));
  if (shown.length === columns.length && shown.every((c, i) => c === columns[i])) return;
  publishView(db, 'silver', table, `SELECT ${columns.join(', ')} FROM ${sqlName} WHERE ${where}`);
}

/** Which record of store versions a table's index keeps its version in: silver's or the histories'. */
export type StoreKind = 'silver' | 'history';
const stateTables: Record<StoreKind, string> = { silver: internal('silver_state'), history: internal('history_state') };

/** The Delta version each index of one kind reflects (behind its table: rebuilt on open). */
export class StoreVersions {
  private readonly state: string;

  constructor(
    private readonly db: Database,
    kind: StoreKind,
  ) {
    this.state = stateTables[kind];
    db.run(`CREATE TABLE IF NOT EXISTS ${this.state} (name TEXT PRIMARY KEY, delta_version INTEGER NOT NULL)`);
  }

  get(name: string): number | undefined {
    const row = this.db.query(`SELECT delta_version FROM ${this.state} WHERE name = ?`).get(name) as { delta_version: number } | null;
    return row?.delta_version;
  }

  record(name: string, version: number): void {
    this.db.query(`INSERT OR REPLACE INTO ${this.state} (name, delta_version) VALUES (?, ?)`).run(name, version);
  }

  /** Marks `name`'s index as behind its table, so the next open rebuilds it. */
  forget(name: string): void {
    this.db.run(`DELETE FROM ${this.state} WHERE name = ?`, [name]);
  }
}

/**
 * Key indexes written with another key spelling would not find their keys: marking every store as
 * behind its table makes each rebuild from its Delta table on open (delete tombstones are not in the
 * tables, so they are lost, as when lakehouse.db is deleted).
 */
export function forgetStoresOfOtherKeyFormat(db: Database, format: number): void {
  const keyFormat = internal('silver_key_format');
  db.run(`CREATE TABLE IF NOT EXISTS ${keyFormat} (version INTEGER NOT NULL)`);
  const row = db.query(`SELECT version FROM ${keyFormat}`).get() as { version: number } | null;
  if (row?.version === format) return;
  db.transaction(() => {
    for (const state of Object.values(stateTables)) {
      db.run(`CREATE TABLE IF NOT EXISTS ${state} (name TEXT PRIMARY KEY, delta_version INTEGER NOT NULL)`);
      db.run(`DELETE FROM ${state}`);
    }
    db.run(`DELETE FROM ${keyFormat}`);
    db.query(`INSERT INTO ${keyFormat} (version) VALUES (?)`).run(format);
  })();
}

/** The record of each topic's format and source (topic-sources.ts); returns its quoted SQL name. */
export function createTopicsTable(db: Database): string {
  const sqlName = internal('silver_topics');
  db.run(`CREATE TABLE IF NOT EXISTS ${sqlName} (topic TEXT PRIMARY KEY, flattened INTEGER NOT NULL, source TEXT)`);
  return sqlName;
}
