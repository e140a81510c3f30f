import { describe, expect, test } from 'bun:test';
import { ChangeDecoder, type ChangeEvent, type ConnectSchema, type DecodedRecord } from '../../../src/cdc/index.ts';
import {
  PLACEHOLDER,
  anne,
  customerFields,
  customerKey,
  customerValue,
  customersTopic,
  doc,
  envelopeSchema,
  field,
  keySchema,
  mysqlSource,
  mysqlSourceValue,
  pgSourceValue,
  record,
} from './fixtures.ts';

function change(d: DecodedRecord): ChangeEvent {
  if (d.kind !== 'change') throw new Error(`expected a change, got ${d.kind}${d.kind === 'invalid' ? `: ${d.reason}` : ''}`);
  return d;
}

const b64 = (text: string) => Buffer.from(text).toString('base64');

/** One column of a given schema, decoded from one value. */
function decodeColumn(schema: ConnectSchema, value: unknown) {
  const fields = [field('id', 'int32', false), { ...schema, field: 'v' }];
  const value_ = doc(envelopeSchema('s', 'db.t', fields), { before: null, after: { id: 1, v: value }, source: pgSourceValue(), op: 'c' });
  const event = change(new ChangeDecoder({ keyColumns: { customers: ['id'] } }).decode(record('s.db.t', null, value_)));
  return { value: event.after!.v, column: event.columns[1]! };
}

