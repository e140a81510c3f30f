/**
 * lakehouse.db, the pipeline's SQLite state: its key indexes and serving copies, progress marks, the
 * change feed and ledger. One writer (the pipeline, under the data folder's lock) opens it with
 * `open`, which applies the pragmas and migrations; readers (query workers, the API thread) open it
 * with `openReader` and never write.
 */
import { Database } from 'bun:sqlite';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { migrate, STATE_TABLES } from './schema.ts';

export const STATE_FILE = 'lakehouse.db';

export class StateStore {
  private constructor(readonly db: Database) {}

  /** Opens (or creates) the writer's connection to `dir`/lakehouse.db. */
  static open(dir: string): StateStore {
    const db = new Database(join(dir, STATE_FILE), { create: true });
    // CLI commands share this file (the serving copy): wait for them rather than fail.
    db.run('PRAGMA busy_timeout = 5000');
    db.run('PRAGMA journal_mode = WAL');
    db.run('PRAGMA synchronous = NORMAL');
    migrate(db);
    return new StateStore(db);
  }

  /** A scratch store in memory (a rebuild's own key index), with the same schema. */
  static scratch(): StateStore {
    const db = new Database(':memory:');
    migrate(db);
    return new StateStore(db);
  }

  /** A read-only connection, or undefined when there is no lakehouse.db in `dir`. */
  static openReader(dir: string): StateStore | undefined {
    const path = join(dir, STATE_FILE);
    if (!existsSync(path)) return undefined;
    const db = new Database(path, { readonly: true });
    db.run('PRAGMA busy_timeout = 2000');
    return new StateStore(db);
  }

  /** A progress mark (an integer), or undefined when never set. */
  mark(name: string): number | undefined {
    const row = this.db.query(`SELECT value FROM ${STATE_TABLES.marks} WHERE name = ?`).get(name) as { value: number } | null;
    return row?.value;
  }

  setMark(name: string, value: number): void {
    this.db.query(`INSERT OR REPLACE INTO ${STATE_TABLES.marks} (name, value) VALUES (?, ?)`).run(name, value);
  }

  /** A recorded fact, or undefined (also on a file no writer of this layout has opened yet). */
  meta(name: string): string | undefined {
    try {
      const row = this.db.query(`SELECT value FROM ${STATE_TABLES.meta} WHERE name = ?`).get(name) as { value: string } | null;
      return row?.value;
    } catch {
      return undefined;
    }
  }

  setMeta(name: string, value: string): void {
    this.db.query(`INSERT OR REPLACE INTO ${STATE_TABLES.meta} (name, value) VALUES (?, ?)`).run(name, value);
  }

  /** Whether a table or view of that exact name exists. */
  has(name: string): boolean {
    return this.db.query(`SELECT 1 FROM sqlite_master WHERE name = ?`).get(name) !== null;
  }

  close(): void {
    this.db.close();
  }
}
