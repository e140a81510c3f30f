/**
 * One read-only SQL connection to the serving database (lakehouse.db): what a query worker runs. The
 * connection is opened read-only, so nothing can write the pipeline's tables; time-travel references
 * (`voters@v12`) are materialised into TEMP tables from the Delta snapshot on first use and kept, since
 * a Delta version never changes (up to a byte budget, oldest dropped first).
 *
 * Names: `silver.NAME` and `gold.NAME` (and `history.NAME` for `silver.NAME__history`) read the views
 * lakehouse.db publishes (src/state/published-views.ts), bare names where unique; `bronze` and
 * `dead_letters`, which live in Delta only, are their latest version, materialised like time travel
 * (again when a new version exists). Nothing else is readable (sql-scope.ts).
 */
import type { Database, Statement } from 'bun:sqlite';
import { ErrorCode, LakehouseError, invalidInput, notFound } from '../core/errors.ts';
import { openStorage, type Storage } from '../storage/index.ts';
import { Snapshot, scan, type DataType } from '../delta/index.ts';
import { SERVED_LAYERS, StateStore, publishedTables, publishedViewName, type ServedLayer } from '../state/index.ts';
import { TableCatalog } from '../catalog/index.ts';
import { checkReadOnlySql, type SqlToken, type TableVersionRef } from './sql-guard.ts';
import { checkScope } from './sql-scope.ts';

/** The tables that live in Delta only, read at their latest version. */
const DELTA_ONLY_TABLES = ['bronze', 'dead_letters'] as const;
import { rowBytes } from './row-bytes.ts';

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;
/** Bytes kept in materialised old versions, over all of them (rowBytes of what was inserted). */
const MATERIALISED_BYTE_BUDGET = 256 * 1024 * 1024;

/** A column's declared type: BIGINT for a Delta long (its values are answered as text, like the canonical encoding), else its affinity. */
const affinity = (t: DataType) =>
  t === 'long' ? 'BIGINT' : t === 'integer' || t === 'short' || t === 'byte' || t === 'boolean' ? 'INTEGER' : t === 'double' || t === 'float' ? 'REAL' : 'TEXT';

export function missingServingCopy(dataDir: string): LakehouseError {
  return notFound(
    `no SQLite serving copy (lakehouse.db) in ${dataDir}`,
    `run 'lakehouse serve --data ${dataDir}' or 'lakehouse ingest --data ${dataDir} FILE' once to build it`,
  );
}

export class SqlSession {
  private readonly materialised = new Map<string, number>();
  private materialisedBytes = 0;
  /** The version each Delta-only table's temp view reads now. */
  private readonly latest = new Map<string, number>();

  private readonly db: Database;

  private constructor(
    private readonly state: StateStore,
    private readonly dataDir: string,
  ) {
    this.db = state.db;
  }

  static open(dataDir: string): SqlSession {
    const state = StateStore.openReader(dataDir);
    if (!state) throw missingServingCopy(dataDir);
    return new SqlSession(state, dataDir);
  }

  /** Checks and prepares one query; errors carry the position in the text the user sent. */
  async prepare(text: string): Promise<Statement> {
    const views = this.publishedViews();
    const checked = checkReadOnlySql(text, { qualify: (qualifier, name) => views.qualified.get(`${qualifier}.${name}`.toLowerCase()) });
    checkScope(checked.names, this.hiddenObjects());
    for (const ref of checked.versions) {
      const layers = views.ambiguous.get(ref.table.toLowerCase());
      if (layers) throw ambiguous(ref.table, layers);
      await this.materialise(ref);
    }
    for (const table of DELTA_ONLY_TABLES) if (mentions(checked.names, table)) await this.readLatest(table);
    try {
      // prepare, not query: the statement is finalised after its run, so it must not be the cached one.
      const stmt = this.db.prepare(checked.sql);
      stmt.safeIntegers(true);
      return stmt;
    } catch (err) {
      const missing = /^no such table: (.+)$/.exec((err as Error).message ?? '')?.[1];
      const layers = missing && views.ambiguous.get(missing.toLowerCase());
      if (layers) throw ambiguous(missing!, layers);
      if (missing && /^(silver|gold|history)\./i.test(missing)) throw noSuchQualified(missing);
      throw sqlError(err, checked.originalOffset, text.trimEnd().length);
    }
  }

  /** The qualified names SQL may use (lower-cased, to the view each reads) and the bare names several layers share. */
  private publishedViews(): { qualified: Map<string, string>; ambiguous: Map<string, ServedLayer[]> } {
    const qualified = new Map<string, string>();
    const ambiguous = new Map<string, ServedLayer[]>();
    for (const { name, layers } of publishedTables(this.db)) {
      for (const layer of layers) qualified.set(publishedViewName(layer, name).toLowerCase(), publishedViewName(layer, name));
      if (layers.includes('silver') && name.endsWith(HISTORY_SUFFIX)) {
        qualified.set(`history.${name.slice(0, -HISTORY_SUFFIX.length)}`.toLowerCase(), publishedViewName('silver', name));
      }
      if (layers.length > 1)
        ambiguous.set(
          name.toLowerCase(),
          [...SERVED_LAYERS].filter((l) => layers.includes(l)),
        );
    }
    return { qualified, ambiguous };
  }

  /** Every object of the serving database that is not a published view (internal tables, indexes, views), lower-cased. */
  private hiddenObjects(): Set<string> {
    const rows = this.db.query(`SELECT name FROM main.sqlite_master WHERE NOT (type = 'view' AND name NOT LIKE 'lh:%')`).all() as { name: string }[];
    return new Set(rows.map((r) => r.name.toLowerCase()));
  }

