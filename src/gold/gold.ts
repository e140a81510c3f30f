/**
 * Gold: aggregates over silver, kept live. Each aggregate is a GoldDefinition (the pipeline's input). A batch
 * recomputes only the result rows its changes can affect (see definition.ts), stores them in SQLite
 * (goldTableName, with a view `<name>` that SQL users and later definitions read), and republishes the
 * Delta table with the current rows. Published gold tables are small (one row per group), so the
 * rewrite is cheap and every version of the Delta table is a complete, consistent aggregate.
 */
import type { Database } from 'bun:sqlite';
import type { Storage } from '../storage/storage.ts';
import { DeltaTable, struct, type StructField } from '../delta/index.ts';
import { servingTableName, type AppliedChange } from '../silver/index.ts';
import type { GoldDefinition } from './definition.ts';
import { ChangeLedger, CHANGE_LEDGER } from './change-ledger.ts';
import { INTERNAL_PREFIX, STATE_TABLES, internal, quote } from '../state/index.ts';

type Row = Record<string, unknown>;

/** The SQLite table holding gold table `name`'s rows, behind the view named `name`. */
export const goldTableName = (name: string) => `${INTERNAL_PREFIX}gold:${name}`;

/**
 * A result column's declared SQLite type: its affinity, and BIGINT for Delta longs, so the table says
 * by itself which columns to spell as strings when read back (readGoldRows).
 */
const declaredType = (t: StructField['type']) =>
  t === 'long' ? 'BIGINT' : t === 'integer' || t === 'short' || t === 'byte' || t === 'boolean' ? 'INTEGER' : t === 'double' || t === 'float' ? 'REAL' : 'TEXT';

/** Before and after images of the rows a batch changed, per relation name (silver or gold). */
type ChangedImages = Map<string, Row[]>;

export class GoldTable {
  private wasReady = false;
  private readonly keyFilter: string;

  private constructor(
    readonly definition: GoldDefinition,
    /** The Delta table; undefined for an intermediate step (`publish: false`). */
    readonly table: DeltaTable | undefined,
    private readonly db: Database,
  ) {
    this.keyFilter = definition.key.map((k) => `${quote(k)} IS ?`).join(' AND ');
  }

  static async open(storage: Storage, db: Database, definition: GoldDefinition): Promise<GoldTable> {
    const table =
      definition.publish === false
        ? undefined
        : await DeltaTable.openOrCreate(storage, {
            name: definition.name,
            schema: struct(definition.columns as StructField[]),
            configuration: {
              // Each publish replaces the table's file; serve's vacuum clears them after an hour.
              'delta.deletedFileRetentionDuration': 'interval 1 hours',
              // A checkpoint carries that hour's remove tombstones (a publish per batch): every 100
              // commits rather than 10 keeps its cost a tenth.
              'delta.checkpointInterval': '100',
            },
          });
    const g = new GoldTable(definition, table, db);
    const cols = definition.columns.map((c) => quote(c.name));
    const typed = definition.columns.map((c) => `${quote(c.name)} ${declaredType(c.type)}`);
    db.run(`CREATE TABLE IF NOT EXISTS ${g.sqlName} (${typed.join(', ')}, PRIMARY KEY (${definition.key.map(quote).join(', ')}))`);
    db.run(`DROP VIEW IF EXISTS ${quote(definition.name)}`);
    db.run(`CREATE VIEW ${quote(definition.name)} AS SELECT ${cols.join(', ')} FROM ${g.sqlName}`);
    return g;
  }

  get name(): string {
    return this.definition.name;
  }

  get published(): boolean {
    return this.table !== undefined;
  }

  private get sqlName() {
    return quote(goldTableName(this.definition.name));
  }

  private exists(name: string): boolean {
    return this.db.query(`SELECT 1 FROM sqlite_master WHERE name = ?`).get(name) !== null;
  }

  /** Every source relation exists (silver creates its tables on their first event). */
  private ready(): boolean {
    if (this.wasReady) return true;
    if (!Object.keys(this.definition.sources).every((s) => this.exists(s))) return false;
    this.createIndexes();
    this.wasReady = true;
    return true;
  }

  private createIndexes(): void {
    for (const [source, lists] of Object.entries(this.definition.indexes ?? {})) {
      // Index the table behind the view: silver's serving table (live rows only) or a gold table.
      const silver = this.exists(servingTableName(source));
      const target = silver ? servingTableName(source) : this.exists(goldTableName(source)) ? goldTableName(source) : source;
      for (const columns of lists) {
        const indexed = silver ? [...columns, '__deleted'] : [...columns];
        this.db.run(`CREATE INDEX IF NOT EXISTS ${internal(`gold_idx:${target}:${columns.join(':')}`)} ON ${quote(target)} (${indexed.map(quote).join(', ')})`);
      }
    }
  }

