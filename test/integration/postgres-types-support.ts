/**
 * The source side of the PostgreSQL types test: two tables holding one column of each commonly used
 * PostgreSQL type (plus a TOASTed one), the changes made to them, the Debezium connectors that capture
 * them (with JsonConverter schemas on and off; debezium-support.ts registers them and dumps their topics).
 */
import { SQL } from 'bun';
import { putConnector, specConfig, type ConnectorSpec } from './debezium-support.ts';

export const typesTable = 'pg_types';
export const toastTable = 'toasted_notes';

/**
 * How a column's values travel: what Debezium makes of the PostgreSQL type, so what silver holds
 * (postgres-types-expected.ts turns each kind into the expected canonical value).
 */
export type ValueKind =
  | 'int'
  | 'bigint'
  | 'decimal'
  | 'variable-decimal'
  | 'real'
  | 'double'
  | 'boolean'
  | 'text'
  | 'json'
  | 'bytea'
  | 'date'
  | 'micro-time'
  | 'milli-time'
  | 'zoned-time'
  | 'micro-timestamp'
  | 'milli-timestamp'
  | 'zoned-timestamp'
  | 'interval'
  | 'bits'
  | 'array'
  | 'point'
  | 'hstore';

export interface SourceColumn {
  name: string;
  type: string;
  kind: ValueKind;
}

/** The key of pg_types: composite. */
export const typeKey: readonly SourceColumn[] = [
  { name: 'region', type: 'text', kind: 'text' },
  { name: 'id', type: 'integer', kind: 'int' },
];

/** The typed columns of pg_types, after its key. */
export const typeColumns: readonly SourceColumn[] = [
  { name: 'c_smallint', type: 'smallint', kind: 'int' },
  { name: 'c_integer', type: 'integer', kind: 'int' },
  { name: 'c_bigint', type: 'bigint', kind: 'bigint' },
  { name: 'c_numeric', type: 'numeric(12,3)', kind: 'decimal' },
  { name: 'c_numeric_any', type: 'numeric', kind: 'variable-decimal' },
  { name: 'c_real', type: 'real', kind: 'real' },
  { name: 'c_double', type: 'double precision', kind: 'double' },
  { name: 'c_money', type: 'money', kind: 'decimal' },
  { name: 'c_boolean', type: 'boolean', kind: 'boolean' },
  { name: 'c_text', type: 'text', kind: 'text' },
  { name: 'c_varchar', type: 'varchar(20)', kind: 'text' },
  { name: 'c_char', type: 'char(5)', kind: 'text' },
  { name: 'c_bytea', type: 'bytea', kind: 'bytea' },
  { name: 'c_uuid', type: 'uuid', kind: 'text' },
  { name: 'c_json', type: 'json', kind: 'json' },
  { name: 'c_jsonb', type: 'jsonb', kind: 'json' },
  { name: 'c_date', type: 'date', kind: 'date' },
  { name: 'c_time', type: 'time', kind: 'micro-time' },
  { name: 'c_time3', type: 'time(3)', kind: 'milli-time' },
  { name: 'c_timetz', type: 'timetz', kind: 'zoned-time' },
  { name: 'c_timestamp', type: 'timestamp', kind: 'micro-timestamp' },
  { name: 'c_timestamp3', type: 'timestamp(3)', kind: 'milli-timestamp' },
  { name: 'c_timestamptz', type: 'timestamptz', kind: 'zoned-timestamp' },
  { name: 'c_interval', type: 'interval', kind: 'interval' },
  { name: 'c_bit', type: 'bit(4)', kind: 'bits' },
  { name: 'c_varbit', type: 'varbit', kind: 'bits' },
  { name: 'c_inet', type: 'inet', kind: 'text' },
  { name: 'c_cidr', type: 'cidr', kind: 'text' },
  { name: 'c_macaddr', type: 'macaddr', kind: 'text' },
  { name: 'c_enum', type: 'mood', kind: 'text' },
  { name: 'c_int_array', type: 'integer[]', kind: 'array' },
  { name: 'c_text_array', type: 'text[]', kind: 'array' },
  { name: 'c_point', type: 'point', kind: 'point' },
  { name: 'c_xml', type: 'xml', kind: 'text' },
  { name: 'c_int4range', type: 'int4range', kind: 'text' },
  { name: 'c_tsvector', type: 'tsvector', kind: 'text' },
  { name: 'c_hstore', type: 'hstore', kind: 'hstore' },
];

