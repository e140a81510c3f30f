/**
 * Gold: aggregates over silver, kept live. Each aggregate is a GoldDefinition (the pipeline's input). A batch
 * recomputes only the result rows its changes can affect (see definition.ts), stores them in SQLite
 * (goldTableName, with a view `gold.<name>`, and `<name>` where no silver table has that name, that SQL
 * users and later definitions read), and republishes the
 * Delta table with the current rows. Published gold tables are small (one row per group), so the
 * rewrite is cheap and every version of the Delta table is a complete, consistent aggregate.
 */
import type { Database } from 'bun:sqlite';
import type { Storage } from '../storage/storage.ts';
import { DeltaTable, BUSY_TABLE_PROPERTIES, ensureProperties, struct, type StructField } from '../delta/index.ts';
import { servingTableName, type AppliedChange } from '../silver/index.ts';
import type { GoldDefinition } from './definition.ts';
import { ChangeLedger, CHANGE_LEDGER, CHANGE_LEDGER_COLUMNS } from './change-ledger.ts';
import { GoldPlan, changedName, namesMentioned, type RelationSchemas } from './derive.ts';
import { INTERNAL_PREFIX, STATE_TABLES, internal, publishView, quote, unpublishView } from '../state/index.ts';
import { LakehouseError, ErrorCode, isMachineFailure } from '../core/errors.ts';
import { silentLogger, type Logger } from '../core/log.ts';

type Row = Record<string, unknown>;

/** The SQLite table holding gold table `name`'s rows, behind the view named `name`. */
export const goldTableName = (name: string) => `${INTERNAL_PREFIX}gold:${name}`;
/** The meta entry recording the definition a gold table's rows were computed for. */
const definitionMeta = (name: string) => `gold_definition:${name}`;

/**
 * A result column's declared SQLite type: its affinity, and BIGINT for Delta longs, so the table says
 * by itself which columns to spell as strings when read back (readGoldRows).
 */
const declaredType = (t: StructField['type']) =>
  t === 'long' ? 'BIGINT' : t === 'integer' || t === 'short' || t === 'byte' || t === 'boolean' ? 'INTEGER' : t === 'double' || t === 'float' ? 'REAL' : 'TEXT';

/** Before and after images of the rows a batch changed, per relation name (silver or gold). */
type ChangedImages = Map<string, Row[]>;
/** A relation's images, its name matched as SQL matches names (case-insensitively). */
const imagesOf = (changed: ChangedImages, relation: string): Row[] =>
  changed.get(relation) ?? [...changed].find(([name]) => name.toLowerCase() === relation.toLowerCase())?.[1] ?? [];

const sameFields = (a: readonly StructField[], b: readonly StructField[]) =>
  a.length === b.length && a.every((f, i) => f.name === b[i]!.name && JSON.stringify(f.type) === JSON.stringify(b[i]!.type));

export class GoldTable {
  private wasReady = false;
  private keyFilter = '';
  /** The result columns, known once the sources exist (their schemas type them). */
  columns: StructField[] = [];
  /** Where a result column's type was not derivable (see GoldPlan.columns). */
  typeNotes: string[] = [];
  /**
   * Why the last refresh failed (a source column dropped or changed, a row the SELECT cannot
   * compute), or undefined. A degraded table keeps its last rows; later batches retry it.
   */
  degraded: string | undefined;
  /**
   * Why the last publish failed for the rows' sake (a value the Delta writer refuses, such as a SUM
   * past a long), or undefined. The SQLite rows stay served; later publishes retry.
   */
  unpublished: string | undefined;

  private constructor(
    readonly definition: GoldDefinition,
    readonly plan: GoldPlan,
    private readonly storage: Storage,
    /** The Delta table; undefined for an intermediate step (`publish: false`) or before its first publish. */
    public table: DeltaTable | undefined,
    private readonly db: Database,
    private readonly schemas: RelationSchemas,
    private readonly log: Logger,
  ) {}

