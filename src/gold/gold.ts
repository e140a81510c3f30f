/**
 * Gold: aggregates over silver, kept live. Each aggregate is a GoldDefinition (definitions.ts): a
 * SELECT over silver's serving views plus the source column that decides which groups a change can
 * affect. A silver batch recomputes only the affected groups, with that SELECT restricted to them
 * (indexed SQL over the serving copy), and stores the group rows in SQLite; the Delta table is then
 * replaced with the current rows. Gold tables are small (one row per group), so the write is cheap, and
 * every version of the Delta table is a complete, consistent aggregate.
 */
import type { Database } from 'bun:sqlite';
import type { Storage } from '../storage/storage.ts';
import { DeltaTable, struct, type StructField } from '../delta/index.ts';
import type { AppliedChange } from '../silver/index.ts';
import type { GoldDefinition } from './definition.ts';

type Row = Record<string, unknown>;
const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

export class GoldTable {
  private constructor(
    readonly definition: GoldDefinition,
    readonly table: DeltaTable,
    private readonly db: Database,
  ) {}

  static async open(storage: Storage, db: Database, definition: GoldDefinition): Promise<GoldTable> {
    const table = await DeltaTable.openOrCreate(storage, { name: definition.name, schema: struct(definition.columns as StructField[]) });
    const g = new GoldTable(definition, table, db);
    const cols = definition.columns.map((c) => quote(c.name));
    db.run(`CREATE TABLE IF NOT EXISTS ${g.sqlName} (${cols.join(', ')}, PRIMARY KEY (${definition.key.map(quote).join(', ')}))`);
    return g;
  }

  get name(): string {
    return this.definition.name;
  }

  private get sqlName() {
    return quote(`gold__${this.definition.name}`);
  }

  /** The silver tables whose views exist, so the SELECT can run. */
  private ready(): boolean {
    return this.definition.sources.every(
      (s) => this.db.query(`SELECT 1 FROM sqlite_master WHERE type = 'view' AND name = ?`).get(s) !== null,
    );
  }

  /** Recomputes the groups a batch of silver changes can affect; returns true when any group changed. */
  refresh(changes: readonly AppliedChange[]): boolean {
    if (!this.ready()) return false;
    const def = this.definition;
    const groups = new Set<string>();
    for (const ch of changes) {
      if (!def.sources.includes(ch.table)) continue;
      for (const image of [ch.before, ch.after]) if (image) groups.add(JSON.stringify(image[def.groupColumn] ?? null));
    }
    if (groups.size === 0) return false;
    const values = [...groups].map((g) => JSON.parse(g) as unknown);
    const fresh = this.db
      .query(`SELECT * FROM (${def.select}) WHERE ${quote(def.groupColumn)} IN (SELECT value FROM json_each(?))`)
      .all(JSON.stringify(values)) as Row[];
    const nullGroup = values.includes(null);
    const nulls = nullGroup ? (this.db.query(`SELECT * FROM (${def.select}) WHERE ${quote(def.groupColumn)} IS NULL`).all() as Row[]) : [];
    const cols = def.columns.map((c) => c.name);
    this.db.transaction(() => {
      this.db.query(`DELETE FROM ${this.sqlName} WHERE ${quote(def.groupColumn)} IN (SELECT value FROM json_each(?))`).run(JSON.stringify(values));
      if (nullGroup) this.db.run(`DELETE FROM ${this.sqlName} WHERE ${quote(def.groupColumn)} IS NULL`);
      const insert = this.db.query(`INSERT INTO ${this.sqlName} (${cols.map(quote).join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`);
      for (const r of [...fresh, ...nulls]) insert.run(...(cols.map((c) => r[c] ?? null) as never[]));
    })();
    return true;
  }

  /**
   * Recomputes every group. Used after a crash, when silver may hold commits whose changes gold never
   * saw (they are no longer known as changes, only as state).
   */
  refreshAll(): void {
    if (!this.ready()) return;
    const cols = this.definition.columns.map((c) => c.name);
    const rows = this.db.query(`SELECT * FROM (${this.definition.select})`).all() as Row[];
    this.db.transaction(() => {
      this.db.run(`DELETE FROM ${this.sqlName}`);
      const insert = this.db.query(`INSERT INTO ${this.sqlName} (${cols.map(quote).join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`);
      for (const r of rows) insert.run(...(cols.map((c) => r[c] ?? null) as never[]));
    })();
  }

  /** Everything, recomputed from scratch: what `refresh` must always agree with. */
  recompute(): Row[] {
    return this.db.query(`SELECT * FROM (${this.definition.select}) ORDER BY ${this.definition.key.map(quote).join(', ')}`).all() as Row[];
  }

  rows(limit = Number.MAX_SAFE_INTEGER, offset = 0): Row[] {
    const stmt = this.db.query(`SELECT * FROM ${this.sqlName} ORDER BY ${this.definition.key.map(quote).join(', ')} LIMIT ? OFFSET ?`);
    return (stmt.all(limit, offset) as Row[]).map((r) => this.canonical(r));
  }

  count(): number {
    return (this.db.query(`SELECT count(*) AS n FROM ${this.sqlName}`).get() as { n: number }).n;
  }

  /** Replaces the Delta table's content with the current groups, in one commit. */
  async publish(): Promise<number> {
    const txn = this.table.transaction({ operation: 'WRITE', operationParameters: { mode: 'Overwrite' } });
    for (const add of this.table.snapshot().files()) txn.remove(add);
    const rows = this.rows();
    if (rows.length > 0) await txn.writeRows(rows);
    return txn.commit();
  }

  /** long columns come back from SQLite as numbers; the canonical encoding spells them as strings. */
  private canonical(r: Row): Row {
    for (const c of this.definition.columns) if (c.type === 'long' && r[c.name] != null) r[c.name] = String(r[c.name]);
    return r;
  }
}