export const toastKey: readonly SourceColumn[] = [{ name: 'id', type: 'bigint', kind: 'bigint' }];

/** The columns of toasted_notes after its key: `note` changes, the others are TOASTed (each form of the placeholder). */
export const toastColumns: readonly SourceColumn[] = [
  { name: 'note', type: 'text', kind: 'text' },
  { name: 'body', type: 'text', kind: 'text' },
  { name: 'tags', type: 'text[]', kind: 'array' },
  { name: 'nums', type: 'integer[]', kind: 'array' },
  { name: 'blob', type: 'bytea', kind: 'bytea' },
  { name: 'doc', type: 'jsonb', kind: 'json' },
];
const toasted = toastColumns.filter((c) => c.name !== 'note');

/** Where the rows of toasted_notes that only the truncate removed are kept (see changeSourceRows). */
export const truncatedToastTable = 'toasted_notes_truncated';

/** Created before the connectors start, so these rows arrive as the snapshot ('r'). */
export async function createSourceTables(sql: SQL): Promise<void> {
  await sql.unsafe(`
    CREATE EXTENSION IF NOT EXISTS hstore;
    CREATE TYPE mood AS ENUM ('sad', 'ok', 'très bien');
    CREATE TABLE ${typesTable} (
      region text NOT NULL,
      id integer NOT NULL,
      ${typeColumns.map((c) => `${c.name} ${c.type}`).join(',\n      ')},
      PRIMARY KEY (region, id)
    );
    ALTER TABLE ${typesTable} REPLICA IDENTITY DEFAULT;
    CREATE TABLE ${toastTable} (id bigint PRIMARY KEY, ${toastColumns.map((c) => `${c.name} ${c.type}`).join(', ')});
    -- EXTERNAL: stored out of line uncompressed, so every large value is TOASTed.
    ALTER TABLE ${toastTable} ${toasted.map((c) => `ALTER COLUMN ${c.name} SET STORAGE EXTERNAL`).join(', ')};
    ALTER TABLE ${toastTable} REPLICA IDENTITY DEFAULT;
  `);
  await insertTypes(sql, [
    `('eu', 1, 1, 42, 9007199254740993, 123456789.123, 12345678901234567890.123456789012, 1.5, 3.141592653589793, 1234.56,
      true, 'héllo wörld ✓ 日本語 🎉', 'abc', 'ab', '\\x00ff10', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
      '{"b": 1,  "a": [1, 2.50]}', '{"b": 1, "a": [1, 2.50], "ü": null}', '1969-07-20', '12:34:56.789012', '12:34:56.789',
      '12:34:56.789+02', '2038-01-19 03:14:08.123456', '1960-01-01 00:00:00.123', '1950-06-15 12:00:00.5+05:30',
      '1 year 2 months 3 days 04:05:06.789', B'1010', B'101010101010', '192.168.1.1/24', '10.0.0.0/8', '08:00:2b:01:02:03',
      'très bien', '{1,2,NULL,-3}', '{"a","b c","é"}', '(1.5,-2.25)', '<a b="1">x &amp; y</a>', '[1,10)', 'a fat cat',
      '"a"=>"1", "b"=>NULL')`,
    `('eu', 2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
      NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`,
    `('us', 1, -32768, -2147483648, -9223372036854775808, -0.001, -0.00000000000000000001, -3.4e38, -1e-300, -92233720368547758.08,
      false, '', '', '', '\\x', '00000000-0000-0000-0000-000000000000', '[]', '{}', '0001-01-01', '00:00:00', '23:59:59.999',
      '23:00:00-05:30', '1969-12-31 23:59:59.999999', '1900-02-28 23:59:59.999', '0900-01-01 00:00:00+00',
      '-1 day -00:00:01', B'0001', B'', '::1', '2001:db8::/32', 'ff:ff:ff:ff:ff:ff', 'sad', '{}', '{}', '(0,0)', '<r/>',
      'empty', '', '')`,
  ]);
  await insertToasted(sql, [
    [1, 'first'],
    [2, 'second'],
  ]);
}