  /**
   * Opens a gold table, checking its definition against the sources that exist: an unknown column or
   * a SELECT SQLite refuses is a configuration error naming the definition.
   */
  static async open(storage: Storage, db: Database, definition: GoldDefinition, schemas: RelationSchemas, log: Logger = silentLogger): Promise<GoldTable> {
    let plan: GoldPlan;
    try {
      plan = new GoldPlan(definition);
    } catch (err) {
      throw new LakehouseError(ErrorCode.config, (err as Error).message, { hint: 'fix the definition in the --config file or --gold folder' });
    }
    const table = definition.publish === false ? undefined : await DeltaTable.open(storage).catch(() => undefined);
    const g = new GoldTable(definition, plan, storage, table, db, schemas, log);
    const present = plan.sources.filter((s) => g.exists(s));
    try {
      g.ready();
    } catch (err) {
      // SQLite names the column it lacks; the derivation adds where it looked and what is there.
      const lookup: RelationSchemas = (r) => (present.includes(r) ? (schemas(r) ?? g.relationColumns(r).map((name) => ({ name }) as StructField)) : undefined);
      const unknown = /no such column/.test(oneLine(err)) ? plan.unknownColumn(lookup) : undefined;
      const what = unknown
        ? `unknown column '${unknown.column}' (columns: ${unknown.candidates.filter((c) => !c.startsWith('__')).join(', ') || 'none'})`
        : oneLine(err);
      throw new LakehouseError(ErrorCode.config, `gold ${definition.name}: ${what}`, { hint: 'fix the definition in the --config file or --gold folder' });
    }
    const missing = plan.sources.filter((s) => !present.includes(s));
    if (missing.length > 0) log.info(`gold ${definition.name} waits for ${missing.join(', ')}: computed when the source tables exist`);
    // Listed from the start, like silver's tables: typed as far as the sources are known now; the
    // first publish corrects the schema in the same commit as its rows.
    const names = plan.resultNames;
    if (definition.publish !== false && !table && missing.length > 0 && names) {
      g.columns = plan.columns(names, schemas).fields;
      await g.createTable(true);
      g.columns = [];
    } else if (!table) await g.createTable();
    return g;
  }

  get name(): string {
    return this.definition.name;
  }

  get published(): boolean {
    return this.definition.publish !== false;
  }

  private get sqlName() {
    return quote(goldTableName(this.definition.name));
  }

  exists(name: string): boolean {
    // SQL names are case-insensitive: `FROM Voters` reads silver table voters.
    return this.db.query(`SELECT 1 FROM sqlite_master WHERE name = ? COLLATE NOCASE`).get(name) !== null;
  }

  /**
   * Every source relation exists (silver creates its tables on their first event): the result's
   * columns are typed, its table and view made (again, when the definition changed since its rows
   * were computed: they are then computed whole).
   */
  private ready(): boolean {
    if (this.wasReady) return true;
    if (!this.plan.sources.every((s) => this.exists(s))) return false;
    const names = this.db.prepare(`SELECT * FROM (${this.definition.sql}) LIMIT 0`).columnNames;
    const { fields, notes } = this.plan.columns(names, this.schemas);
    this.columns = fields;
    this.typeNotes = notes;
    const key = this.plan.key;
    this.keyFilter = key.map((k) => `${quote(k)} IS ?`).join(' AND ');
    const signature = JSON.stringify({ sql: this.definition.sql, key, columns: fields.map((f) => [f.name, f.type]) });
    const meta = this.db.query(`SELECT value FROM ${STATE_TABLES.meta} WHERE name = ?`).get(definitionMeta(this.name)) as { value: string } | null;
    if (meta?.value !== signature || !this.exists(goldTableName(this.name))) {
      this.db.transaction(() => {
        unpublishView(this.db, 'gold', this.name);
        this.db.run(`DROP TABLE IF EXISTS ${this.sqlName}`);
        const typed = fields.map((c) => `${quote(c.name)} ${declaredType(c.type)}`);
        this.db.run(`CREATE TABLE ${this.sqlName} (${typed.join(', ')}, PRIMARY KEY (${key.map(quote).join(', ')}))`);
        this.db.query(`DELETE FROM ${STATE_TABLES.goldState} WHERE name = ?`).run(this.name);
        this.db.query(`INSERT OR REPLACE INTO ${STATE_TABLES.meta} (name, value) VALUES (?, ?)`).run(definitionMeta(this.name), signature);
      })();
    }
    publishView(this.db, 'gold', this.name, `SELECT ${fields.map((c) => quote(c.name)).join(', ')} FROM ${this.sqlName}`);
    this.createIndexes();
    this.wasReady = true;
    return true;
  }

  /** The columns of each relation, from SQLite (any relation: silver view, gold view, internal table). */
  relationColumns(relation: string): string[] {
    return (this.db.query(`SELECT name FROM pragma_table_info(?)`).all(relation) as { name: string }[]).map((c) => c.name);
  }

