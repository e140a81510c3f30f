/**
 * Every SQLite object silver keeps in lakehouse.db, named and created here only: the key index and
 * serving copy of each silver table (`silver__<t>`, view `<t>`), the version index of each history
 * (`history__<t>__history`, view `<t>__history`), the Delta version each of them reflects
 * (`silver_state`, `history_state`), the key spelling they were written with (`silver_key_format`) and
 * what silver knows of each topic (`silver_topics`). The stores read and write their rows; creating,
 * migrating and naming the objects happens in this file.
 */
import type { Database } from 'bun:sqlite';
import type { DataType, StructType } from '../delta/schema.ts';

export const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

type Affinity = 'INTEGER' | 'REAL' | 'TEXT';
export function affinityOf(t: DataType): Affinity {
  if (t === 'long' || t === 'integer' || t === 'short' || t === 'byte' || t === 'boolean') return 'INTEGER';
  if (t === 'float' || t === 'double') return 'REAL';
  return 'TEXT';
}

/** Creates (or migrates) the key index of silver table `table`; returns its quoted SQL name. */
export function createServingTable(db: Database, table: string): string {
  const sqlName = quote(`silver__${table}`);
  db.run(
    `CREATE TABLE IF NOT EXISTS ${sqlName} (__key TEXT PRIMARY KEY, __file TEXT, __row INTEGER, __position TEXT NOT NULL, __deleted INTEGER NOT NULL DEFAULT 0, __seen TEXT, __deleted_at INTEGER)`,
  );
  // Stores made before __seen and __deleted_at existed get them (the data columns come before them
  // there, which is fine); their tombstones count as deleted now.
  const columns = (db.query(`PRAGMA table_info(${sqlName})`).all() as { name: string }[]).map((c) => c.name);
  if (!columns.includes('__seen')) db.run(`ALTER TABLE ${sqlName} ADD COLUMN __seen TEXT`);
  if (!columns.includes('__deleted_at')) {
    db.run(`ALTER TABLE ${sqlName} ADD COLUMN __deleted_at INTEGER`);
    db.query(`UPDATE ${sqlName} SET __deleted_at = ? WHERE __deleted = 1`).run(Date.now());
  }
  // Tombstones only: purging old ones reads this small index, not the table.
  db.run(`CREATE INDEX IF NOT EXISTS ${quote(`silver__${table}__tombstones`)} ON ${sqlName} (__deleted_at) WHERE __deleted = 1`);
  // No query looks rows up by file, and an index on it cost every upsert two more B-tree writes;
  // stores made before this change have one.
  db.run(`DROP INDEX IF EXISTS ${quote(`silver__${table}__file`)}`);
  return sqlName;
}

/** Creates the version index of history table `table` (`<silver table>__history`); returns its quoted SQL name. */
export function createScd2Table(db: Database, table: string): string {
  const sqlName = quote(`history__${table}`);
  db.run(
    `CREATE TABLE IF NOT EXISTS ${sqlName} (__key TEXT NOT NULL, __file TEXT, __row INTEGER, __tombstone INTEGER NOT NULL, "__source_position" TEXT NOT NULL, ` +
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

/** (Re)creates the view named after a table that SQL users query: `columns` of the rows `where` holds. */
export function replaceView(db: Database, table: string, sqlName: string, columns: readonly string[], where: string): void {
  const view = quote(table);
  db.run(`DROP VIEW IF EXISTS ${view}`);
  db.run(`CREATE VIEW ${view} AS SELECT ${columns.join(', ')} FROM ${sqlName} WHERE ${where}`);
}

/** Which record of store versions a table's index keeps its version in: silver's or the histories'. */
export type StoreKind = 'silver' | 'history';
const stateTables: Record<StoreKind, string> = { silver: 'silver_state', history: 'history_state' };

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
  db.run('CREATE TABLE IF NOT EXISTS silver_key_format (version INTEGER NOT NULL)');
  const row = db.query('SELECT version FROM silver_key_format').get() as { version: number } | null;
  if (row?.version === format) return;
  db.transaction(() => {
    for (const state of Object.values(stateTables)) {
      if (db.query('SELECT 1 FROM sqlite_master WHERE name = ?').get(state)) db.run(`DELETE FROM ${state}`);
    }
    db.run('DELETE FROM silver_key_format');
    db.query('INSERT INTO silver_key_format (version) VALUES (?)').run(format);
  })();
}

/** The record of each topic's format and source (topic-sources.ts); returns its quoted SQL name. */
export function createTopicsTable(db: Database): string {
  db.run('CREATE TABLE IF NOT EXISTS silver_topics (topic TEXT PRIMARY KEY, flattened INTEGER NOT NULL, source TEXT)');
  return 'silver_topics';
}