describe('PostgreSQL envelopes with schemas', () => {
  test('create: key, after image in canonical form, source identity, position', () => {
    const event = change(
      new ChangeDecoder().decode(record(customersTopic, customerKey(1), customerValue({ before: null, after: anne, source: pgSourceValue(), op: 'c' }), '17')),
    );
    expect(event.op).toBe('c');
    expect(event.table).toBe('customers');
    expect(event.source).toEqual({ connector: 'postgresql', name: 'PostgreSQL_server', db: 'postgres', schema: 'inventory', table: 'customers' });
    expect(event.key).toEqual({ id: 1 });
    expect(event.keyColumns).toEqual(['id']);
    expect(event.before).toBeNull();
    expect(event.after).toEqual({ ...anne, photo: '010203' });
    expect(event.columns.map((c) => [c.name, c.type, c.nullable])).toEqual([
      ['id', 'integer', false],
      ['first_name', 'string', false],
      ['last_name', 'string', false],
      ['email', 'string', false],
      ['notes', 'string', true],
      ['photo', 'binary', true],
    ]);
    expect(event.position).toEqual({ kind: 'postgres', parts: [24023128n, 24023119n, 24023128n, 0n, 17n] });
    expect(event.tsMs).toBe(1559033904863);
    expect(event.snapshot).toBe(false);
    expect(event.unavailable.size).toBe(0);
    expect(event.record).toEqual({ topic: customersTopic, partition: 0, offset: '17' });
  });

  test('the schema is compiled once and shared by every record that repeats it', () => {
    const decoder = new ChangeDecoder();
    const one = change(decoder.decode(record(customersTopic, customerKey(1), customerValue({ before: null, after: anne, source: pgSourceValue(), op: 'c' }))));
    const two = change(
      decoder.decode(record(customersTopic, customerKey(2), customerValue({ before: null, after: { ...anne, id: 2 }, source: pgSourceValue(), op: 'c' }))),
    );
    expect(two.columns).toBe(one.columns);
    const evolved = doc(envelopeSchema('PostgreSQL_server', 'inventory.customers', [...customerFields, field('age', 'int16')]), {
      before: null,
      after: { ...anne, id: 3, age: 40 },
      source: pgSourceValue(),
      op: 'c',
    });
    const three = change(decoder.decode(record(customersTopic, customerKey(3), evolved)));
    expect(three.columns).not.toBe(one.columns);
    expect(three.columns.at(-1)).toMatchObject({ name: 'age', type: 'short' });
    expect(three.after!.age).toBe(40);
    // and back to the first schema version
    expect(
      change(
        decoder.decode(record(customersTopic, customerKey(4), customerValue({ before: null, after: { ...anne, id: 4 }, source: pgSourceValue(), op: 'c' }))),
      ).columns,
    ).toBe(one.columns);
  });

  test('update with REPLICA IDENTITY DEFAULT has no before image', () => {
    const event = change(
      new ChangeDecoder().decode(
        record(
          customersTopic,
          customerKey(1),
          customerValue({ before: null, after: { ...anne, first_name: 'Anne Marie' }, source: pgSourceValue({ txId: 556 }), op: 'u' }),
        ),
      ),
    );
    expect(event.op).toBe('u');
    expect(event.before).toBeNull();
    expect(event.after!.first_name).toBe('Anne Marie');
  });

  test('delete with a key-only before image, then its tombstone', () => {
    const decoder = new ChangeDecoder();
    const del = change(
      decoder.decode(record(customersTopic, customerKey(1), customerValue({ before: { id: 1 }, after: null, source: pgSourceValue(), op: 'd' }))),
    );
    expect(del.op).toBe('d');
    expect(del.before).toEqual({ id: 1 });
    expect(del.after).toBeNull();
    expect(del.key).toEqual({ id: 1 });
    const tomb = decoder.decode(record(customersTopic, customerKey(1), null, '5'));
    expect(tomb).toEqual({
      kind: 'tombstone',
      table: 'customers',
      key: { id: 1 },
      keyColumns: ['id'],
      tsMs: 1767600000500,
      record: { topic: customersTopic, partition: 0, offset: '5' },
    });
    expect(del.flattened).toBe(false);
  });

  test('snapshot reads', () => {
    const event = change(
      new ChangeDecoder().decode(
        record(
          customersTopic,
          customerKey(1),
          customerValue({ before: null, after: anne, source: pgSourceValue({ snapshot: 'last', sequence: '[null,"24023128"]' }), op: 'r' }),
        ),
      ),
    );
    expect(event.op).toBe('r');
    expect(event.snapshot).toBe(true);
    expect(event.position.parts.slice(0, 3)).toEqual([24023128n, 0n, 24023128n]);
  });

  test('truncate has no key and no rows, but a source and a position', () => {
    const event = change(
      new ChangeDecoder().decode(record(customersTopic, null, customerValue({ before: null, after: null, source: pgSourceValue({ lsn: 24025000 }), op: 't' }))),
    );
    expect(event.op).toBe('t');
    expect(event.key).toEqual({});
    expect(event.before).toBeNull();
    expect(event.after).toBeNull();
    expect(event.position.parts[0]).toBe(24025000n);
  });

  test('logical decoding messages are reported as messages', () => {
    const value = JSON.stringify({
      before: null,
      after: null,
      source: pgSourceValue({ schema: '', table: '' }),
      op: 'm',
      ts_ms: 1559033904961,
      message: { prefix: 'foo', content: 'Ymfy' },
    });
    const decoder = new ChangeDecoder();
    const d = decoder.decode(record('PostgreSQL_server.message', null, value));
    expect(d).toMatchObject({ kind: 'message', prefix: 'foo', content: 'Ymfy', source: { connector: 'postgresql' } });
    expect(decoder.stats.message).toBe(1);
  });

  test('unchanged TOAST values are reported as unavailable, in text and bytes columns', () => {
    const after = { ...anne, notes: PLACEHOLDER, photo: b64(PLACEHOLDER) };
    const event = change(
      new ChangeDecoder().decode(record(customersTopic, customerKey(1), customerValue({ before: null, after, source: pgSourceValue(), op: 'u' }))),
    );
    expect([...event.unavailable].sort()).toEqual(['notes', 'photo']);
    expect(event.after!.notes).toBeNull();
    expect(event.after!.photo).toBeNull();
    expect(event.after!.email).toBe(anne.email);
  });

  test('a custom placeholder', () => {
    const event = change(
      new ChangeDecoder({ unavailablePlaceholder: '?toast?' }).decode(
        record(customersTopic, customerKey(1), customerValue({ before: null, after: { ...anne, notes: '?toast?' }, source: pgSourceValue(), op: 'u' })),
      ),
    );
    expect([...event.unavailable]).toEqual(['notes']);
  });
});

