/**
 * The source side of the MariaDB types test: a table holding one column of each commonly used MariaDB
 * type under a composite key, a small table that is truncated, the changes made to them, and the
 * Debezium MariaDB connectors that capture them (debezium-support.ts registers them and dumps their
 * topics).
 */
import type { SQL } from 'bun';
import { putConnector, specConfig, type ConnectorSpec } from './debezium-support.ts';

export const database = 'votersbook';
export const typesTable = 'mdb_types';
export const truncatedTable = 'mdb_truncated';
/** Where the rows of mdb_truncated that only the truncate removed are kept (see changeSourceRows). */
export const beforeTruncateTable = 'mdb_truncated_before';

/**
 * How a column's values travel: what Debezium makes of the MariaDB type, so what silver holds
 * (mariadb-types-expected.ts turns each kind into the expected canonical value).
 */
export type ValueKind =
  | 'int'
  | 'bigint'
  | 'unsigned-bigint'
  | 'decimal'
  | 'float'
  | 'double'
  | 'boolean'
  | 'bits'
  | 'text'
  | 'binary'
  | 'json'
  | 'date'
  | 'micro-time'
  | 'milli-timestamp'
  | 'micro-timestamp'
  | 'zoned-timestamp'
  | 'year'
  | 'point'
  | 'geometry';

export interface SourceColumn {
  name: string;
  type: string;
  kind: ValueKind;
}

/** The key of mdb_types: composite. */
export const typeKey: readonly SourceColumn[] = [
  { name: 'region', type: 'varchar(16)', kind: 'text' },
  { name: 'id', type: 'int', kind: 'int' },
];

/** The typed columns of mdb_types, after its key. */
export const typeColumns: readonly SourceColumn[] = [
  { name: 'c_tinyint', type: 'tinyint', kind: 'int' },
  { name: 'c_tinyint_u', type: 'tinyint unsigned', kind: 'int' },
  { name: 'c_smallint', type: 'smallint', kind: 'int' },
  { name: 'c_smallint_u', type: 'smallint unsigned', kind: 'int' },
  { name: 'c_mediumint', type: 'mediumint', kind: 'int' },
  { name: 'c_mediumint_u', type: 'mediumint unsigned', kind: 'int' },
  { name: 'c_int', type: 'int', kind: 'int' },
  { name: 'c_int_u', type: 'int unsigned', kind: 'bigint' },
  { name: 'c_bigint', type: 'bigint', kind: 'bigint' },
  { name: 'c_bigint_u', type: 'bigint unsigned', kind: 'unsigned-bigint' },
  { name: 'c_decimal', type: 'decimal(12,3)', kind: 'decimal' },
  { name: 'c_decimal_wide', type: 'decimal(38,10)', kind: 'decimal' },
  { name: 'c_float', type: 'float', kind: 'float' },
  { name: 'c_double', type: 'double', kind: 'double' },
  { name: 'c_bool', type: 'boolean', kind: 'int' },
  { name: 'c_bit1', type: 'bit(1)', kind: 'boolean' },
  { name: 'c_bit12', type: 'bit(12)', kind: 'bits' },
  { name: 'c_date', type: 'date', kind: 'date' },
  { name: 'c_time', type: 'time', kind: 'micro-time' },
  { name: 'c_time6', type: 'time(6)', kind: 'micro-time' },
  { name: 'c_datetime', type: 'datetime', kind: 'milli-timestamp' },
  { name: 'c_datetime3', type: 'datetime(3)', kind: 'milli-timestamp' },
  { name: 'c_datetime6', type: 'datetime(6)', kind: 'micro-timestamp' },
  { name: 'c_timestamp6', type: 'timestamp(6) NULL', kind: 'zoned-timestamp' },
  { name: 'c_year', type: 'year', kind: 'year' },
  { name: 'c_char', type: 'char(5)', kind: 'text' },
  { name: 'c_varchar', type: 'varchar(40)', kind: 'text' },
  { name: 'c_text', type: 'text', kind: 'text' },
  { name: 'c_longtext', type: 'longtext', kind: 'text' },
  { name: 'c_binary', type: 'binary(4)', kind: 'binary' },
  { name: 'c_varbinary', type: 'varbinary(16)', kind: 'binary' },
  { name: 'c_blob', type: 'blob', kind: 'binary' },
  { name: 'c_enum', type: "enum('sad','ok','très bien')", kind: 'text' },
  { name: 'c_set', type: "set('a','b','c d')", kind: 'text' },
  { name: 'c_json', type: 'json', kind: 'json' },
  { name: 'c_decimal65', type: 'decimal(65,30)', kind: 'decimal' },
  { name: 'c_tinyint1', type: 'tinyint(1)', kind: 'int' },
  { name: 'c_bit64', type: 'bit(64)', kind: 'bits' },
  { name: 'c_latin1', type: 'varchar(20) CHARACTER SET latin1', kind: 'text' },
  { name: 'c_point', type: 'point', kind: 'point' },
  { name: 'c_geometry', type: 'geometry', kind: 'geometry' },
];