  private createIndexes(): void {
    for (const [source, lists] of Object.entries(this.plan.indexes((r) => this.relationColumns(r)))) {
      // Index the table behind the view: silver's serving table (live rows only) or a gold table.
      const silver = this.exists(servingTableName(source));
      const target = silver ? servingTableName(source) : this.exists(goldTableName(source)) ? goldTableName(source) : source;
      for (const columns of lists) {
        if (this.coveredByIndex(target, columns)) continue;
        const indexed = silver ? [...columns, '__deleted'] : [...columns];
        this.db.run(`CREATE INDEX IF NOT EXISTS ${internal(`gold_idx:${target}:${columns.join(':')}`)} ON ${quote(target)} (${indexed.map(quote).join(', ')})`);
        this.dropPrefixIndexes(target, columns);
      }
    }
  }

  /**
   * Drops gold's own indexes on `target` whose columns start `columns` (an earlier definition's): the
   * new one serves their lookups, and every write to the table maintains one index fewer.
   */
  private dropPrefixIndexes(target: string, columns: readonly string[]): void {
    const own = `${INTERNAL_PREFIX}gold_idx:`;
    const indexes = this.db.query(`SELECT name FROM pragma_index_list(?)`).all(target) as { name: string }[];
    for (const { name } of indexes) {
      if (!name.startsWith(own)) continue;
      const cols = (this.db.query(`SELECT name FROM pragma_index_info(?) ORDER BY seqno`).all(name) as { name: string }[])
        .map((c) => c.name.toLowerCase())
        .filter((c) => c !== '__deleted');
      if (cols.length < columns.length && cols.every((c, i) => c === columns[i]!.toLowerCase())) this.db.run(`DROP INDEX ${quote(name)}`);
    }
  }

  /** An index (or the primary key) of `target` already starts with `columns`. */
  private coveredByIndex(target: string, columns: readonly string[]): boolean {
    const indexes = this.db.query(`SELECT name FROM pragma_index_list(?)`).all(target) as { name: string }[];
    return indexes.some(({ name }) => {
      const cols = (this.db.query(`SELECT name FROM pragma_index_info(?) ORDER BY seqno`).all(name) as { name: string }[]).map((c) => c.name.toLowerCase());
      return columns.every((c, i) => cols[i] === c.toLowerCase());
    });
  }

  /**
   * The result keys a batch's changed rows can affect, deduplicated; 'all' when the definition is
   * recomputed whole and a source changed.
   */
  private affectedKeys(changed: ChangedImages): unknown[][] | 'all' {
    const touched = this.plan.sources.filter((s) => imagesOf(changed, s).length > 0);
    if (touched.length === 0) return [];
    if (this.plan.strategy === 'whole') return 'all';
    const mentioned = namesMentioned(this.definition.sql);
    const carried = new Map(touched.map((s) => [s, this.relationColumns(s).filter((c) => mentioned.has(c.toLowerCase()))]));
    // The changed rows go to SQLite as one JSON array of arrays per source holding only the columns the
    // definition names: whole images as objects cost most of a batch's gold time in JSON alone. They are
    // MATERIALIZED, so SQLite indexes them for a join by itself; read in place from json_each, a join
    // that put them inside its loop scanned all of them once per row of the other side.
    const ctes = touched.map(
      (s) =>
        `${quote(changedName(s))} AS MATERIALIZED (SELECT ${
          carried
            .get(s)!
            .map((c, i) => `json_extract(value, '$[${i}]') AS ${quote(c)}`)
            .join(', ') || 'NULL AS "lh:none"'
        } FROM json_each(?))`,
    );
    const params = touched.map((s) => JSON.stringify(imagesOf(changed, s).map((image) => carried.get(s)!.map((c) => image[c] ?? null))));
    const keys = new Map<string, unknown[]>();
    const set = new Set(touched);
    for (const source of touched) {
      const select = this.plan.affectedKeys(source, set, (s) => carried.get(s) ?? []);
      if (!select) continue;
      const rows = this.db.query(`WITH ${ctes.join(', ')} ${select}`).values(...params) as unknown[][];
      for (const r of rows) keys.set(JSON.stringify(r), r);
    }
    return [...keys.values()];
  }

  /**
   * Recomputes the rows the batch can affect. Returns the before and after images of the rows that
   * changed (what later definitions reading this one see as `changed`).
   */
  refresh(changed: ChangedImages): Row[] {
    if (this.degraded !== undefined) {
      // Retried whole when a source changed: the fix may be in any row or column.
      if (!this.plan.sources.some((s) => imagesOf(changed, s).length > 0)) return [];
      return (
        this.guarded(() => {
          this.computeWhole();
          return this.rowsRaw();
        }) ?? []
      );
    }
    return this.guarded(() => this.refreshChanged(changed)) ?? [];
  }