  /** Points the temp view named `table` at its latest Delta version, materialised. */
  private async readLatest(table: (typeof DELTA_ONLY_TABLES)[number]): Promise<void> {
    const storage = await this.tableStorage(table);
    const version = storage && (await Snapshot.latestVersion(storage));
    if (version === undefined) throw notFound(`no table named '${table}' yet`, 'it is made by the first batch the pipeline ingests');
    const name = `${table}@v${version}`;
    if (this.latest.get(table) === version && this.materialised.has(name)) return;
    await this.materialise({ table, version });
    this.db.run(`DROP VIEW IF EXISTS temp.${quote(table)}`);
    this.db.run(`CREATE TEMP VIEW ${quote(table)} AS SELECT * FROM temp.${quote(name)}`);
    const previous = this.latest.get(table);
    this.latest.set(table, version);
    // The version it read before is freed (a time-travel query materialises it again when asked).
    if (previous !== undefined && previous !== version) this.drop(`${table}@v${previous}`);
  }

  private drop(name: string): void {
    const bytes = this.materialised.get(name);
    if (bytes === undefined) return;
    this.db.run(`DROP TABLE IF EXISTS temp.${quote(name)}`);
    this.materialised.delete(name);
    this.materialisedBytes -= bytes;
  }

  /** The table's storage, from the catalog of the tables location the pipeline recorded (local folder or s3://). */
  private async tableStorage(table: string): Promise<Storage> {
    const catalog = new TableCatalog(await openStorage(this.state.meta('tables') ?? this.dataDir));
    const entry = await catalog.resolve(table);
    if (entry) return catalog.storage(entry);
    const names = (await catalog.list()).map((t) => t.name);
    throw notFound(`no table named '${table}' to read an older version of`, `tables: ${names.join(', ') || 'none yet'}`);
  }

  private async materialise({ table, version }: TableVersionRef): Promise<void> {
    const name = `${table}@v${version}`;
    if (this.materialised.has(name)) return;
    const storage = await this.tableStorage(table);
    const snap = await Snapshot.open(storage, { version });
    const fields = snap.schema.fields;
    let bytes = 0;
    this.db.run(`CREATE TEMP TABLE ${quote(name)} (${fields.map((f) => `${quote(f.name)} ${affinity(f.type)}`).join(', ')})`);
    const insert = this.db.query(`INSERT INTO temp.${quote(name)} VALUES (${fields.map(() => '?').join(', ')})`);
    this.db.run('BEGIN');
    try {
      for await (const row of scan(snap, storage)) {
        const values = fields.map((f) => sqlValue(row[f.name]));
        insert.run(...(values as never[]));
        bytes += rowBytes(values);
      }
      this.db.run('COMMIT');
    } catch (err) {
      this.db.run('ROLLBACK');
      this.db.run(`DROP TABLE temp.${quote(name)}`);
      throw err;
    }
    this.materialised.set(name, bytes);
    this.materialisedBytes += bytes;
    for (const [old, size] of this.materialised) {
      if (this.materialisedBytes <= MATERIALISED_BYTE_BUDGET || old === name) break;
      this.db.run(`DROP TABLE temp.${quote(old)}`);
      this.materialised.delete(old);
      this.materialisedBytes -= size;
    }
  }

  close(): void {
    this.state.close();
  }
}

const HISTORY_SUFFIX = '__history';

/** `silver.x` or `gold.x` that no view publishes (SQLite read it as schema `silver`, which does not exist). */
const noSuchQualified = (name: string) =>
  notFound(
    `no such table: ${name}`,
    'GET /api/tables lists the tables with the name SQL reads each by (sqlName); a gold table waiting for its source tables has no rows to read yet',
  );

const ambiguous = (name: string, layers: readonly ServedLayer[]) =>
  invalidInput(`ambiguous: use ${layers.map((l) => publishedViewName(l, name)).join(' or ')}`, `several layers have a table named ${name}`);

/** The statement names `table` (not as a function, not in a string). */
const mentions = (tokens: readonly SqlToken[], table: string) => tokens.some((t) => t.kind !== 'string' && !t.call && t.text.toLowerCase() === table);

function sqlValue(v: unknown): unknown {
  if (v === undefined) return null;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (v !== null && typeof v === 'object') return JSON.stringify(v);
  return v;
}

/** A SQLite error as a 400 that says where, when SQLite tells. */
function sqlError(err: unknown, originalOffset: (offset: number) => number, end: number): LakehouseError {
  if (err instanceof LakehouseError) return err;
  const e = err as { message?: string; byteOffset?: number; code?: string };
  if (!e || typeof e.message !== 'string' || !String(e.code ?? '').startsWith('SQLITE')) return invalidInput(String(err));
  // SQLite gives no offset for a statement that stops early; that error is at the end.
  const offset = typeof e.byteOffset === 'number' && e.byteOffset >= 0 ? originalOffset(e.byteOffset) : e.message === 'incomplete input' ? end : undefined;
  const at = offset === undefined ? '' : ` at position ${offset + 1}`;
  if (/readonly|not authorized/.test(e.message)) return invalidInput(`only read-only queries are allowed: ${e.message}`);
  return new LakehouseError(ErrorCode.invalidInput, `bad SQL${at}: ${e.message}`, {
    hint: "SQLite's dialect; tables by name (silver as the source names them, gold by theirs); time travel: name@vN",
  });
}