/**
 * The changes, streamed: inserts, updates (of every kind), deletes, a key change and a truncate. The
 * rows of the TOASTed table that only the truncate removed are copied to truncatedToastTable first:
 * ExtractNewRecordState drops truncates, so silver keeps them from flattened topics.
 */
export async function changeSourceRows(sql: SQL): Promise<void> {
  await insertTypes(sql, [
    `('ünï', 3, 32767, 2147483647, 9223372036854775807, 999999999.999, 0, 'NaN', 'Infinity', 92233720368547758.07,
      true, E'quote " backslash \\\\ newline \\n tab \\t', 'exactly twenty chars', 'fünf5', '\\xdeadbeef', 'ffffffff-ffff-ffff-ffff-ffffffffffff',
      '{"nested": {"deep": [true, false, null]}}', '[1, "two", 3.0]', '2099-12-31', '24:00:00', '00:00:00.001',
      '00:00:00+00', '2262-04-12 00:00:00.000001', '2100-06-01 00:00:00', '2262-04-12 23:47:16.854775+00',
      '00:00:00', B'1111', B'1', '2001:db8::1/64', '192.168.0.0/16', '00:00:00:00:00:00', 'ok', '{0}', '{NULL,""}', '(-1e10,3.5)',
      '<?xml version="1.0"?><doc>ü</doc>', '(,5]', 'the:1A quick:2B', '"k ü"=>"v"')`,
    `('us', 2, 7, 7, 7, 7, 7.5, '-Infinity', 'NaN', 0, NULL, 'seven', 'seven', 'seven', '\\x07', NULL, 'null', 'null', '1582-10-15',
      '07:07:07', '07:07:07.007', '07:07:07.000007-07', '1582-10-15 07:07:07', '1582-10-15 07:07:07.007', '1582-10-15 07:07:07+07',
      '7 years 7 mons 7 days 07:07:07.000007', B'0111', B'0000000', '7.7.7.7', '7.7.7.0/24', '07:07:07:07:07:07', NULL, '{7,7}',
      '{"seven"}', '(7,7)', NULL, '[7,8)', 'seven', '"7"=>"7"')`,
  ]);
  await sql.unsafe(`
    UPDATE ${typesTable} SET c_text = 'updated ✓', c_numeric = c_numeric + 1, c_timestamptz = '2024-02-29 23:59:59.999999+14'
      WHERE region = 'eu' AND id = 1;
    UPDATE ${typesTable} SET c_int_array = '{}', c_text_array = '{NULL}', c_jsonb = '{"a": {"b": [1e2]}}', c_hstore = '', c_varbit = B'10000000'
      WHERE region = 'eu' AND id = 2;
    UPDATE ${typesTable} SET c_integer = NULL, c_date = NULL WHERE region = 'ünï' AND id = 3;
    UPDATE ${typesTable} SET id = 10 WHERE region = 'us' AND id = 1;
    DELETE FROM ${typesTable} WHERE region = 'us' AND id = 2;
  `);
  await sql.unsafe(`
    UPDATE ${toastTable} SET note = 'first, edited' WHERE id = 1;
    UPDATE ${toastTable} SET body = (SELECT body FROM ${toastTable} WHERE id = 1) WHERE id = 2;
  `);
  await insertToasted(sql, [[3, 'third']]);
  await sql.unsafe(`
    INSERT INTO ${toastTable} (id, note) VALUES (4, 'fourth');
    UPDATE ${toastTable} SET note = 'third, edited' WHERE id = 3;
    DELETE FROM ${toastTable} WHERE id = 4;
    CREATE TABLE ${truncatedToastTable} AS SELECT * FROM ${toastTable};
    TRUNCATE ${toastTable};
  `);
  await insertToasted(sql, [
    [5, 'fifth'],
    [6, 'sixth'],
  ]);
  await sql.unsafe(`
    UPDATE ${toastTable} SET note = 'fifth, edited' WHERE id = 5;
    UPDATE ${toastTable} SET note = NULL, body = body || '!', nums = nums || 7 WHERE id = 6;
  `);
}

