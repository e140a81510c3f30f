/**
 * Target: a real PostgreSQL database, for a real Debezium connector to capture. Creates the tables if
 * absent, sets REPLICA IDENTITY, and runs each operation as one SQL transaction (Bun's built-in SQL
 * client). Typed casts on every parameter, so text values land in date/timestamptz/numeric columns.
 *
 * A restart continues from the rows in the database: live keys from the tables, the clock from the
 * newest timestamp, poll ids after the largest. The random stream restarts from the seed mixed with
 * the number of live rows, so a resumed run does not repeat the first run's choices.
 */
import { SQL } from 'bun';
import { LakehouseError, ErrorCode } from '../src/core/errors.ts';
import { retryingTransient, type SourceDatabase } from './source-database.ts';
import { TABLES, TABLE_BY_NAME, postgresCast, postgresDdl, type TableDef } from './tables.ts';
import type { ReplicaIdentity } from './voters-book.ts';
import { resumedState, type FakeOp, type WorkloadState } from './workload.ts';

export class PostgresTarget implements SourceDatabase {
  readonly description: string;
  private sql: SQL | undefined;

  constructor(
    private readonly url: string,
    private readonly replicaIdentity: ReplicaIdentity,
    private readonly seed: number,
  ) {
    this.description = `PostgreSQL ${redact(url)}`;
  }

  async open(): Promise<WorkloadState> {
    const sql = new SQL(this.url);
    this.sql = sql;
    try {
      await sql.unsafe('SELECT 1');
    } catch (err) {
      throw new LakehouseError(ErrorCode.unavailable, `cannot connect to ${this.description}: ${(err as Error).message}`, {
        hint: 'check the --postgres URL (postgres://user:password@host:port/db) and that the server is running',
        retryable: true,
        cause: err,
      });
    }
    for (const t of TABLES) {
      await sql.unsafe(postgresDdl(t));
      await sql.unsafe(`ALTER TABLE ${t.name} REPLICA IDENTITY ${this.replicaIdentity === 'full' ? 'FULL' : 'DEFAULT'}`);
    }
    const voters = (await sql.unsafe('SELECT id FROM voters ORDER BY id')) as { id: number }[];
    const polls = (await sql.unsafe('SELECT poll_id::float8 AS poll_id, voter_id FROM polls ORDER BY poll_id')) as { poll_id: number; voter_id: number }[];
    const ballots = (await sql.unsafe('SELECT voter_id, election_id FROM ballots ORDER BY voter_id, election_id')) as {
      voter_id: number;
      election_id: string;
    }[];
    const [latest] = (await sql.unsafe(`SELECT (EXTRACT(EPOCH FROM GREATEST(
        (SELECT MAX(updated_at) FROM voters), (SELECT MAX(answered_at) FROM polls), (SELECT MAX(cast_at) FROM ballots))) * 1000)::float8 AS ms,
        (SELECT COALESCE(MAX(poll_id), 0) FROM polls)::float8 AS max_poll`)) as { ms: number | null; max_poll: number }[];
    return resumedState(this.seed, { voters, polls, ballots }, latest);
  }

  async apply(op: FakeOp): Promise<void> {
    await retryingTransient(() => this.transaction(op), isTransientPostgresError);
  }

  private async transaction(op: FakeOp): Promise<void> {
    await this.sql!.begin(async (tx) => {
      for (const change of op.changes) {
        const def = TABLE_BY_NAME[change.table];
        if (change.kind === 'insert') {
          const cols = def.columns;
          await tx.unsafe(
            `INSERT INTO ${def.name} (${cols.map((c) => c.name).join(', ')}) VALUES (${cols.map((c, i) => `$${i + 1}::${postgresCast(c)}`).join(', ')})`,
            cols.map((c) => change.row[c.name] ?? null),
          );
        } else if (change.kind === 'update') {
          const names = Object.keys(change.set);
          const assignments = names.map((n, i) => `${n} = $${i + 1}::${castOf(def, n)}`).join(', ');
          await tx.unsafe(`UPDATE ${def.name} SET ${assignments} WHERE ${keyWhere(def, names.length)}`, [
            ...Object.values(change.set),
            ...def.key.map((k) => change.key[k]),
          ]);
        } else {
          await tx.unsafe(
            `DELETE FROM ${def.name} WHERE ${keyWhere(def, 0)}`,
            def.key.map((k) => change.key[k]),
          );
        }
      }
    });
  }

  async close(): Promise<void> {
    await this.sql?.close();
  }
}

/** serialization_failure, deadlock_detected, lock_not_available: the transaction may simply run again. */
const TRANSIENT_POSTGRES_ERRORS = new Set(['40001', '40P01', '55P03']);
const isTransientPostgresError = (err: unknown): boolean => TRANSIENT_POSTGRES_ERRORS.has((err as { errno?: string }).errno ?? '');

const castOf = (def: TableDef, column: string): string => postgresCast(def.columns.find((c) => c.name === column)!);
const keyWhere = (def: TableDef, firstParam: number): string => def.key.map((k, i) => `${k} = $${firstParam + i + 1}::${castOf(def, k)}`).join(' AND ');

/** The URL without its password, for logs and errors. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'URL (unparseable)';
  }
}