describe('keys', () => {
  const ballotFields = [field('voter_id', 'int32', false), field('election_id', 'string', false), field('precinct', 'string')];
  const ballotValue = (payload: Record<string, unknown>) => doc(envelopeSchema('vb', 'public.ballots', ballotFields), payload);
  const ballot = { voter_id: 123456789, election_id: 'GEN-2026', precinct: 'P-001' };

  test('composite keys keep their column order', () => {
    const key = doc(keySchema('vb', 'public.ballots', [field('voter_id', 'int32', false), field('election_id', 'string', false)]), {
      voter_id: 123456789,
      election_id: 'GEN-2026',
    });
    const event = change(
      new ChangeDecoder().decode(
        record('vb.public.ballots', key, ballotValue({ before: null, after: ballot, source: pgSourceValue({ table: 'ballots' }), op: 'c' })),
      ),
    );
    expect(event.keyColumns).toEqual(['voter_id', 'election_id']);
    expect(event.key).toEqual({ voter_id: 123456789, election_id: 'GEN-2026' });
  });

  test('a record without a key takes it from the row by configured key columns', () => {
    const decoder = new ChangeDecoder({ keyColumns: { ballots: ['voter_id', 'election_id'] } });
    const event = change(
      decoder.decode(record('vb.public.ballots', null, ballotValue({ before: ballot, after: null, source: pgSourceValue({ table: 'ballots' }), op: 'd' }))),
    );
    expect(event.key).toEqual({ voter_id: 123456789, election_id: 'GEN-2026' });
  });

  test('a record without a key on a topic whose records are keyed is invalid, not keyed from its row', () => {
    const decoder = new ChangeDecoder();
    decoder.decode(record(customersTopic, customerKey(1), customerValue({ before: null, after: anne, source: pgSourceValue(), op: 'c' })));
    const d = decoder.decode(record(customersTopic, null, customerValue({ before: null, after: { ...anne, id: 9 }, source: pgSourceValue(), op: 'c' })));
    expect(d.kind).toBe('invalid');
    expect((d as { reason: string }).reason).toMatch(/no key, but the records of topic .* are keyed by \(id\)/);
  });

  test('without a key and without known key columns the record is of a keyless table (silver appends it)', () => {
    const event = change(
      new ChangeDecoder().decode(
        record('vb.public.ballots', null, ballotValue({ before: null, after: ballot, source: pgSourceValue({ table: 'ballots' }), op: 'c' })),
      ),
    );
    expect(event.keyless).toBe(true);
    expect([event.key, event.keyColumns]).toEqual([{}, []]);
    expect(event.after).toEqual(ballot);
  });
});

describe('MySQL', () => {
  test('binlog coordinates give the position', () => {
    const fields = [field('id', 'int32', false), field('email', 'string')];
    const value = doc(envelopeSchema('mysql-server-1', 'inventory.customers', fields, mysqlSource), {
      before: { id: 1004, email: 'annek@noanswer.org' },
      after: { id: 1004, email: 'anne@example.org' },
      source: mysqlSourceValue({ pos: 980, row: 1 }),
      op: 'u',
      ts_ms: 1465581029523,
    });
    const key = doc(keySchema('mysql-server-1', 'inventory.customers', [field('id', 'int32', false)]), { id: 1004 });
    const event = change(new ChangeDecoder().decode(record('mysql-server-1.inventory.customers', key, value, '3')));
    expect(event.source).toEqual({ connector: 'mysql', name: 'mysql-server-1', db: 'inventory', table: 'customers' });
    expect(event.position).toEqual({ kind: 'mysql', parts: [3n, 980n, 1n, 0n, 3n] });
    expect(event.before!.email).toBe('annek@noanswer.org');
  });
});

