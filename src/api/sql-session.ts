/**
 * One read-only SQL connection to the serving database (lakehouse.db): what a query worker runs. The
 * connection is opened read-only, so nothing can write the pipeline's tables; time-travel references
 * (`voters@v12`) are materialised into TEMP tables from the Delta snapshot on first use and kept, since
 * a Delta version never changes (up to a byte budget, oldest dropped first).
 */
import type { Database, Statement } from 'bun:sqlite';
import { ErrorCode, LakehouseError, invalidInput, notFound } from '../core/errors.ts';
import { openStorage, type Storage } from '../storage/index.ts';
import { Snapshot, scan, type DataType } from '../delta/index.ts';
import { StateStore } from '../state/index.ts';
import { TableCatalog } from '../catalog/index.ts';
import { checkReadOnlySql, type TableVersionRef } from './sql-guard.ts';
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
    const checked = checkReadOnlySql(text);
    for (const ref of checked.versions) await this.materialise(ref);
    try {
      // prepare, not query: the statement is finalised after its run, so it must not be the cached one.
      const stmt = this.db.prepare(checked.sql);
      stmt.safeIntegers(true);
      return stmt;
    } catch (err) {
      throw sqlError(err, checked.originalOffset, text.trimEnd().length);
    }
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
