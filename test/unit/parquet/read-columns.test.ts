import { expect, test } from 'bun:test';
import { tableFromArrays } from 'apache-arrow';
import { readParquet, readParquetColumns, writeParquet } from '../../../src/parquet/index.ts';

const bytes = writeParquet(
  tableFromArrays({ id: BigInt64Array.from([1n, 2n, 3n]), score: Float64Array.from([0.5, 1.5, 2.5]), other: BigInt64Array.from([7n, 8n, 9n]) }),
  { rowGroupSize: 2 },
);

test('readParquet reads every column', () => {
  expect(readParquet(bytes).schema.fields.map((f) => f.name)).toEqual(['id', 'score', 'other']);
});

test('readParquetColumns decodes only the named columns, across row groups', async () => {
  const table = await readParquetColumns(bytes, ['score']);
  expect(table.schema.fields.map((f) => f.name)).toEqual(['score']);
  expect(table.numRows).toBe(3);
  expect([...table.getChild('score')!]).toEqual([0.5, 1.5, 2.5]);
});

test('an unknown column is an error, not an empty table', async () => {
  await expect(readParquetColumns(bytes, ['nope'])).rejects.toThrow(/nope/);
});
