/**
 * The voters book's tables, as one data registry: the SQLite DDL, the PostgreSQL and MariaDB DDL and
 * the Debezium schemas are all derived from it.
 *
 * Application values (AppValue) are what the app and its SQLite file hold: integers as numbers, dates
 * as 'YYYY-MM-DD', timestamptz as 'YYYY-MM-DDTHH:MM:SS.ffffffZ', numerics as exact decimal text.
 */
export type ColumnKind = 'int32' | 'int64' | 'text' | 'date' | 'timestamptz' | 'numeric';

export interface ColumnDef {
  name: string;
  kind: ColumnKind;
  nullable: boolean;
  /** numeric only */
  precision?: number;
  scale?: number;
}

export type TableName = 'voters' | 'polls' | 'ballots';

export interface TableDef {
  name: TableName;
  columns: readonly ColumnDef[];
  key: readonly string[];
  /** Child tables reference voters(id) through this column. */
  voterColumn?: string;
}

export type AppValue = string | number | null;
export type AppRow = Record<string, AppValue>;

const col = (name: string, kind: ColumnKind, nullable = true, extra: Partial<ColumnDef> = {}): ColumnDef => ({ name, kind, nullable, ...extra });

export const VOTERS: TableDef = {
  name: 'voters',
  key: ['id'],
  columns: [
    col('id', 'int32', false),
    col('first_name', 'text', false),
    col('last_name', 'text', false),
    col('address', 'text', false),
    col('city', 'text', false),
    col('birth_date', 'date', false),
    col('registered_at', 'timestamptz', false),
    col('email', 'text'),
    col('phone', 'text'),
    col('party_affinity', 'text'),
    col('updated_at', 'timestamptz', false),
  ],
};

export const POLLS: TableDef = {
  name: 'polls',
  key: ['poll_id'],
  voterColumn: 'voter_id',
  columns: [
    col('poll_id', 'int64', false),
    col('voter_id', 'int32', false),
    col('poll_name', 'text', false),
    col('question', 'text', false),
    col('answer', 'text', false),
    col('weight', 'numeric', false, { precision: 6, scale: 4 }),
    col('answered_at', 'timestamptz', false),
  ],
};

export const BALLOTS: TableDef = {
  name: 'ballots',
  key: ['voter_id', 'election_id'],
  voterColumn: 'voter_id',
  columns: [
    col('voter_id', 'int32', false),
    col('election_id', 'text', false),
    col('precinct', 'text', false),
    col('cast_at', 'timestamptz', false),
    col('method', 'text', false),
  ],
};

export const TABLES: readonly TableDef[] = [VOTERS, POLLS, BALLOTS];
export const TABLE_BY_NAME: Readonly<Record<TableName, TableDef>> = { voters: VOTERS, polls: POLLS, ballots: BALLOTS };

const sqliteType: Record<ColumnKind, string> = {
  int32: 'INTEGER',
  int64: 'INTEGER',
  text: 'TEXT',
  date: 'TEXT',
  timestamptz: 'TEXT',
  numeric: 'TEXT',
};

const postgresType = (c: ColumnDef): string =>
  ({
    int32: 'integer',
    int64: 'bigint',
    text: 'text',
    date: 'date',
    timestamptz: 'timestamptz(6)',
    numeric: `numeric(${c.precision},${c.scale})`,
  })[c.kind];

function createTable(t: TableDef, typeOf: (c: ColumnDef) => string): string {
  const lines = t.columns.map((c) => `  ${c.name} ${typeOf(c)}${c.nullable ? '' : ' NOT NULL'}`);
  lines.push(`  PRIMARY KEY (${t.key.join(', ')})`);
  if (t.voterColumn) lines.push(`  FOREIGN KEY (${t.voterColumn}) REFERENCES voters (id)`);
  return `CREATE TABLE IF NOT EXISTS ${t.name} (\n${lines.join(',\n')}\n)`;
}

/** MariaDB/MySQL: a key column cannot be TEXT, so key texts are VARCHAR; TIMESTAMP is the instant type. */
const mysqlType =
  (t: TableDef) =>
  (c: ColumnDef): string =>
    ({
      int32: 'int',
      int64: 'bigint',
      text: t.key.includes(c.name) ? 'varchar(191)' : 'text',
      date: 'date',
      timestamptz: 'timestamp(6)',
      numeric: `decimal(${c.precision},${c.scale})`,
    })[c.kind];

export const sqliteDdl = (t: TableDef): string => createTable(t, (c) => sqliteType[c.kind]);
export const mysqlDdl = (t: TableDef): string => `${createTable(t, mysqlType(t))} DEFAULT CHARSET = utf8mb4`;
export const postgresDdl = (t: TableDef): string => createTable(t, postgresType);
export const postgresCast = (c: ColumnDef): string => postgresType(c).replace(/\(6\)$/, '');

/** Epoch microseconds -> the app's timestamptz text. */
export function timestamptzText(micros: number): string {
  const ms = Math.floor(micros / 1000);
  return new Date(ms).toISOString().slice(0, 23) + String(micros - ms * 1000).padStart(3, '0') + 'Z';
}

/** Days since the epoch -> 'YYYY-MM-DD'. */
export const dateText = (days: number): string => new Date(days * 86_400_000).toISOString().slice(0, 10);

export const keyOf = (t: TableDef, row: AppRow): AppRow => Object.fromEntries(t.key.map((k) => [k, row[k]!]));