  /** The result keys a batch's changed rows can affect, deduplicated. */
  private affectedKeys(changed: ChangedImages): unknown[][] {
    const keys = new Map<string, unknown[]>();
    for (const [source, affects] of Object.entries(this.definition.sources)) {
      const images = changed.get(source);
      if (!images || images.length === 0) continue;
      const select = affects ?? `SELECT DISTINCT ${this.definition.key.map(quote).join(', ')} FROM changed`;
      const columns = this.columnsRead(source, select);
      // The changed rows go to SQLite as one JSON array of arrays holding only those columns: whole
      // images as objects cost most of a batch's gold time in JSON alone.
      const cte = `WITH changed AS (SELECT ${columns.map((c, i) => `json_extract(value, '$[${i}]') AS ${quote(c)}`).join(', ')} FROM json_each(?))`;
      const tuples = images.map((image) => columns.map((c) => image[c] ?? null));
      const rows = this.db.query(`${cte} ${select}`).values(JSON.stringify(tuples)) as unknown[][];
      for (const r of rows) keys.set(JSON.stringify(r), r);
    }
    return [...keys.values()];
  }

  /**
   * The columns of `source` a query names (as whole words; a false match only costs a column), or all
   * of them when it selects `*` from `changed`.
   */
  private columnsRead(source: string, query: string): string[] {
    const columns = (this.db.query(`SELECT name FROM pragma_table_info(?)`).all(source) as { name: string }[]).map((c) => c.name);
    if (/\*\s*FROM\s+changed\b|\bchanged\s*\.\s*\*/i.test(query)) return columns;
    return columns.filter((c) => new RegExp(`(^|[^A-Za-z0-9_])${c.replace(/[^A-Za-z0-9_]/g, '\\$&')}($|[^A-Za-z0-9_])`).test(query));
  }

  /**
   * Recomputes the rows the batch can affect. Returns the before and after images of the rows that
   * changed (what later definitions reading this one see as `changed`).
   */
  refresh(changed: ChangedImages): Row[] {
    if (!this.ready()) return [];
    if (!this.wasRefreshedWhole) {
      this.refreshAll();
      return this.rowsRaw();
    }
    const keys = this.affectedKeys(changed);
    if (keys.length === 0) return [];
    const cols = this.definition.columns.map((c) => c.name);
    const current = this.db.query(`SELECT * FROM ${this.sqlName} WHERE ${this.keyFilter}`);
    const fresh = this.db.query(`SELECT * FROM (${this.definition.select}) WHERE ${this.keyFilter}`);
    const remove = this.db.query(`DELETE FROM ${this.sqlName} WHERE ${this.keyFilter}`);
    const insert = this.db.query(`INSERT INTO ${this.sqlName} (${cols.map(quote).join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`);
    const images: Row[] = [];
    this.db.transaction(() => {
      for (const key of keys) {
        const before = current.get(...(key as never[])) as Row | null;
        const after = fresh.get(...(key as never[])) as Row | null;
        if (sameRow(before, after, cols)) continue;
        if (before) {
          remove.run(...(key as never[]));
          images.push(before);
        }
        if (after) {
          insert.run(...(cols.map((c) => after[c] ?? null) as never[]));
          images.push(after);
        }
      }
    })();
    return images;
  }

  /** A table that has never been computed whole (new, or its sources just appeared) starts from scratch. */
  private get wasRefreshedWhole(): boolean {
    const row = this.db.query(`SELECT 1 FROM ${STATE_TABLES.goldState} WHERE name = ?`).get(this.name);
    return row !== null;
  }

  /**
   * Recomputes every group. Used the first time the sources exist and after a crash, when silver may
   * hold commits whose changes gold never saw (they are no longer known as changes, only as state).
   */
  refreshAll(): void {
    if (!this.ready()) return;
    this.createIndexes(); // silver may have rebuilt a serving table since
    const cols = this.definition.columns.map((c) => c.name);
    const rows = this.db.query(`SELECT * FROM (${this.definition.select})`).all() as Row[];
    this.db.transaction(() => {
      this.db.run(`DELETE FROM ${this.sqlName}`);
      const insert = this.db.query(`INSERT INTO ${this.sqlName} (${cols.map(quote).join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`);
      for (const r of rows) insert.run(...(cols.map((c) => r[c] ?? null) as never[]));
      this.db.query(`INSERT OR IGNORE INTO ${STATE_TABLES.goldState} (name) VALUES (?)`).run(this.name);
    })();
  }

