/**
 * The change ledger's durable copy: a Delta table of per-table, per-minute change counts, so that the
 * ledger (a history, not a function of silver's current rows) survives losing lakehouse.db and
 * `change_activity` comes back identical.
 *
 * Each commit holds the SQLite ledger's rows of the bronze versions after the last one it recorded
 * (`txn` lakehouse-change-ledger), so a version is written once, also when a crash came between
 * silver's commit and this one. Replays need per-version rows only in SQLite; here the rows are summed
 * per table and minute whenever the small files pile up, so the table grows with minutes of activity.
 */
import type { Database } from 'bun:sqlite';
import type { Storage } from '../storage/storage.ts';
import { DeltaTable, BUSY_TABLE_PROPERTIES, ensureProperties, field, parseTimestampMicros, scan, struct } from '../delta/index.ts';
import { STATE_TABLES } from '../state/index.ts';

const APP_ID = 'lakehouse-change-ledger';
const LEDGER = STATE_TABLES.changeLedger;
/** Live files past this many are summed into one. */
const COMPACT_AFTER_FILES = 100;

const schema = struct([
  field('table_name', 'string', false),
  field('minute', 'timestamp'),
  field('inserts', 'long', false),
  field('updates', 'long', false),
  field('deletes', 'long', false),
]);

interface Counts {
  table_name: string;
  minute: string | null;
  inserts: number;
  updates: number;
  deletes: number;
}

export class LedgerTable {
  private constructor(private readonly table: DeltaTable) {}

  static async open(storage: Storage): Promise<LedgerTable> {
    const table = await DeltaTable.openOrCreate(storage, { name: 'change_ledger', schema, configuration: { ...BUSY_TABLE_PROPERTIES } });
    await ensureProperties(table, BUSY_TABLE_PROPERTIES);
    return new LedgerTable(table);
  }

  get delta(): DeltaTable {
    return this.table;
  }

  /** The bronze version through which the ledger is durable; -1 before the first commit (so folded rows, version 0, go too). */
  private get recordedThrough(): number {
    return this.table.snapshot().txnVersion(APP_ID) ?? -1;
  }

  /** Writes the SQLite ledger's rows of bronze versions up to `bronzeVersion` not recorded yet. */
  async record(db: Database, bronzeVersion: number): Promise<void> {
    const from = this.recordedThrough;
    if (bronzeVersion <= from) return;
    const rows = db
      .query(
        `SELECT table_name, minute, sum(inserts) AS inserts, sum(updates) AS updates, sum(deletes) AS deletes FROM ${LEDGER}
         WHERE bronze_version > ? AND bronze_version <= ? GROUP BY table_name, minute`,
      )
      .all(from, bronzeVersion) as Counts[];
    if (rows.length === 0) return;
    const txn = this.table.transaction({ operation: 'WRITE', operationParameters: { mode: 'Append', bronzeVersion } });
    await txn.writeRows(rows.map(toDelta));
    txn.setTxn(APP_ID, bronzeVersion);
    await txn.commit();
    if (this.table.snapshot().files().length > COMPACT_AFTER_FILES) await this.compact();
  }

  /** Every count, summed per table and minute. */
  private async counts(): Promise<Counts[]> {
    const sums = new Map<string, Counts>();
    for await (const row of scan(this.table.snapshot(), this.table.storage)) {
      const r = row as unknown as Counts;
      const id = `${r.table_name}\u0000${r.minute}`;
      const sum = sums.get(id) ?? { table_name: r.table_name, minute: r.minute, inserts: 0, updates: 0, deletes: 0 };
      sum.inserts += Number(r.inserts);
      sum.updates += Number(r.updates);
      sum.deletes += Number(r.deletes);
      sums.set(id, sum);
    }
    return [...sums.values()];
  }

  /** Replaces the live files by one file of their sums (the same counts: dataChange=false). */
  private async compact(): Promise<void> {
    const files = this.table.snapshot().files();
    const rows = await this.counts();
    const txn = this.table.transaction({ operation: 'OPTIMIZE', operationParameters: { predicate: [], zOrderBy: [], auto: true } });
    for (const add of files) txn.remove(add, { dataChange: false });
    await txn.writeRows(rows.map(toDelta), { dataChange: false });
    await txn.commit();
  }

  /**
   * Fills an empty SQLite ledger (a new or lost lakehouse.db) from the Delta table, as folded rows
   * (bronze version 0). Returns the rows restored.
   */
  async restoreInto(db: Database): Promise<number> {
    if (db.query(`SELECT 1 FROM ${LEDGER} LIMIT 1`).get() !== null) return 0;
    const rows = await this.counts();
    const insert = db.query(`INSERT INTO ${LEDGER} (bronze_version, table_name, minute, inserts, updates, deletes) VALUES (0, ?, ?, ?, ?, ?)`);
    db.transaction(() => {
      for (const r of rows) insert.run(r.table_name, r.minute, r.inserts, r.updates, r.deletes);
    })();
    return rows.length;
  }
}

const toDelta = (r: Counts) => ({ ...r, minute: r.minute === null ? null : Number(parseTimestampMicros(r.minute)) });
