/**
 * Records captured from real Debezium (test/fixtures/debezium-postgres-types, see its README) decode to
 * the canonical values of what PostgreSQL held. test/integration/postgres-types.test.ts checks the
 * same end to end against the live database; these pin the decoding of its hardest values.
 */
import { describe, expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ChangeDecoder, type ChangeEvent, type DecodedRecord } from '../../../src/cdc/index.ts';
import { parseRecord } from '../../../src/source/file/ndjson-records.ts';

const fixtures = join(import.meta.dir, '../../fixtures/debezium-postgres-types');

/** Every record of a fixture file, decoded in order by one decoder. */
function decodeAll(file: string): DecodedRecord[] {
  const decoder = new ChangeDecoder();
  return readFileSync(join(fixtures, file), 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l, i) => decoder.decode(parseRecord(l, file, i + 1)));
}

const changes = (decoded: DecodedRecord[]) => decoded.filter((d): d is ChangeEvent => d.kind === 'change');
const typesRow = (decoded: DecodedRecord[], region: string, id: number) =>
  changes(decoded).find((e) => e.table === 'pg_types' && e.key.region === region && String(e.key.id) === String(id))!;
const columnTypes = (event: ChangeEvent) => Object.fromEntries(event.columns.map((c) => [c.name, c.type]));

describe('with schemas', () => {
  const decoded = decodeAll('with-schemas.ndjson');

  test('every record decodes: changes, the truncate and the tombstone', () => {
    expect(decoded.map((d) => (d.kind === 'change' ? d.op : d.kind))).toEqual(['c', 'u', 'tombstone', 't', 'r', 'c']);
  });

  test("JsonConverter's float and double schema types are float and double columns, NaN and infinities included", () => {
    const event = typesRow(decoded, 'us', 2);
    expect(columnTypes(event)).toMatchObject({ c_real: 'float', c_double: 'double' });
    expect(event.after).toMatchObject({ c_real: -Infinity, c_double: NaN });
  });

  test('every type of the edge-value row, as PostgreSQL held it', () => {
    const event = typesRow(decoded, 'ünï', 3);
    expect(event.after).toEqual({
      region: 'ünï',
      id: 3,
      c_smallint: 32767,
      c_integer: 2147483647,
      c_bigint: '9223372036854775807',
      c_numeric: '999999999.999',
      c_numeric_any: '0',
      c_real: NaN,
      c_double: Infinity,
      c_money: '92233720368547758.07',
      c_boolean: true,
      c_text: 'quote " backslash \\ newline \n tab \t',
      c_varchar: 'exactly twenty chars',
      c_char: 'fünf5',
      c_bytea: 'deadbeef',
      c_uuid: 'ffffffff-ffff-ffff-ffff-ffffffffffff',
      c_json: '{"nested": {"deep": [true, false, null]}}',
      c_jsonb: '[1, "two", 3.0]',
      c_date: '2099-12-31',
      c_time: '24:00:00.000000',
      c_time3: '00:00:00.001000',
      c_timetz: '00:00:00Z',
      // 9223372800000001 microseconds: past 2^53, exact to the last digit.
      c_timestamp: '2262-04-12T00:00:00.000001',
      c_timestamp3: '2100-06-01T00:00:00.000000',
      c_timestamptz: '2262-04-12T23:47:16.854775',
      c_interval: '0',
      c_bit: '0f',
      c_varbit: '01',
      c_inet: '2001:db8::1/64',
      c_cidr: '192.168.0.0/16',
      c_macaddr: '00:00:00:00:00:00',
      c_enum: 'ok',
      c_int_array: [0],
      c_text_array: [null, ''],
      c_point: '0101000000000000205fa002c20000000000000c40',
      c_xml: '<doc>ü</doc>',
      c_int4range: '(,6)',
      c_tsvector: "'quick':2B 'the':1A",
      c_hstore: '{"k ü":"v"}',
    });
  });

  test('an update that leaves the TOASTed column unchanged marks it unavailable', () => {
    const update = changes(decoded).find((e) => e.table === 'toasted_notes' && e.op === 'u')!;
    expect(update.after).toEqual({ id: '1', note: 'first, edited', body: null });
    expect([...update.unavailable]).toEqual(['body']);
  });
});

