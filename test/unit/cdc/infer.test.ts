import { expect, test } from 'bun:test';
import { widenColumns, widenType, type ColumnSpec } from '../../../src/cdc/index.ts';

const c = (name: string, type: ColumnSpec['type'], typeUnknown = false): ColumnSpec => ({ name, type, nullable: true, connectType: 'x', ...(typeUnknown ? { typeUnknown } : {}) });

test('widening inferred types', () => {
  expect(widenType('long', 'long')).toBe('long');
  expect(widenType('long', 'double')).toBe('double');
  expect(widenType('integer', 'long')).toBe('long');
  expect(widenType('boolean', 'long')).toBe('string');
  const merged = widenColumns([c('a', 'long'), c('b', 'string', true), c('c', 'boolean')], [c('a', 'double'), c('b', 'long'), c('d', 'string')]);
  expect(merged.map((m) => [m.name, m.type, m.typeUnknown ?? false])).toEqual([
    ['a', 'double', false], ['b', 'long', false], ['c', 'boolean', false], ['d', 'string', false],
  ]);
});
