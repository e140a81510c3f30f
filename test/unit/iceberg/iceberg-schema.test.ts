/** Delta schemas as Iceberg schemas: ids in order, types mapped, and the name mapping readers need. */
import { expect, test } from 'bun:test';
import { field, struct } from '../../../src/delta/schema.ts';
import { icebergSchema } from '../../../src/iceberg/index.ts';

test('ids follow schema order through nested types; timestamps keep their zone semantics', () => {
  const { schema, lastColumnId, mapping } = icebergSchema(
    struct([
      field('id', 'long', false),
      field('at', 'timestamp'),
      field('local', 'timestamp_ntz'),
      field('amount', 'decimal(10,2)'),
      field('tiny', 'byte'),
      field('tags', { type: 'array', elementType: 'string', containsNull: true }),
      field('attrs', { type: 'map', keyType: 'string', valueType: 'long', valueContainsNull: false }),
    ]),
  );
  expect(schema).toEqual({
    type: 'struct',
    'schema-id': 0,
    fields: [
      { id: 1, name: 'id', required: true, type: 'long' },
      { id: 2, name: 'at', required: false, type: 'timestamptz' },
      { id: 3, name: 'local', required: false, type: 'timestamp' },
      { id: 4, name: 'amount', required: false, type: 'decimal(10, 2)' },
      { id: 5, name: 'tiny', required: false, type: 'int' },
      { id: 6, name: 'tags', required: false, type: { type: 'list', 'element-id': 7, element: 'string', 'element-required': false } },
      { id: 8, name: 'attrs', required: false, type: { type: 'map', 'key-id': 9, key: 'string', 'value-id': 10, value: 'long', 'value-required': true } },
    ],
  });
  expect(lastColumnId).toBe(10);
  expect(mapping[5]).toEqual({ 'field-id': 6, names: ['tags'], fields: [{ 'field-id': 7, names: ['element', 'item'] }] });
});