  /** Everything, recomputed from scratch: what `refresh` must always agree with. */
  recompute(): Row[] {
    return this.db.query(`SELECT * FROM (${this.definition.select}) ORDER BY ${this.definition.key.map(quote).join(', ')}`).all() as Row[];
  }

  private rowsRaw(): Row[] {
    return this.db.query(`SELECT * FROM ${this.sqlName}`).all() as Row[];
  }

  rows(limit = Number.MAX_SAFE_INTEGER, offset = 0): Row[] {
    return readGoldRows(this.db, this.name, limit, offset) ?? [];
  }

  /** Whether the rows were ever computed whole; until then they are not the aggregate. */
  get computed(): boolean {
    return this.wasRefreshedWhole;
  }

  count(): number {
    return (this.db.query(`SELECT count(*) AS n FROM ${this.sqlName}`).get() as { n: number }).n;
  }

  /** Replaces the Delta table's content with the current rows, in one commit (nothing for a step). */
  async publish(): Promise<number | undefined> {
    if (!this.table) return undefined;
    const txn = this.table.transaction({ operation: 'WRITE', operationParameters: { mode: 'Overwrite' } });
    for (const add of this.table.snapshot().files()) txn.remove(add);
    const rows = this.rows();
    if (rows.length > 0) await txn.writeRows(rows);
    return txn.commit();
  }
}

/**
 * Gold table `name`'s current rows in key order, in the canonical encoding (long columns come back from
 * SQLite as numbers and are spelled as strings), or undefined when there is no such gold table. Works
 * on any connection, read-only ones included: the table's declared types and key say all it needs.
 */
export function readGoldRows(db: Database, name: string, limit = Number.MAX_SAFE_INTEGER, offset = 0): Row[] | undefined {
  const columns = db.query(`SELECT name, type, pk FROM pragma_table_info(?)`).all(goldTableName(name)) as { name: string; type: string; pk: number }[];
  if (columns.length === 0) return undefined;
  const key = columns.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk);
  const stmt = db.query(`SELECT * FROM ${quote(goldTableName(name))} ORDER BY ${key.map((c) => quote(c.name)).join(', ')} LIMIT ? OFFSET ?`);
  const longs = columns.filter((c) => c.type === 'BIGINT').map((c) => c.name);
  const rows = stmt.all(limit, offset) as Row[];
  for (const r of rows) for (const c of longs) if (r[c] != null) r[c] = String(r[c]);
  return rows;
}

function sameRow(a: Row | null, b: Row | null, cols: readonly string[]): boolean {
  if (a === null || b === null) return a === b;
  return cols.every((c) => a[c] === b[c]);
}

/** One bronze version's outcome, as gold consumes it. */
export interface GoldBatch {
  changes: readonly AppliedChange[];
  /** The change ledger rows the batch wrote (ChangeLedger.record, called as silver commits). */
  ledger: readonly Row[];
}

/** Opens the gold tables in definition order, plus the change ledger they may read. */
export async function openGold(storage: Storage, db: Database, definitions: readonly GoldDefinition[]): Promise<GoldTable[]> {
  new ChangeLedger(db);
  const tables: GoldTable[] = [];
  for (const def of definitions) tables.push(await GoldTable.open(storage.at(def.name), db, def));
  return tables;
}

/**
 * Applies a batch to every gold table in definition order: silver's changes and the change ledger's new
 * rows first, then each table's own changed rows for the definitions that read it. Returns the tables
 * whose rows changed, which are then to be published (publishGold).
 */
export function refreshGold(tables: readonly GoldTable[], batch: GoldBatch): GoldTable[] {
  const changed: ChangedImages = new Map();
  for (const ch of batch.changes) {
    let images = changed.get(ch.table);
    if (!images) changed.set(ch.table, (images = []));
    if (ch.before) images.push(ch.before);
    if (ch.after) images.push(ch.after);
  }
  changed.set(CHANGE_LEDGER, [...batch.ledger]);
  const refreshed: GoldTable[] = [];
  for (const g of tables) {
    const images = g.refresh(changed);
    if (images.length === 0) continue;
    changed.set(g.name, images);
    refreshed.push(g);
  }
  return refreshed;
}

/** Publishes gold tables' current rows to their Delta tables. */
export async function publishGold(tables: Iterable<GoldTable>): Promise<void> {
  // Independent Delta tables: their commits (mostly waiting for the disk) overlap.
  await Promise.all([...tables].map((g) => g.publish()));
}