describe('without schemas', () => {
  test('types are inferred from the JSON values', () => {
    const value = JSON.stringify({
      before: null,
      after: { id: 7, score: 2.5, active: true, name: 'Ada', tags: ['a'], meta: { x: 1 }, gone: null },
      source: pgSourceValue(),
      op: 'c',
      ts_ms: 1,
    });
    const event = change(new ChangeDecoder().decode(record(customersTopic, '{"id":7}', value)));
    expect(event.key).toEqual({ id: '7' });
    expect(event.after).toEqual({ id: '7', score: 2.5, active: true, name: 'Ada', tags: '["a"]', meta: '{"x":1}', gone: null });
    expect(event.columns.map((c) => [c.name, c.type, c.typeUnknown ?? false])).toEqual([
      ['id', 'long', false],
      ['score', 'double', false],
      ['active', 'boolean', false],
      ['name', 'string', false],
      ['tags', 'string', false],
      ['meta', 'string', false],
      ['gone', 'string', true],
    ]);
  });

  test('a JsonConverter document with a null schema is schemaless too', () => {
    const value = doc(null, { before: null, after: { id: 7 }, source: pgSourceValue(), op: 'c' });
    expect(change(new ChangeDecoder().decode(record(customersTopic, doc(null, { id: 7 }), value))).after).toEqual({ id: '7' });
  });

  test('placeholders are detected without a schema', () => {
    const value = JSON.stringify({ before: null, after: { id: 7, notes: PLACEHOLDER }, source: pgSourceValue(), op: 'u' });
    expect([...change(new ChangeDecoder().decode(record(customersTopic, '{"id":7}', value))).unavailable]).toEqual(['notes']);
  });
});

describe('flattened by ExtractNewRecordState', () => {
  const flatSchema: ConnectSchema = {
    type: 'struct',
    optional: false,
    name: 'PostgreSQL_server.inventory.customers.Value',
    fields: [
      field('id', 'int32', false),
      field('email', 'string'),
      field('__op', 'string'),
      field('__table', 'string'),
      field('__lsn', 'int64'),
      field('__source_ts_ms', 'int64'),
      field('__deleted', 'string'),
    ],
  };

  test('row fields plus __ metadata, with schema', () => {
    const value = doc(flatSchema, {
      id: 1,
      email: 'a@example.org',
      __op: 'c',
      __table: 'customers',
      __lsn: 33227720,
      __source_ts_ms: 1700000000000,
      __deleted: 'false',
    });
    const event = change(new ChangeDecoder().decode(record(customersTopic, customerKey(1), value, '2')));
    expect(event.op).toBe('c');
    expect(event.after).toEqual({ id: 1, email: 'a@example.org' });
    expect(event.columns.map((c) => c.name)).toEqual(['id', 'email']);
    expect(event.source).toMatchObject({ connector: 'postgresql', table: 'customers', name: 'PostgreSQL_server' });
    expect(event.position).toEqual({ kind: 'postgres', parts: [33227720n, 0n, 33227720n, 0n, 2n] });
    expect(event.tsMs).toBe(1700000000000);
    expect(event.flattened).toBe(true);
  });

  test('delete.handling.mode=rewrite: __deleted "true" is a delete with the row as before image', () => {
    const value = doc(flatSchema, {
      id: 1,
      email: 'a@example.org',
      __op: 'd',
      __table: 'customers',
      __lsn: 33227999,
      __source_ts_ms: 1700000000001,
      __deleted: 'true',
    });
    const event = change(new ChangeDecoder().decode(record(customersTopic, customerKey(1), value)));
    expect(event.op).toBe('d');
    expect(event.after).toBeNull();
    expect(event.before).toEqual({ id: 1, email: 'a@example.org' });
  });

  test('without schema and without __op an upsert counts as an update ordered by time', () => {
    const event = change(
      new ChangeDecoder().decode(record('shop.public.items', '{"sku":"A-1"}', JSON.stringify({ sku: 'A-1', qty: 3, __source_ts_ms: 1700000000123 }), '9')),
    );
    expect(event.op).toBe('u');
    expect(event.key).toEqual({ sku: 'A-1' });
    expect(event.after).toEqual({ sku: 'A-1', qty: '3' });
    expect(event.table).toBe('items');
    expect(event.position).toEqual({ kind: 'generic', parts: [1700000000123n, 0n, 9n] });
  });
});