export const truncatedKey: readonly SourceColumn[] = [{ name: 'id', type: 'int', kind: 'int' }];
export const truncatedColumns: readonly SourceColumn[] = [{ name: 'note', type: 'varchar(40)', kind: 'text' }];

/** Created before the connectors start, so these rows arrive as the snapshot ('r'). */
export async function createSourceTables(sql: SQL): Promise<void> {
  await sql.unsafe(`CREATE TABLE ${typesTable} (
      region varchar(16) NOT NULL,
      id int NOT NULL,
      ${typeColumns.map((c) => `${c.name} ${c.type}`).join(',\n      ')},
      PRIMARY KEY (region, id)
    ) DEFAULT CHARSET = utf8mb4`);
  await sql.unsafe(`CREATE TABLE ${truncatedTable} (id int PRIMARY KEY, note varchar(40)) DEFAULT CHARSET = utf8mb4`);
  await insertTypes(sql, [
    `('eu', 1, 1, 200, 2, 60000, 3, 16000000, 42, 4000000000, 9007199254740993, 18446744073709551615, 123456789.123,
      1234567890123456789012345678.0123456789, 1.5, 3.141592653589793, TRUE, b'1', b'101010101010', '1969-07-20', '12:34:56',
      '-838:59:59.000000', '2038-01-19 03:14:08', '1960-01-01 00:00:00.123', '1000-01-01 00:00:00.000001', '2024-02-29 23:59:59.999999',
      1901, 'ab', 'héllo wörld ✓ 日本語 🎉', 'quote " backslash \\\\ newline \\n tab \\t', REPEAT('long ✓ ', 2000), x'00ff10',
      x'deadbeef', x'000102', 'très bien', 'a,c d', '{"b": 1,  "a": [1, 2.50], "ü": null}',
      12345678901234567890123456789012345.123456789012345678901234567890, 1, b'1111111111111111111111111111111111111111111111111111111111111111',
      'café', ST_GeomFromText('POINT(1.5 -2.25)'), ST_GeomFromText('LINESTRING(0 0, 1 1)'))`,
    `('eu', 2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
      NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`,
    `('us', 1, -128, 0, -32768, 0, -8388608, 0, -2147483648, 0, -9223372036854775808, 0, -0.001, -0.0000000001, -3.4e38, -1e-300,
      FALSE, b'0', b'000000000000', '1000-01-01', '00:00:00', '838:59:59.999999', '1970-01-01 00:00:00', '9999-12-31 23:59:59.999',
      '9999-12-31 23:59:59.999999', '1970-01-01 00:00:01', 2155, '', '', '', '', x'00000000', x'', x'', 'sad', '', '[]',
      -0.000000000000000000000000000001, 0, b'0', '', ST_GeomFromText('POINT(0 0)'), ST_GeomFromText('POLYGON((0 0, 1 0, 1 1, 0 0))'))`,
  ]);
  await sql.unsafe(`INSERT INTO ${truncatedTable} VALUES (1, 'first'), (2, 'second')`);
}

/**
 * The changes, streamed: inserts with edge values, updates, a key change, deletes and a truncate. The
 * rows of mdb_truncated that only the truncate removed are copied to beforeTruncateTable first:
 * ExtractNewRecordState drops truncates, so silver keeps them from flattened topics.
 */
