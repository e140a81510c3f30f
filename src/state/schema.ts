/**
 * lakehouse.db's fixed schema and its migrations, in one place. Per-table objects (silver's serving
 * tables, gold's result tables) are created by their owners under names from names.ts.
 *
 * `PRAGMA user_version` is the number of migrations applied; each migration runs once, in its own
 * transaction, when a writer opens the file.
 */
import type { Database } from 'bun:sqlite';
import { internal, quote } from './names.ts';

/** The internal tables every module shares, by role. */
export const STATE_TABLES = {
  /** name -> integer: the pipeline's progress marks (`bronze_processed`, `gold_unpublished`). */
  marks: internal('pipeline_state'),
  /** name -> text: facts readers need (`tables`: where the Delta tables live). */
  meta: internal('pipeline_meta'),
  /** Gold tables computed whole at least once. */
  goldState: internal('gold_state'),
  /** The live change feed (src/pipeline/change-feed.ts). */
  changeBatches: internal('change_batches'),
  /** Applied changes counted per bronze version, table and minute (src/gold/change-ledger.ts). */
  changeLedger: internal('change_ledger'),
} as const;

const CREATE = [
  `CREATE TABLE IF NOT EXISTS ${STATE_TABLES.marks} (name TEXT PRIMARY KEY, value INTEGER NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS ${STATE_TABLES.meta} (name TEXT PRIMARY KEY, value TEXT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS ${STATE_TABLES.goldState} (name TEXT PRIMARY KEY)`,
  `CREATE TABLE IF NOT EXISTS ${STATE_TABLES.changeBatches} (first_id INTEGER PRIMARY KEY, last_id INTEGER NOT NULL, tbl TEXT NOT NULL, changes TEXT NOT NULL)`,
  `CREATE INDEX IF NOT EXISTS ${internal('change_batches_last_id')} ON ${STATE_TABLES.changeBatches} (last_id)`,
  `CREATE TABLE IF NOT EXISTS ${STATE_TABLES.changeLedger} (
     bronze_version INTEGER NOT NULL, table_name TEXT NOT NULL, minute TEXT,
     inserts INTEGER NOT NULL, updates INTEGER NOT NULL, deletes INTEGER NOT NULL,
     PRIMARY KEY (bronze_version, table_name, minute))`,
];

const tableExists = (db: Database, name: string) => db.query(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`).get(name) !== null;

/** Renames a table of an older layout into the namespace, when it is there and the new one is not. */
function renameLegacy(db: Database, legacy: string, name: string): void {
  if (tableExists(db, legacy) && !tableExists(db, `lh:${name}`)) db.run(`ALTER TABLE ${quote(legacy)} RENAME TO ${internal(name)}`);
}

/** Migration i brings a file at user_version i to i + 1. */
const MIGRATIONS: readonly ((db: Database) => void)[] = [
  // 1: internal tables move into the lh: namespace, so a source table may be named like any of them.
  (db) => {
    for (const name of ['pipeline_state', 'pipeline_meta', 'change_batches', 'change_ledger']) renameLegacy(db, name, name);
    // The feed written one row per change, before change_batches: its changes are not kept, its last id
    // stays taken (an empty batch holding it), so a client resuming from it misses nothing new.
    if (tableExists(db, 'changes')) {
      const last = (db.query('SELECT max(id) AS id FROM changes').get() as { id: number | null }).id;
      db.run('DROP TABLE changes');
      db.run(CREATE[3]!);
      if (last !== null)
        db.query(`INSERT OR IGNORE INTO ${STATE_TABLES.changeBatches} (first_id, last_id, tbl, changes) VALUES (?, ?, '', '[]')`).run(last, last);
    }
    db.run('DROP INDEX IF EXISTS change_batches_last_id');
    // Gold's result tables are computed again from silver and the ledger (their new tables are typed).
    for (const { name } of db.query(`SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'gold\\_idx\\_\\_%' ESCAPE '\\'`).all() as {
      name: string;
    }[]) {
      db.run(`DROP INDEX "${name}"`);
    }
    for (const { name } of db.query(`SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'gold\\_\\_%' ESCAPE '\\'`).all() as {
      name: string;
    }[]) {
      // The view over it goes too (a view over a missing table would fail every later rename); gold
      // makes both again when it opens.
      const view = name.slice('gold__'.length);
      if (db.query(`SELECT 1 FROM sqlite_master WHERE type = 'view' AND name = ?`).get(view)) db.run(`DROP VIEW ${quote(view)}`);
      db.run(`DROP TABLE ${quote(name)}`);
    }
    db.run('DROP TABLE IF EXISTS gold_state');
  },
  // 2: silver's objects follow (src/silver/store-schema.ts names them): its serving tables and history
  // indexes (the views over them follow the rename), its state tables; its indexes are made again.
  (db) => {
    for (const name of ['silver_state', 'history_state', 'silver_key_format', 'silver_topics']) renameLegacy(db, name, name);
    const legacy = (type: string, prefix: string) =>
      (db.query(`SELECT name FROM sqlite_master WHERE type = ? AND substr(name, 1, ?) = ?`).all(type, prefix.length, prefix) as { name: string }[]).map(
        (r) => r.name,
      );
    for (const name of legacy('index', 'silver__')) db.run(`DROP INDEX "${name.replace(/"/g, '""')}"`);
    for (const name of legacy('table', 'silver__')) renameLegacy(db, name, `silver:${name.slice('silver__'.length)}`);
    for (const name of legacy('table', 'history__')) renameLegacy(db, name, `history:${name.slice('history__'.length)}`);
  },
];

/** Brings the file's fixed schema to the current version. */
export function migrate(db: Database): void {
  let version = (db.query('PRAGMA user_version').get() as { user_version: number }).user_version;
  for (; version < MIGRATIONS.length; version++) {
    db.transaction(() => {
      MIGRATIONS[version]!(db);
      db.run(`PRAGMA user_version = ${version + 1}`);
    })();
  }
  for (const ddl of CREATE) db.run(ddl);
}