describe('Connect and Debezium types', () => {
  const decimal = (scale: number, precision?: number): ConnectSchema => ({
    type: 'bytes',
    name: 'org.apache.kafka.connect.data.Decimal',
    version: 1,
    parameters: { scale: String(scale), ...(precision ? { 'connect.decimal.precision': String(precision) } : {}) },
  });
  const unscaled = (n: bigint, bytes: number) => {
    const buf = Buffer.alloc(bytes);
    let u = BigInt.asUintN(bytes * 8, n);
    for (let i = bytes - 1; i >= 0; i--, u >>= 8n) buf[i] = Number(u & 0xffn);
    return buf.toString('base64');
  };

  test("Decimal: base64 two's complement unscaled value with scale", () => {
    expect(decodeColumn(decimal(2, 10), unscaled(12345n, 2))).toMatchObject({ value: '123.45', column: { type: 'decimal(10,2)' } });
    expect(decodeColumn(decimal(3, 5), unscaled(-50n, 1)).value).toBe('-0.050');
    expect(decodeColumn(decimal(0), unscaled(-1n, 3))).toMatchObject({ value: '-1', column: { type: 'decimal(38,0)' } });
    expect(decodeColumn(decimal(2, 60), unscaled(1n, 1))).toMatchObject({ value: '0.01', column: { type: 'string' } });
    expect(decodeColumn(decimal(2, 10), 1.5).value).toBe('1.50');
  });

  test('a Decimal with more digits than its precision is invalid, not a value the writer would refuse', () => {
    const bad = (v: unknown) => {
      const d = new ChangeDecoder().decode(
        record(
          's.db.t',
          '{"id":1}',
          doc(envelopeSchema('s', 'db.t', [field('id', 'int32', false), { ...decimal(3, 10), field: 'v' }]), {
            before: null,
            after: { id: 1, v },
            source: pgSourceValue(),
            op: 'c',
          }),
        ),
      );
      return d.kind === 'invalid' ? d.reason : 'valid';
    };
    expect(bad(unscaled(10n ** 10n, 8))).toBe('10000000.000 does not fit decimal(10,3)');
    expect(bad(unscaled(-(10n ** 10n) + 1n, 8))).toBe('valid');
    expect(bad(12345678.5)).toBe('12345678.500 does not fit decimal(10,3)');
  });

  test('VariableScaleDecimal becomes exact text', () => {
    const schema: ConnectSchema = {
      type: 'struct',
      name: 'io.debezium.data.VariableScaleDecimal',
      fields: [field('scale', 'int32', false), field('value', 'bytes', false)],
    };
    expect(decodeColumn(schema, { scale: 3, value: unscaled(12345n, 2) })).toMatchObject({ value: '12.345', column: { type: 'string' } });
  });

  test('temporal types', () => {
    const logical = (type: string, name: string): ConnectSchema => ({ type, name, version: 1 });
    expect(decodeColumn(logical('int32', 'io.debezium.time.Date'), 18262)).toMatchObject({ value: '2020-01-01', column: { type: 'date' } });
    expect(decodeColumn(logical('int32', 'org.apache.kafka.connect.data.Date'), -1).value).toBe('1969-12-31');
    expect(decodeColumn(logical('int32', 'io.debezium.time.Time'), 3723004)).toMatchObject({ value: '01:02:03.004000', column: { type: 'string' } });
    expect(decodeColumn(logical('int64', 'io.debezium.time.MicroTime'), 3723000456).value).toBe('01:02:03.000456');
    expect(decodeColumn(logical('int64', 'io.debezium.time.NanoTime'), 3723000456789).value).toBe('01:02:03.000456');
    expect(decodeColumn(logical('int64', 'io.debezium.time.Timestamp'), 1577836800123)).toMatchObject({
      value: '2020-01-01T00:00:00.123000',
      column: { type: 'timestamp_ntz' },
    });
    expect(decodeColumn(logical('int64', 'org.apache.kafka.connect.data.Timestamp'), 0).value).toBe('1970-01-01T00:00:00.000000');
    expect(decodeColumn(logical('int64', 'io.debezium.time.MicroTimestamp'), 1577836800123456).value).toBe('2020-01-01T00:00:00.123456');
    expect(decodeColumn(logical('int64', 'io.debezium.time.MicroTimestamp'), -1).value).toBe('1969-12-31T23:59:59.999999');
    expect(decodeColumn(logical('int64', 'io.debezium.time.NanoTimestamp'), 86400123456789).value).toBe('1970-01-02T00:00:00.123456');
    expect(decodeColumn(logical('string', 'io.debezium.time.ZonedTimestamp'), '2020-01-01T10:00:00.5+02:00')).toMatchObject({
      value: '2020-01-01T08:00:00.500000',
      column: { type: 'timestamp' },
    });
    expect(decodeColumn(logical('string', 'io.debezium.time.ZonedTimestamp'), '2025-02-22T09:57:48.517360Z').value).toBe('2025-02-22T09:57:48.517360');
    expect(decodeColumn(logical('string', 'io.debezium.time.ZonedTimestamp'), '2020-01-01T00:30:00-0130').value).toBe('2020-01-01T02:00:00.000000');
    expect(decodeColumn(logical('string', 'io.debezium.time.ZonedTime'), '10:15:30.123Z').value).toBe('10:15:30.123Z');
  });

  test('strings, bytes, numbers and structured types', () => {
    expect(decodeColumn({ type: 'int64' }, 9007199254740991)).toMatchObject({ value: '9007199254740991', column: { type: 'long' } });
    expect(decodeColumn({ type: 'int8' }, -3)).toMatchObject({ value: -3, column: { type: 'byte' } });
    expect(decodeColumn({ type: 'float32' }, 1.5)).toMatchObject({ value: 1.5, column: { type: 'float' } });
    expect(decodeColumn({ type: 'float64' }, 'NaN').value).toBeNaN();
    expect(decodeColumn({ type: 'boolean' }, false)).toMatchObject({ value: false, column: { type: 'boolean' } });
    expect(decodeColumn({ type: 'string', name: 'io.debezium.data.Json' }, '{"a":1}')).toMatchObject({
      value: '{"a":1}',
      column: { type: 'string', logicalName: 'io.debezium.data.Json' },
    });
    expect(decodeColumn({ type: 'string', name: 'io.debezium.data.Uuid' }, 'f81d4fae-7dec-11d0-a765-00a0c91e6bf6').value).toBe(
      'f81d4fae-7dec-11d0-a765-00a0c91e6bf6',
    );
    expect(decodeColumn({ type: 'string', name: 'io.debezium.data.Enum', parameters: { allowed: 'a,b' } }, 'b').value).toBe('b');
    expect(decodeColumn({ type: 'string', name: 'io.debezium.data.EnumSet' }, 'a,b').value).toBe('a,b');
    expect(decodeColumn({ type: 'bytes', name: 'io.debezium.data.Bits', parameters: { length: '9' } }, 'AQE=')).toMatchObject({
      value: '0101',
      column: { type: 'binary' },
    });
    expect(decodeColumn({ type: 'bytes' }, '3q2+7w==').value).toBe('deadbeef');
    const geometry: ConnectSchema = {
      type: 'struct',
      name: 'io.debezium.data.geometry.Geometry',
      fields: [field('wkb', 'bytes', false), field('srid', 'int32')],
    };
    expect(decodeColumn(geometry, { wkb: 'AQE=', srid: 4326 })).toMatchObject({ value: '0101', column: { type: 'binary' } });
    const arr = decodeColumn({ type: 'array', items: { type: 'string', optional: true } }, ['x', null]);
    expect(arr.value).toEqual(['x', null]);
    expect(arr.column.type).toEqual({ type: 'array', elementType: 'string', containsNull: true });
    expect(decodeColumn({ type: 'map', keys: { type: 'string' }, values: { type: 'int32' } }, { a: 1 })).toMatchObject({
      value: '{"a":1}',
      column: { type: 'string' },
    });
    expect(decodeColumn({ type: 'int32', name: 'io.debezium.time.Year' }, 2024)).toMatchObject({ value: 2024, column: { type: 'integer' } });
    expect(decodeColumn({ type: 'int64', name: 'io.debezium.time.MicroDuration' }, 3600000000)).toMatchObject({
      value: '3600000000',
      column: { type: 'long' },
    });
  });
});

