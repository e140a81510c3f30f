/**
 * Handwritten Debezium records, shaped after the PostgreSQL (3.x) and MySQL connector documentation
 * and JsonConverter's output: `{schema, payload}` with schemas enabled, the bare payload without.
 */
import type { ConnectSchema, KafkaRecord } from '../../../src/cdc/index.ts';

export const PLACEHOLDER = '__debezium_unavailable_value';

export const record = (topic: string, key: string | null, value: string | null, offset = '0', partition = 0): KafkaRecord => ({
  topic,
  partition,
  offset,
  timestamp: 1767600000500,
  key,
  value,
});

export const doc = (schema: ConnectSchema | null, payload: unknown) => JSON.stringify({ schema, payload });

const f = (field: string, type: string, optional = true, extra: Partial<ConnectSchema> = {}): ConnectSchema => ({ type, optional, ...extra, field });

export const pgSource: ConnectSchema = {
  type: 'struct',
  name: 'io.debezium.connector.postgresql.Source',
  optional: false,
  field: 'source',
  fields: [
    f('version', 'string', false),
    f('connector', 'string', false),
    f('name', 'string', false),
    f('ts_ms', 'int64', false),
    f('snapshot', 'string', true, { name: 'io.debezium.data.Enum', version: 1, parameters: { allowed: 'true,last,false,incremental' }, default: 'false' }),
    f('db', 'string', false),
    f('sequence', 'string'),
    f('ts_us', 'int64'),
    f('ts_ns', 'int64'),
    f('schema', 'string', false),
    f('table', 'string', false),
    f('txId', 'int64'),
    f('lsn', 'int64'),
    f('xmin', 'int64'),
  ],
};

export const customerFields: ConnectSchema[] = [
  f('id', 'int32', false),
  f('first_name', 'string', false),
  f('last_name', 'string', false),
  f('email', 'string', false),
  f('notes', 'string'),
  f('photo', 'bytes'),
];

export const envelopeSchema = (server: string, table: string, rowFields: ConnectSchema[], source = pgSource): ConnectSchema => {
  const image = (field: string): ConnectSchema => ({ type: 'struct', fields: rowFields, optional: true, name: `${server}.${table}.Value`, field });
  return {
    type: 'struct',
    name: `${server}.${table}.Envelope`,
    version: 2,
    optional: false,
    fields: [image('before'), image('after'), source, f('op', 'string', false), f('ts_ms', 'int64'), f('ts_us', 'int64'), f('ts_ns', 'int64')],
  };
};

export const keySchema = (server: string, table: string, fields: ConnectSchema[]): ConnectSchema => ({
  type: 'struct',
  fields,
  optional: false,
  name: `${server}.${table}.Key`,
});

export const pgSourceValue = (over: Record<string, unknown> = {}) => ({
  version: '3.0.8.Final',
  connector: 'postgresql',
  name: 'PostgreSQL_server',
  ts_ms: 1559033904863,
  snapshot: 'false',
  db: 'postgres',
  sequence: '["24023119","24023128"]',
  ts_us: 1559033904863123,
  ts_ns: 1559033904863123000,
  schema: 'inventory',
  table: 'customers',
  txId: 555,
  lsn: 24023128,
  xmin: null,
  ...over,
});

export const customersTopic = 'PostgreSQL_server.inventory.customers';
export const customerKey = (id: number) => doc(keySchema('PostgreSQL_server', 'inventory.customers', [f('id', 'int32', false)]), { id });
export const customerValue = (payload: Record<string, unknown>) =>
  doc(envelopeSchema('PostgreSQL_server', 'inventory.customers', customerFields), { ts_ms: 1559033904900, ...payload });

export const anne = { id: 1, first_name: 'Anne', last_name: 'Kretchmar', email: 'annek@noanswer.org', notes: 'likes tea', photo: 'AQID' };

export const mysqlSource: ConnectSchema = {
  type: 'struct',
  name: 'io.debezium.connector.mysql.Source',
  optional: false,
  field: 'source',
  fields: [
    f('version', 'string', false),
    f('connector', 'string', false),
    f('name', 'string', false),
    f('ts_ms', 'int64', false),
    f('snapshot', 'string'),
    f('db', 'string', false),
    f('sequence', 'string'),
    f('table', 'string'),
    f('server_id', 'int64', false),
    f('gtid', 'string'),
    f('file', 'string', false),
    f('pos', 'int64', false),
    f('row', 'int32', false),
    f('thread', 'int64'),
    f('query', 'string'),
  ],
};

export const mysqlSourceValue = (over: Record<string, unknown> = {}) => ({
  version: '3.0.8.Final',
  connector: 'mysql',
  name: 'mysql-server-1',
  ts_ms: 1465581029000,
  snapshot: 'false',
  db: 'inventory',
  sequence: null,
  table: 'customers',
  server_id: 223344,
  gtid: null,
  file: 'mysql-bin.000003',
  pos: 484,
  row: 0,
  thread: 7,
  query: null,
  ...over,
});

export { f as field };