  /** Runs a refresh; a failure degrades this table only (logged once per reason) instead of the batch. */
  private guarded<T>(work: () => T): T | undefined {
    try {
      const result = work();
      if (this.degraded !== undefined) {
        this.log.info(`gold ${this.name} recovered`, { table: this.name });
        this.degraded = undefined;
      }
      return result;
    } catch (err) {
      const reason = oneLine(err);
      if (reason !== this.degraded)
        this.log.warn(`gold ${this.name} degraded: ${reason}; it keeps its last rows, silver and other gold tables go on`, { table: this.name });
      this.degraded = reason;
      this.wasReady = false; // columns and types are derived again on the retry
      return undefined;
    }
  }

  private refreshChanged(changed: ChangedImages): Row[] {
    if (!this.ready()) return [];
    if (!this.wasRefreshedWhole) {
      this.computeWhole();
      return this.rowsRaw();
    }
    const keys = this.affectedKeys(changed);
    if (keys === 'all') return this.replaceAll();
    if (keys.length === 0) return [];
    // A batch reaching most groups: one pass over the sources beats a lookup per group.
    if (keys.length > 64 && keys.length * 4 > this.count()) return this.replaceAll();
    const cols = this.columns.map((c) => c.name);
    const current = this.db.query(`SELECT * FROM ${this.sqlName} WHERE ${this.keyFilter}`);
    const fresh = this.db.query(`SELECT * FROM (${this.definition.sql}) WHERE ${this.keyFilter}`);
    const remove = this.db.query(`DELETE FROM ${this.sqlName} WHERE ${this.keyFilter}`);
    const insert = this.insertStatement();
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

  private insertStatement() {
    const cols = this.columns.map((c) => c.name);
    return this.db.query(`INSERT OR REPLACE INTO ${this.sqlName} (${cols.map(quote).join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`);
  }

  /** Recomputes every row and keeps the ones that differ: a whole definition's refresh. */
  private replaceAll(): Row[] {
    const cols = this.columns.map((c) => c.name);
    const keyOf = (r: Row) => JSON.stringify(this.plan.key.map((k) => r[k] ?? null));
    const before = new Map(this.rowsRaw().map((r) => [keyOf(r), r]));
    const after = new Map((this.db.query(`SELECT * FROM (${this.definition.sql})`).all() as Row[]).map((r) => [keyOf(r), r]));
    const images: Row[] = [];
    const remove = this.db.query(`DELETE FROM ${this.sqlName} WHERE ${this.keyFilter}`);
    const insert = this.insertStatement();
    this.db.transaction(() => {
      for (const [k, b] of before) {
        const a = after.get(k) ?? null;
        if (sameRow(b, a, cols)) continue;
        images.push(b);
        remove.run(...(this.plan.key.map((c) => b[c] ?? null) as never[]));
      }
      for (const [k, a] of after) {
        const b = before.get(k) ?? null;
        if (sameRow(b, a, cols)) continue;
        images.push(a);
        insert.run(...(cols.map((c) => a[c] ?? null) as never[]));
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
    this.guarded(() => this.computeWhole());
  }

  private computeWhole(): void {
    if (!this.ready()) return;
    this.createIndexes(); // silver may have rebuilt a serving table since
    const cols = this.columns.map((c) => c.name);
    const rows = this.db.query(`SELECT * FROM (${this.definition.sql})`).all() as Row[];
    this.db.transaction(() => {
      this.db.run(`DELETE FROM ${this.sqlName}`);
      const insert = this.insertStatement();
      for (const r of rows) insert.run(...(cols.map((c) => r[c] ?? null) as never[]));
      this.db.query(`INSERT OR IGNORE INTO ${STATE_TABLES.goldState} (name) VALUES (?)`).run(this.name);
    })();
  }

  /** Everything, recomputed from scratch: what `refresh` must always agree with. */
  recompute(): Row[] {
    if (!this.ready()) return [];
    return this.db.query(`SELECT * FROM (${this.definition.sql}) ORDER BY ${this.plan.key.map(quote).join(', ')}`).all() as Row[];
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
    if (!this.ready()) return 0;
    return (this.db.query(`SELECT count(*) AS n FROM ${this.sqlName}`).get() as { n: number }).n;
  }

  /**
   * Replaces the Delta table's content with the current rows, in one commit (nothing for a step, or
   * before the sources exist). A changed definition's new columns replace the schema in that commit.
   */
  async publish(): Promise<number | undefined> {
    if (!this.published || this.degraded !== undefined || !(await this.createTable())) return undefined;
    const table = this.table!;
    const schema = struct(this.columns);
    const txn = table.transaction({ operation: 'WRITE', operationParameters: { mode: 'Overwrite' } });
    if (!sameFields(table.snapshot().schema.fields, this.columns)) txn.updateMetadata({ schema, description: this.definition.description });
    for (const add of table.snapshot().files()) txn.remove(add);
    const rows = this.rows();
    try {
      if (rows.length > 0) await txn.writeRows(rows);
    } catch (err) {
      // Rows the writer refuses are this table's trouble only: never a stop of silver (issue 12).
      if (isMachineFailure(err)) throw err;
      const reason = oneLine(err);
      if (reason !== this.unpublished)
        this.log.warn(`gold ${this.name} not published: ${reason}; its rows stay served from SQLite, publishing is retried with later batches`, {
          table: this.name,
        });
      this.unpublished = reason;
      return undefined;
    }
    if (this.unpublished !== undefined) this.log.info(`gold ${this.name} published again`, { table: this.name });
    this.unpublished = undefined;
    return txn.commit();
  }

  /** Why this table is failing (to refresh or to publish), or undefined. */
  get failing(): string | undefined {
    return this.degraded ?? this.unpublished;
  }

  /**
   * Creates the Delta table once the result's columns are known (its sources exist), so that it is
   * listed before its first publish; true when there is one.
   */
  async createTable(provisional = false): Promise<boolean> {
    if (!this.published || (!provisional && !this.ready())) return false;
    this.table ??= await DeltaTable.openOrCreate(this.storage, {
      name: this.definition.name,
      description: this.definition.description,
      schema: struct(this.columns),
      configuration: {
        // Each publish replaces the table's file and commits; serve's vacuum and log cleanup clear
        // them after five minutes.
        ...BUSY_TABLE_PROPERTIES,
        // A checkpoint carries that hour's remove tombstones (a publish per batch): every 100
        // commits rather than 10 keeps its cost a tenth.
        'delta.checkpointInterval': '100',
      },
    });
    await ensureProperties(this.table, BUSY_TABLE_PROPERTIES);
    return true;
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

const oneLine = (err: unknown) => (err instanceof Error ? err.message : String(err)).split('\n')[0]!;

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

/**
 * Opens the gold tables in definition order, plus the change ledger they may read. A gold table of an
 * earlier run that is no longer defined loses its SQLite rows; its Delta table stays (logged).
 */
export async function openGold(
  storage: Storage,
  db: Database,
  definitions: readonly GoldDefinition[],
  silverSchemas: RelationSchemas = () => undefined,
  log: Logger = silentLogger,
): Promise<GoldTable[]> {
  new ChangeLedger(db);
  const tables: GoldTable[] = [];
  const schemas: RelationSchemas = (relation) => {
    if (relation === CHANGE_LEDGER) return CHANGE_LEDGER_COLUMNS;
    const gold = tables.find((g) => g.name === relation);
    return gold ? gold.columns : silverSchemas(relation);
  };
  for (const def of definitions) tables.push(await GoldTable.open(storage.at(def.name), db, def, schemas, log));
  const defined = new Set(definitions.map((d) => d.name));
  const prefix = definitionMeta('');
  const earlier = db.query(`SELECT name FROM ${STATE_TABLES.meta} WHERE substr(name, 1, ?) = ?`).all(prefix.length, prefix) as { name: string }[];
  for (const { name: entry } of earlier) {
    const name = entry.slice(prefix.length);
    if (defined.has(name)) continue;
    db.transaction(() => {
      unpublishView(db, 'gold', name);
      db.run(`DROP TABLE IF EXISTS ${quote(goldTableName(name))}`);
      db.query(`DELETE FROM ${STATE_TABLES.meta} WHERE name = ?`).run(entry);
      db.query(`DELETE FROM ${STATE_TABLES.goldState} WHERE name = ?`).run(name);
    })();
    log.warn(`gold ${name} is no longer defined: it is not kept up to date any more; its Delta table stays (delete the folder gold/${name} to remove it)`, {
      table: name,
    });
  }
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