export async function changeSourceRows(sql: SQL): Promise<void> {
  await insertTypes(sql, [
    `('ünï', 3, 127, 255, 32767, 65535, 8388607, 16777215, 2147483647, 4294967295, 9223372036854775807, 9223372036854775808,
      999999999.999, 9999999999999999999999999999.9999999999, 3.4e38, 1.7976931348623157e308, 2, b'1', b'111111111111', '9999-12-31',
      '23:59:59', '00:00:00.000001', '9999-12-31 23:59:59', '2000-02-29 12:00:00.5', '1969-12-31 23:59:59.999999',
      '2038-01-19 03:14:07.999999', 2000, 'fünf5', 'exactly forty characters, no more: done', '日本語', 'x', x'ffffffff', x'ff', x'00',
      'ok', 'b', '{"nested": {"deep": [true, false, null]}}', 99999999999999999999999999999999999.999999999999999999999999999999, 127,
      b'1000000000000000000000000000000000000000000000000000000000000000', 'Ünïcödé', ST_GeomFromText('POINT(-1e10 3.5)'),
      ST_GeomFromText('POINT(1 2)'))`,
    `('us', 2, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7.5, 7.5, 7.5, 7.5, NULL, b'0', b'000000000111', '1582-10-15', '07:07:07', '-00:00:00.000007',
      '1582-10-15 07:07:07', '1582-10-15 07:07:07.007', '1582-10-15 07:07:07.000007', '2001-01-01 07:07:07', 1970, 'seven', 'seven',
      'seven', 'seven', x'07070707', x'07', x'07', NULL, 'a,b,c d', '"seven"', 7.5, -1, b'111', 'seven',
      ST_GeomFromText('POINT(7 7)'), ST_GeomFromText('MULTIPOINT(7 7, 8 8)'))`,
  ]);
  await sql.unsafe(`UPDATE ${typesTable} SET c_text = 'updated ✓', c_decimal = c_decimal + 1, c_timestamp6 = '2024-03-01 00:00:00.000001'
      WHERE region = 'eu' AND id = 1`);
  await sql.unsafe(`UPDATE ${typesTable} SET c_json = '{"a": {"b": [1e2]}}', c_set = 'a,b', c_bit12 = b'100000000000' WHERE region = 'eu' AND id = 2`);
  await sql.unsafe(`UPDATE ${typesTable} SET c_int = NULL, c_date = NULL WHERE region = 'ünï' AND id = 3`);
  await sql.unsafe(`UPDATE ${typesTable} SET id = 10 WHERE region = 'us' AND id = 1`);
  await sql.unsafe(`DELETE FROM ${typesTable} WHERE region = 'us' AND id = 2`);
  await sql.unsafe(`INSERT INTO ${truncatedTable} VALUES (3, 'third')`);
  await sql.unsafe(`UPDATE ${truncatedTable} SET note = 'first, edited' WHERE id = 1`);
  await sql.unsafe(`DELETE FROM ${truncatedTable} WHERE id = 3`);
  await sql.unsafe(`CREATE TABLE ${beforeTruncateTable} AS SELECT * FROM ${truncatedTable}`);
  await sql.unsafe(`TRUNCATE TABLE ${truncatedTable}`);
  await sql.unsafe(`INSERT INTO ${truncatedTable} VALUES (5, 'fifth'), (6, 'sixth')`);
  await sql.unsafe(`UPDATE ${truncatedTable} SET note = NULL WHERE id = 6`);
}

/** The last change: once a connector's topics hold it, they hold everything before it. */
export async function writeEndMarker(sql: SQL): Promise<void> {
  await sql.unsafe(`INSERT INTO ${truncatedTable} VALUES (999, 'end')`);
}

async function insertTypes(sql: SQL, rows: string[]): Promise<void> {
  await sql.unsafe(`INSERT INTO ${typesTable} VALUES ${rows.join(',\n')}`);
}

/** The connector's server id: one per connector, as each is a replica to MariaDB. */
let nextServerId = 6100;

/**
 * Registers a Debezium MariaDB connector for the two tables, with its own server id and schema history
 * topic, and waits until MariaDB serves it a binlog dump. Like compose/debezium/votersbook-mariadb.json
 * except: only our tables, and truncates are not skipped (Debezium skips them by default).
 */
export async function registerConnector(connectUrl: string, sql: SQL, brokers: string, spec: ConnectorSpec): Promise<void> {
  const dumpsBefore = await binlogDumps(sql);
  const config = {
    'connector.class': 'io.debezium.connector.mariadb.MariaDbConnector',
    'tasks.max': '1',
    'database.hostname': '${env:MARIADB_HOST}',
    'database.port': '${env:MARIADB_PORT}',
    'database.user': '${env:MARIADB_USER}',
    'database.password': '${env:MARIADB_PASSWORD}',
    'database.server.id': String(nextServerId++),
    'database.include.list': database,
    'table.include.list': `${database}.${typesTable},${database}.${truncatedTable}`,
    'topic.prefix': spec.topicPrefix,
    'schema.history.internal.kafka.bootstrap.servers': brokers,
    'schema.history.internal.kafka.topic': `__debezium-schema-history.${spec.topicPrefix}`,
    'include.schema.changes': 'true',
    'bigint.unsigned.handling.mode': 'precise',
    'snapshot.mode': 'initial',
    'skipped.operations': 'none',
    'tombstones.on.delete': 'true',
    'topic.creation.default.replication.factor': '1',
    'topic.creation.default.partitions': '3',
    ...specConfig(spec, 'op,table,source.file,source.pos,source.row,source.ts_ms'),
  };
  await putConnector(connectUrl, spec.name, config, async () => (await binlogDumps(sql)) > dumpsBefore);
}

async function binlogDumps(sql: SQL): Promise<number> {
  const [row] = (await sql.unsafe("SELECT count(*) AS n FROM information_schema.processlist WHERE command LIKE 'Binlog Dump%'")) as { n: number }[];
  return Number(row!.n);
}