describe('other record kinds', () => {
  test('heartbeats, transaction metadata and schema changes', () => {
    const decoder = new ChangeDecoder();
    expect(decoder.decode(record('__debezium-heartbeat.PostgreSQL_server', '{"serverName":"PostgreSQL_server"}', '{"ts_ms":1700000000000}'))).toMatchObject({
      kind: 'heartbeat',
      tsMs: 1700000000000,
    });
    expect(
      decoder.decode(
        record(
          'PostgreSQL_server.transaction',
          '{"id":"571:53195832"}',
          JSON.stringify({ status: 'END', id: '571:53195832', ts_ms: 1, event_count: 2, data_collections: [] }),
        ),
      ),
    ).toMatchObject({ kind: 'transaction', status: 'END', id: '571:53195832', eventCount: 2 });
    expect(
      decoder.decode(
        record(
          'mysql-server-1',
          '{"databaseName":"inventory"}',
          JSON.stringify({ source: mysqlSourceValue(), databaseName: 'inventory', ddl: 'ALTER TABLE customers ADD COLUMN age INT', tableChanges: [] }),
        ),
      ),
    ).toMatchObject({ kind: 'schema-change', ddl: 'ALTER TABLE customers ADD COLUMN age INT' });
    expect(decoder.stats).toMatchObject({ heartbeat: 1, transaction: 1, 'schema-change': 1 });
  });
});