/**
 * The last change: once a connector's topics hold it, they hold everything before it. A logical
 * decoding message comes first, in a transaction of its own.
 */
export async function writeEndMarker(sql: SQL): Promise<void> {
  await sql.unsafe(`SELECT pg_logical_emit_message(true, 'lakehouse-test', 'a message ✓')`);
  await sql.unsafe(`INSERT INTO ${toastTable} VALUES (999, 'end', NULL)`);
}

async function insertTypes(sql: SQL, rows: string[]): Promise<void> {
  await sql.unsafe(`INSERT INTO ${typesTable} VALUES ${rows.join(',\n')}`);
}

/** Rows of toasted_notes whose every TOASTed column holds some 6 to 13 KB of distinct values (the threshold is 2 KB). */
async function insertToasted(sql: SQL, rows: [id: number, note: string][]): Promise<void> {
  for (const [id, note] of rows) {
    await sql.unsafe(`INSERT INTO ${toastTable} SELECT ${id}, '${note}', string_agg(md5(i::text) || 'é', ''), array_agg(md5(i::text)),
      (SELECT array_agg(n * ${id}) FROM generate_series(-500, 499) n), decode(string_agg(md5(i::text), ''), 'hex'),
      jsonb_agg(jsonb_build_object('i', i, 'ü', md5(i::text))) FROM generate_series(${id * 1000}, ${id * 1000 + 399}) i`);
  }
}

/**
 * Registers a Debezium connector for the two tables, with its own slot and publication, and waits until
 * it streams. Like compose/debezium/votersbook-postgres.json except: only our tables, and truncates
 * are not skipped (Debezium skips them by default).
 */
export async function registerConnector(connectUrl: string, pgUrl: string, spec: ConnectorSpec): Promise<void> {
  const slot = spec.name.replace(/[^a-z0-9_]/g, '_');
  const config = {
    'connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
    'tasks.max': '1',
    'database.hostname': '${env:PG_HOST}',
    'database.port': '${env:PG_PORT}',
    'database.user': '${env:PG_USER}',
    'database.password': '${env:PG_PASSWORD}',
    'database.dbname': '${env:PG_DATABASE}',
    'topic.prefix': spec.topicPrefix,
    'plugin.name': 'pgoutput',
    'slot.name': slot,
    'publication.name': slot,
    'publication.autocreate.mode': 'filtered',
    'table.include.list': `public.${typesTable},public.${toastTable}`,
    'snapshot.mode': 'initial',
    'skipped.operations': 'none',
    'tombstones.on.delete': 'true',
    'poll.interval.ms': '100',
    'topic.creation.default.replication.factor': '1',
    'topic.creation.default.partitions': '3',
    ...specConfig(spec, 'op,table,lsn,source.ts_ms'),
  };
  const admin = new SQL(pgUrl);
  try {
    await putConnector(connectUrl, spec.name, config, async () => {
      const [slotRow] = (await admin`SELECT count(*)::int AS n FROM pg_replication_slots WHERE slot_name = ${slot} AND active`) as { n: number }[];
      return slotRow!.n === 1;
    });
  } finally {
    await admin.close();
  }
}
