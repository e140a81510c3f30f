import { expect, test } from 'bun:test';
import { widenColumns, widenType, type ColumnSpec } from '../../../src/cdc/index.ts';
import { parseJson } from '../../../src/cdc/connect-json.ts';
import { inferRow } from '../../../src/cdc/infer.ts';
import { unavailableForms } from '../../../src/cdc/unavailable-value.ts';

const c = (name: string, type: ColumnSpec['type'], typeUnknown = false): ColumnSpec => ({
  name,
  type,
  nullable: true,
  connectType: 'x',
  ...(typeUnknown ? { typeUnknown } : {}),
});

test('widening inferred types', () => {
  expect(widenType('long', 'long')).toBe('long');
  expect(widenType('long', 'double')).toBe('double');
  expect(widenType('integer', 'long')).toBe('long');
  expect(widenType('boolean', 'long')).toBe('string');
  const merged = widenColumns([c('a', 'long'), c('b', 'string', true), c('c', 'boolean')], [c('a', 'double'), c('b', 'long'), c('d', 'string')]);
  expect(merged.map((m) => [m.name, m.type, m.typeUnknown ?? false])).toEqual([
    ['a', 'double', false],
    ['b', 'long', false],
    ['c', 'boolean', false],
    ['d', 'string', false],
  ]);
});

test('a number JsonConverter wrote as a double is a double, whole or not; NaN and the infinities too', () => {
  // Jackson writes float and double values with a fraction or an exponent, and non-finite ones as strings.
  const row = parseJson(
    '{"whole":7.0,"exp":-3.4E38,"big":1.0E10,"frac":1.5,"int":7,"nan":"NaN","inf":"-Infinity","text":"NaNa","nested":{"x":0.0}}',
    true,
  ) as Record<string, unknown>;
  const { columns } = inferRow(row, unavailableForms('__debezium_unavailable_value'), null);
  expect(Object.fromEntries(columns.map((col) => [col.name, col.type]))).toEqual({
    whole: 'double',
    exp: 'double',
    big: 'double',
    frac: 'double',
    int: 'long',
    nan: 'double',
    inf: 'double',
    text: 'string',
    nested: 'string',
  });
  expect(row).toEqual({ whole: 7, exp: -3.4e38, big: 1e10, frac: 1.5, int: '7', nan: 'NaN', inf: '-Infinity', text: 'NaNa', nested: '{"x":0}' });
});