describe('malformed records are invalid values, never exceptions', () => {
  const cases: [string, ReturnType<typeof record>, RegExp][] = [
    ['value not JSON', record(customersTopic, customerKey(1), '{"schema":'), /not valid JSON/],
    ['key not JSON', record(customersTopic, 'id=1', customerValue({ before: null, after: anne, source: pgSourceValue(), op: 'c' })), /not valid JSON/],
    ['no payload', record(customersTopic, customerKey(1), doc(null, null)), /no payload/],
    [
      'schema without its payload',
      record(customersTopic, customerKey(1), JSON.stringify({ schema: envelopeSchema('a', 'b.c', customerFields) })),
      /no payload/,
    ],
    [
      'int32 value past 2^31',
      record(customersTopic, customerKey(1), customerValue({ before: null, after: { ...anne, id: 3_000_000_000 }, source: pgSourceValue(), op: 'c' })),
      /3000000000 does not fit int32/,
    ],
    ['payload is an array', record(customersTopic, customerKey(1), '[1,2]'), /not a JSON object/],
    ['unknown op', record(customersTopic, customerKey(1), customerValue({ before: null, after: anne, source: pgSourceValue(), op: 'x' })), /unknown op 'x'/],
    [
      'create without after',
      record(customersTopic, customerKey(1), customerValue({ before: null, after: null, source: pgSourceValue(), op: 'c' })),
      /without an 'after'/,
    ],
    [
      'delete with after',
      record(customersTopic, customerKey(1), customerValue({ before: anne, after: anne, source: pgSourceValue(), op: 'd' })),
      /delete with an 'after'/,
    ],
    [
      'wrong value type',
      record(customersTopic, customerKey(1), customerValue({ before: null, after: { ...anne, id: 'one' }, source: pgSourceValue(), op: 'c' })),
      /expected an integer/,
    ],
    [
      'row not an object',
      record(customersTopic, customerKey(1), customerValue({ before: null, after: 'x', source: pgSourceValue(), op: 'c' })),
      /'after' is not a row object/,
    ],
    ['missing source', record(customersTopic, customerKey(1), JSON.stringify({ before: null, after: anne, op: 'c' })), /unknown op|source/],
    [
      'delete without key or before image',
      record(customersTopic, null, customerValue({ before: null, after: null, source: pgSourceValue(), op: 'd' })),
      /neither a key nor a row image/,
    ],
    ['tombstone without key', record(customersTopic, null, null), /tombstone without a key/],
    [
      'key not an object',
      record(customersTopic, '42', customerValue({ before: null, after: anne, source: pgSourceValue(), op: 'c' })),
      /key is not a JSON object/,
    ],
    ['bad offset', record(customersTopic, customerKey(1), customerValue({ before: null, after: anne, source: pgSourceValue(), op: 'c' }), 'abc'), /.+/],
    [
      'bad timestamp',
      record(customersTopic, customerKey(1), customerValue({ before: null, after: { ...anne, photo: 7 }, source: pgSourceValue(), op: 'c' })),
      /expected a string/,
    ],
  ];
  for (const [name, rec, reason] of cases) {
    test(name, () => {
      const decoder = new ChangeDecoder();
      const d = decoder.decode(rec);
      expect(d.kind).toBe('invalid');
      expect((d as { reason: string }).reason).toMatch(reason);
      expect(decoder.stats.invalid).toBe(1);
    });
  }
});

