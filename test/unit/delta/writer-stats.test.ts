import { describe, expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { rowsToArrow } from '../../../src/delta/arrow-schema.ts';
import { computeStats, formatTimestampMillis, shortestFloat32, statsOptionsFromConfiguration, truncateMax, truncateMin } from '../../../src/delta/stats.ts';
import { field, parseSchema, struct } from '../../../src/delta/schema.ts';
import { readParquet, writeParquet } from '../../../src/parquet/index.ts';

const golden = '/work/shared/delta-conformance/kernel-rs/stats-writing-all-types';

describe('stats match what Spark wrote (kernel-rs stats-writing-all-types)', () => {
  const commit0 = readFileSync(join(golden, 'delta/_delta_log/00000000000000000000.json'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  const metaData = commit0.find((a) => a.metaData).metaData;
  const schema = parseSchema(metaData.schemaString);
  const expected = JSON.parse(readFileSync(join(golden, 'expected_stats.json'), 'utf8')).files[
    'part-00000-374afe34-4ff6-46e8-a860-1948aadc744f-c000.snappy.parquet'
  ].stats;
  // The four rows of Spark's data file, in the canonical encoding.
  const rows = [
    {
      byte_col: 1,
      short_col: 100,
      int_col: 1000,
      long_col: '10000',
      float_col: 1.5,
      double_col: 2.5,
      date_col: '2023-01-15',
      timestamp_col: '2023-06-15T12:30:00.000000',
      timestamp_ntz_col: '2023-06-15T12:30:00.000000',
      string_col: 'alpha',
      decimal_col: '123.45',
      boolean_col: true,
      binary_col: '010203',
      array_col: [1, 2, 3],
      map_col: { key1: 100 },
      nested_struct: { inner_int: 10, inner_string: 'nested_a', inner_double: 1.1 },
    },
    {
      byte_col: 5,
      short_col: 500,
      int_col: 5000,
      long_col: '50000',
      float_col: 3.14,
      double_col: 6.28,
      date_col: '2024-06-15',
      timestamp_col: '2024-12-25T00:00:00.000000',
      timestamp_ntz_col: '2024-12-25T00:00:00.000000',
      string_col: 'gamma',
      decimal_col: '999.99',
      boolean_col: false,
      binary_col: '040506',
      array_col: [4, 5],
      map_col: { key2: 200, key3: 300 },
      nested_struct: { inner_int: 50, inner_string: 'nested_c', inner_double: 5.5 },
    },
    {
      byte_col: 3,
      short_col: 300,
      int_col: 3000,
      long_col: '30000',
      float_col: 2,
      double_col: 4,
      date_col: '2023-12-31',
      timestamp_col: '2023-12-31T23:59:59.000000',
      timestamp_ntz_col: '2023-12-31T23:59:59.000000',
      string_col: 'beta',
      decimal_col: '456.78',
      boolean_col: true,
      binary_col: '070809',
      array_col: [6],
      map_col: { key4: 400 },
      nested_struct: { inner_int: 30, inner_string: null, inner_double: 3.3 },
    },
    Object.fromEntries(schema.fields.map((f) => [f.name, null])),
  ];

  test('numRecords, minValues, maxValues and nullCount are equal, keyed by physical names', () => {
    const options = statsOptionsFromConfiguration(metaData.configuration);
    expect(options.columnMapping).toBe('name');
    const table = rowsToArrow(schema, rows, { columnMapping: 'name' });
    expect(JSON.parse(computeStats(schema, table, options))).toEqual(expected);
  });

  test('stats of the same rows read back from our Parquet file are unchanged', () => {
    const table = rowsToArrow(schema, rows, { columnMapping: 'name' });
    const options = statsOptionsFromConfiguration(metaData.configuration);
    const back = readParquet(writeParquet(table));
    expect(JSON.parse(computeStats(schema, back, options))).toEqual(expected);
  });

  test("stats of Spark's own data file are equal too", () => {
    const bytes = readFileSync(join(golden, 'delta/part-00000-374afe34-4ff6-46e8-a860-1948aadc744f-c000.snappy.parquet'));
    const table = readParquet(new Uint8Array(bytes));
    const options = statsOptionsFromConfiguration(metaData.configuration);
    const ours = JSON.parse(computeStats(schema, table, options));
    expect(ours.numRecords).toBe(expected.numRecords);
    expect(ours.nullCount).toEqual(expected.nullCount);
    expect(ours.minValues).toEqual(expected.minValues);
  });
});

describe('stats details', () => {
  test('long strings: min is a prefix, max a prefix with a tie-breaker', () => {
    const long = 'a'.repeat(40);
    expect(truncateMin(long, 32)).toBe('a'.repeat(32));
    expect(truncateMax(long, 32)).toBe('a'.repeat(32) + '\u007f');
    expect(truncateMax('a'.repeat(32) + 'é' + 'b', 32)).toBe('a'.repeat(32) + '\u{10ffff}');
    expect(truncateMax('short', 32)).toBe('short');
    // A surrogate pair is never split.
    expect(truncateMin('a'.repeat(31) + '😀x', 32)).toBe('a'.repeat(31) + '😀');
    // U+10FFFF cannot be topped: no bound within 2 x 32 units.
    expect(truncateMax('\u{10ffff}'.repeat(40), 32)).toBeUndefined();
  });

  test('strings compare by UTF-8 bytes, as Spark does', () => {
    const schema = struct([field('s', 'string')]);
    // U+FF5E sorts after U+1F600 in UTF-16 units but before it in UTF-8 bytes.
    const stats = JSON.parse(computeStats(schema, rowsToArrow(schema, [{ s: '😀' }, { s: '～' }, { s: 'z' }])));
    expect(stats.minValues.s).toBe('z');
    expect(stats.maxValues.s).toBe('😀');
  });

  test('longs beyond 2^53 are exact; timestamps truncate to milliseconds', () => {
    const schema = struct([field('id', 'long'), field('ts', 'timestamp'), field('ntz', 'timestamp_ntz')]);
    const table = rowsToArrow(schema, [
      { id: '9223372036854775807', ts: '1969-12-31T23:59:59.999999Z', ntz: '2024-01-01T00:00:00.123999' },
      { id: -3, ts: '2024-01-01T00:00:00.000001', ntz: null },
    ]);
    const text = computeStats(schema, table);
    expect(text).toContain('"maxValues":{"id":9223372036854775807');
    const stats = JSON.parse(text);
    expect(stats.minValues.id).toBe(-3);
    expect(stats.minValues.ts).toBe('1969-12-31T23:59:59.999Z');
    expect(stats.maxValues.ts).toBe('2024-01-01T00:00:00.000Z');
    expect(stats.maxValues.ntz).toBe('2024-01-01T00:00:00.123');
    expect(stats.nullCount).toEqual({ id: 0, ts: 0, ntz: 1 });
    expect(formatTimestampMillis(-1n, true)).toBe('1969-12-31T23:59:59.999Z');
  });

  test('decimals keep their digits; floats print their shortest float32 text; NaN drops min/max', () => {
    const schema = struct([field('d', 'decimal(38,10)'), field('f', 'float'), field('g', 'double')]);
    const text = computeStats(
      schema,
      rowsToArrow(schema, [
        { d: '12345678901234567890.0123456789', f: 0.1, g: NaN },
        { d: '-0.5', f: 3.14, g: 1 },
      ]),
    );
    expect(text).toContain('"maxValues":{"d":12345678901234567890.0123456789');
    expect(text).toContain('"minValues":{"d":-0.5000000000');
    const stats = JSON.parse(text);
    expect(stats.minValues.f).toBe(0.1);
    expect(stats.maxValues.f).toBe(3.14);
    expect(stats.minValues.g).toBeUndefined();
    expect(shortestFloat32(Math.fround(3.14))).toBe(3.14);
  });

  test('numIndexedCols limits leaves; statsColumns picks them; tightBounds is written when asked', () => {
    const schema = struct([field('a', 'integer'), field('s', struct([field('b', 'integer'), field('c', 'integer')])), field('d', 'integer')]);
    const table = rowsToArrow(schema, [{ a: 1, s: { b: 2, c: 3 }, d: 4 }]);
    expect(JSON.parse(computeStats(schema, table, { numIndexedCols: 2 })).minValues).toEqual({ a: 1, s: { b: 2 } });
    expect(JSON.parse(computeStats(schema, table, { statsColumns: ['s.c', 'd'] })).minValues).toEqual({ s: { c: 3 }, d: 4 });
    expect(JSON.parse(computeStats(schema, table, { numIndexedCols: 0 }))).toEqual({ numRecords: 1, minValues: {}, maxValues: {}, nullCount: {} });
    expect(JSON.parse(computeStats(schema, table, { tightBounds: true })).tightBounds).toBe(true);
  });

  test('a null struct counts as null in each of its leaves', () => {
    const schema = struct([field('s', struct([field('x', 'integer'), field('y', 'string')]))]);
    const stats = JSON.parse(computeStats(schema, rowsToArrow(schema, [{ s: null }, { s: { x: 1, y: null } }, { s: { x: 2, y: 'q' } }])));
    expect(stats.nullCount).toEqual({ s: { x: 1, y: 2 } });
    expect(stats.minValues).toEqual({ s: { x: 1, y: 'q' } });
  });
});
