import { expect, test } from 'bun:test';
import type { Add } from '../../../src/delta/actions.ts';
import { compactionCandidates } from '../../../src/silver/file-rows.ts';

const file = (name: string, size: number, numRecords: number): Add => ({
  path: `${name}.parquet`,
  partitionValues: {},
  size,
  modificationTime: 0,
  dataChange: true,
  stats: JSON.stringify({ numRecords }),
});

test('a table at or under maxFiles files is left alone', () => {
  expect(compactionCandidates([file('a', 10, 1), file('b', 10, 1)], { maxFiles: 2 })).toEqual([]);
});

test('small files are chosen smallest first, up to the byte bound', () => {
  const files = [file('big', 100 << 20, 1), file('c', 30, 3), file('a', 10, 1), file('b', 20, 2)];
  expect(compactionCandidates(files, { maxFiles: 1, maxBytes: 35 }).map((a) => a.path)).toEqual(['a.parquet', 'b.parquet']);
  expect(compactionCandidates(files, { maxFiles: 1 }).map((a) => a.path)).toEqual(['a.parquet', 'b.parquet', 'c.parquet']);
});

test('one compaction takes at most maxRows rows once it has two files, so batches never wait long behind it', () => {
  // Forty files of 20,000 rows, as a catch-up of a million-row table leaves them.
  const files = Array.from({ length: 40 }, (_, i) => file(`f${String(i).padStart(2, '0')}`, 1 << 20, 20_000));
  const chosen = compactionCandidates(files, { maxFiles: 32 });
  expect(chosen).toHaveLength(5);
  expect(compactionCandidates(files, { maxFiles: 32, maxRows: 50_000 })).toHaveLength(2);
  expect(compactionCandidates(files, { maxFiles: 32, maxRows: 1 })).toHaveLength(2);
});