describe('reading JsonConverter documents', () => {
  const value = customerValue({ before: null, after: anne, source: pgSourceValue(), op: 'c' });

  test('pretty-printed and payload-first documents decode like compact ones', () => {
    const parsed = JSON.parse(value);
    const compact = change(new ChangeDecoder().decode(record(customersTopic, customerKey(1), value)));
    for (const text of [JSON.stringify(parsed, null, 2), JSON.stringify({ payload: parsed.payload, schema: parsed.schema })]) {
      const event = change(new ChangeDecoder().decode(record(customersTopic, customerKey(1), text)));
      expect(event.after).toEqual(compact.after);
      expect(event.columns).toEqual(compact.columns);
    }
  });

  test('a record that shares the cached schema prefix but is malformed after it is still caught', () => {
    const decoder = new ChangeDecoder();
    change(decoder.decode(record(customersTopic, customerKey(1), value)));
    const extra = change(decoder.decode(record(customersTopic, customerKey(1), value.slice(0, -1) + ',"extra":1}')));
    expect(extra.after).toEqual({ ...anne, photo: '010203' });
    expect(decoder.decode(record(customersTopic, customerKey(1), value.slice(0, -2) + '}'))).toMatchObject({ kind: 'invalid' });
  });

  test('schema text containing "payload" strings does not confuse the boundary', () => {
    const fields = [field('id', 'int32', false), field('payload', 'string'), { ...field('note', 'string'), doc: '},"payload":{' } as ConnectSchema];
    const text = doc(envelopeSchema('s', 'db.t', fields), { before: null, after: { id: 1, payload: 'p', note: 'n' }, source: pgSourceValue(), op: 'c' });
    const decoder = new ChangeDecoder({ keyColumns: { customers: ['id'] } });
    for (let i = 0; i < 2; i++) expect(change(decoder.decode(record('s.db.t', null, text))).after).toEqual({ id: 1, payload: 'p', note: 'n' });
  });
});

describe('int64 values past 2^53 keep every digit (Kafka Connect writes them as JSON numbers)', () => {
  const big = '1854000000000000022';
  const orderFields = [field('id', 'int64', false), field('parent', 'int64'), field('attrs', 'struct', true, { fields: [field('ref', 'int64')] })];
  const topic = 'shop.public.orders';
  const withBig = (text: string) => text.replaceAll('"BIG"', big);

  test('with schemas: in the key, a column and a struct column', () => {
    const key = withBig(doc(keySchema('shop', 'public.orders', [field('id', 'int64', false)]), { id: 'BIG' }));
    const value = withBig(
      doc(envelopeSchema('shop', 'public.orders', orderFields), {
        before: null,
        after: { id: 'BIG', parent: 'BIG', attrs: { ref: 'BIG' } },
        source: pgSourceValue({ table: 'orders' }),
        op: 'c',
      }),
    );
    const event = change(new ChangeDecoder().decode(record(topic, key, value)));
    expect(event.key).toEqual({ id: big });
    expect(event.after).toEqual({ id: big, parent: big, attrs: `{"ref":${big}}` });
  });

  test('without schemas: inferred as long', () => {
    const value = withBig(JSON.stringify({ before: null, after: { id: 'BIG', small: 7 }, source: pgSourceValue({ table: 'orders' }), op: 'c' }));
    const event = change(new ChangeDecoder().decode(record(topic, withBig('{"id":"BIG"}'), value)));
    expect(event.key).toEqual({ id: big });
    expect(event.after).toEqual({ id: big, small: '7' });
    expect(event.columns.map((c) => c.type)).toEqual(['long', 'long']);
  });
});