describe('without schemas', () => {
  const decoded = decodeAll('without-schemas.ndjson');

  test('every record decodes', () => {
    expect(decoded.map((d) => (d.kind === 'change' ? d.op : d.kind))).toEqual(['tombstone', 't', 'r', 'c', 'c', 'u', 'c']);
  });

  test('real and double columns are doubles in every row: 1.5, -3.4E38, -1.0E-300, and NaN or infinities sent as text', () => {
    const rows = [typesRow(decoded, 'eu', 1), typesRow(decoded, 'us', 10), typesRow(decoded, 'us', 2), typesRow(decoded, 'ünï', 3)];
    for (const event of rows) expect(columnTypes(event)).toMatchObject({ c_real: 'double', c_double: 'double', c_smallint: 'long' });
    expect(rows.map((e) => [e.after!.c_real, e.after!.c_double])).toEqual([
      [1.5, Math.PI],
      [-3.4e38, -1e-300],
      ['-Infinity', 'NaN'],
      ['NaN', 'Infinity'],
    ]);
  });

  test('what has no JSON type of its own stays as Debezium sent it', () => {
    expect(typesRow(decoded, 'ünï', 3).after).toMatchObject({
      c_numeric: 'AOjUpQ//',
      c_numeric_any: '{"scale":0,"value":"AA=="}',
      c_date: '47481',
      c_timestamp: '9223372800000001',
      c_timestamptz: '2262-04-12T23:47:16.854775Z',
      c_int_array: '[0]',
      c_text_array: '[null,""]',
      c_point: '{"x":-10000000000,"y":3.5,"wkb":"AQEAAAAAAAAgX6ACwgAAAAAAAAxA","srid":null}',
    });
  });
});

describe('flattened by ExtractNewRecordState, with and without schemas', () => {
  const decoded = decodeAll('flattened.ndjson');

  test("a delete arrives as a null value that kept its schema ('payload': null, or null), and is a tombstone of its key", () => {
    expect(decoded.map((d) => (d.kind === 'change' ? d.op : d.kind))).toEqual(['c', 'tombstone', 'u', 'c', 'tombstone', 'u']);
    expect(decoded.filter((d) => d.kind === 'tombstone').map((d) => d.kind === 'tombstone' && d.key)).toEqual([{ id: '4' }, { id: '4' }]);
  });

  test('rows are flattened, metadata fields aside, and an unchanged TOASTed column is unavailable', () => {
    for (const update of changes(decoded).filter((e) => e.op === 'u')) {
      expect(update.flattened).toBe(true);
      expect(update.after).toEqual({ id: '1', note: 'first, edited', body: null });
      expect([...update.unavailable]).toEqual(['body']);
    }
  });
});

describe('unchanged TOASTed columns of every kind, with and without schemas', () => {
  // Debezium writes the placeholder as text, as base64 bytes (bytea), as a one-element text array
  // (text[]) and as the placeholder's bytes (int[]); each is unavailable, never data.
  test('text, jsonb, bytea, text[] and int[] are unavailable; the numeric that was not TOASTed is a value', () => {
    for (const update of changes(decodeAll('unchanged-toast.ndjson'))) {
      expect([...update.unavailable].sort()).toEqual(['blob', 'body', 'doc', 'nums', 'tags']);
      expect(update.after).toMatchObject({ id: '1', note: 'edited', body: null, tags: null, blob: null, doc: null, nums: null });
      expect(String(update.after!.big)).toMatch(/^(\d{3000}\.5|\{"scale":1,"value":".+"\})$/);
    }
  });
});

describe('values Delta cannot hold', () => {
  test("PostgreSQL's infinity and BC dates are dead letters that say why; 9999-12-31 is a value", () => {
    const decoded = decodeAll('out-of-range.ndjson');
    expect(decoded.slice(0, 3).map((d) => d.kind === 'invalid' && d.reason)).toEqual([
      '-2147472692 days from 1970-01-01 is outside the range of Delta dates and timestamps (0001-01-01 to 9999-12-31)',
      '-2147472691 days from 1970-01-01 is outside the range of Delta dates and timestamps (0001-01-01 to 9999-12-31)',
      '-735160 days from 1970-01-01 is outside the range of Delta dates and timestamps (0001-01-01 to 9999-12-31)',
    ]);
    expect(changes(decoded)[0]!.after).toEqual({
      region: 'x',
      id: 3,
      n: null,
      na: null,
      d: '9999-12-31',
      ts: '9999-12-31T23:59:59.999999',
      tstz: '9999-12-31T23:59:59.999999',
    });
  });
});
