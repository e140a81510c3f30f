import { expect, test } from 'bun:test';
import type { Add } from '../../../src/delta/actions.ts';
import { compactionCandidates } from '../../../src/silver/file-rows.ts';
import { recordCount } from '../../../src/delta/stats.ts';

const file = (name: string, size: number, numRecords: number): Add => ({
  path: `${name}.parquet`,
  partitionValues: {},
  size,
  modificationTime: 0,
  dataChange: true,
  stats: JSON.stringify({ numRecords }),
});

const dv = (cardinality: number): NonNullable<Add['deletionVector']> => ({
  storageType: 'i',
  pathOrInlineDv: 'wi5b=000010000siXQKl0rr91000f55c8Xg0@@D72lkbi5=-{L',
  sizeInBytes: 40,
  cardinality,
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

test('a long run of one small file a batch: each row is rewritten about log2 times, and the file count stays bounded', () => {
  let files: Add[] = [];
  let rewritten = 0;
  const batches = 5_000;
  for (let i = 0; i < batches; i++) {
    files.push(file(`b${i}`, 1_000, 10));
    const chosen = compactionCandidates(files);
    if (chosen.length === 0) continue;
    const merged = new Set(chosen);
    const size = chosen.reduce((sum, a) => sum + a.size, 0);
    rewritten += size;
    files = [
      ...files.filter((a) => !merged.has(a)),
      file(
        `c${i}`,
        size,
        chosen.reduce((sum, a) => sum + (recordCount(a) ?? 0), 0),
      ),
    ];
    expect(files.length).toBeLessThanOrEqual(32 + Math.ceil(Math.log2(batches)));
  }
  // Rewriting the previous round's output every round would be ~batches / 31 times the table.
  expect(rewritten / (batches * 1_000)).toBeLessThan(Math.log2(batches));
});

test('a file whose deletion vector drops most of its rows is rewritten even when larger than the rest', () => {
  const files = [...Array.from({ length: 32 }, (_, i) => file(`s${i}`, 10, 1)), { ...file('dv', 1_000, 100), deletionVector: dv(60) }];
  expect(compactionCandidates(files).map((a) => a.path)).toContain('dv.parquet');
});
