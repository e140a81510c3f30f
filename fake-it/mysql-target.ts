/**
 * Target: a real MariaDB (or MySQL) database, for a real Debezium binlog connector to capture. Creates
 * the tables if absent and runs each operation as one SQL transaction (Bun's built-in SQL client, which
 * speaks the MySQL protocol MariaDB serves). timestamptz columns are TIMESTAMP(6), an instant stored as
 * UTC; the session runs in UTC so the app's UTC texts are read as they are meant.
 *
 * A restart continues from the rows in the database, as the PostgreSQL target does.
 */
import { SQL } from 'bun';
import { LakehouseError, ErrorCode } from '../src/core/errors.ts';
import { redact } from './postgres-target.ts';
import { retryingTransient, type SourceDatabase } from './source-database.ts';
import { TABLES, TABLE_BY_NAME, mysqlDdl, type AppValue, type ColumnDef, type TableDef } from './tables.ts';
import { resumedState, type FakeOp, type WorkloadState } from './workload.ts';

export class MysqlTarget implements SourceDatabase {
  readonly description: string;
  private sql: SQL | undefined;

  constructor(
    private readonly url: string,
    private readonly seed: number,
  ) {
    this.description = `MariaDB/MySQL ${redact(url)}`;
  }

  async open(): Promise<WorkloadState> {
    // One connection: operations run one after another, and the session's time zone must hold for all.
    const sql = new SQL(this.url, { max: 1 });
    this.sql = sql;
    try {
      await sql.unsafe("SET time_zone = '+00:00'");
    } catch (err) {
      throw new LakehouseError(ErrorCode.unavailable, `cannot connect to ${this.description}: ${(err as Error).message}`, {
        hint: 'check the --mysql URL (mysql://user:password@host:port/db) and that the server is running',
        retryable: true,
        cause: err,
      });
    }
    for (const t of TABLES) await sql.unsafe(mysqlDdl(t));
    const voters = (await sql.unsafe('SELECT id FROM voters ORDER BY id')) as { id: number }[];
    const polls = (await sql.unsafe('SELECT CAST(poll_id AS DOUBLE) AS poll_id, voter_id FROM polls ORDER BY poll_id')) as {
      poll_id: number;
      voter_id: number;
    }[];
    const ballots = (await sql.unsafe('SELECT voter_id, election_id FROM ballots ORDER BY voter_id, election_id')) as {
      voter_id: number;
      election_id: string;
    }[];
    const [latest] = (await sql.unsafe(`SELECT CAST(UNIX_TIMESTAMP(GREATEST(
        COALESCE((SELECT MAX(updated_at) FROM voters), 0), COALESCE((SELECT MAX(answered_at) FROM polls), 0),
        COALESCE((SELECT MAX(cast_at) FROM ballots), 0))) * 1000 AS DOUBLE) AS ms,
        CAST((SELECT COALESCE(MAX(poll_id), 0) FROM polls) AS DOUBLE) AS max_poll`)) as { ms: number | null; max_poll: number }[];
    return resumedState(this.seed, { voters, polls, ballots }, latest);
  }

  async apply(op: FakeOp): Promise<void> {
    await retryingTransient(() => this.transaction(op), isTransientMysqlError);
  }

  private async transaction(op: FakeOp): Promise<void> {
    await this.sql!.begin(async (tx) => {
      for (const change of op.changes) {
        const def = TABLE_BY_NAME[change.table];
        if (change.kind === 'insert') {
          const cols = def.columns;
          await tx.unsafe(
            `INSERT INTO ${def.name} (${cols.map((c) => c.name).join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`,
            cols.map((c) => mysqlValue(c, change.row[c.name] ?? null)),
          );
        } else if (change.kind === 'update') {
          const names = Object.keys(change.set);
          await tx.unsafe(`UPDATE ${def.name} SET ${names.map((n) => `${n} = ?`).join(', ')} WHERE ${keyWhere(def)}`, [
            ...names.map((n) => mysqlValue(columnOf(def, n), change.set[n]!)),
            ...def.key.map((k) => mysqlValue(columnOf(def, k), change.key[k]!)),
          ]);
        } else {
          await tx.unsafe(
            `DELETE FROM ${def.name} WHERE ${keyWhere(def)}`,
            def.key.map((k) => mysqlValue(columnOf(def, k), change.key[k]!)),
          );
        }
      }
    });
  }

  async close(): Promise<void> {
    await this.sql?.close();
  }
}

/** ER_LOCK_WAIT_TIMEOUT, ER_LOCK_DEADLOCK, ER_TABLE_DEF_CHANGED: the transaction may simply run again. */
const TRANSIENT_MYSQL_ERRORS = new Set([1205, 1213, 1412]);
export const isTransientMysqlError = (err: unknown): boolean => TRANSIENT_MYSQL_ERRORS.has((err as { errno?: number }).errno ?? 0);

const columnOf = (def: TableDef, name: string): ColumnDef => def.columns.find((c) => c.name === name)!;
const keyWhere = (def: TableDef): string => def.key.map((k) => `${k} = ?`).join(' AND ');

/** An app value as MariaDB reads it: timestamptz text 'YYYY-MM-DDTHH:MM:SS.ffffffZ' without its T and Z. */
function mysqlValue(c: ColumnDef, v: AppValue): AppValue {
  return c.kind === 'timestamptz' && typeof v === 'string' ? v.replace('T', ' ').replace(/Z$/, '') : v;
}
