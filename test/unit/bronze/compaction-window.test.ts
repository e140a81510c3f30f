/** Which neighbouring bronze files a compaction folds (src/bronze/compaction.ts), on file lists alone. */
import { expect, test } from 'bun:test';
import { compactionWindow, type BronzeFile } from '../../../src/bronze/index.ts';

const KB = 1024;
/** Files in stored order: [first, last, size] each. */
const files = (...specs: [number, number, number][]): BronzeFile[] =>
  specs.map(([first, last, size]) => ({
    add: { path: `f${first}`, partitionValues: {}, size, modificationTime: 0, dataChange: true },
    versions: { first, last },
  }));
const batches = (from: number, count: number, size = 8 * KB) => Array.from({ length: count }, (_, i): [number, number, number] => [from + i, from + i, size]);
const ranges = (window: BronzeFile[]) => window.map((f) => `${f.versions!.first}-${f.versions!.last}`);

test('nothing is due until ten neighbouring files of one level exist', () => {
  expect(compactionWindow(files(...batches(1, 9)), 100)).toEqual([]);
  expect(ranges(compactionWindow(files(...batches(1, 12)), 100))).toEqual(batches(1, 10).map(([v]) => `${v}-${v}`));
});

test('only files of processed versions merge', () => {
  expect(compactionWindow(files(...batches(1, 12)), 9)).toEqual([]);
  expect(compactionWindow(files(...batches(1, 12)), 10)).toHaveLength(10);
});

test('levels do not mix: a merged file waits for nine more of its level', () => {
  // 1-10 is level 1; batches 12-20 are nine of level 0: nothing is due.
  expect(compactionWindow(files([1, 10, 80 * KB], ...batches(12, 9)), 100)).toEqual([]);
  // Ten level-1 files (spans of 10 to 99 versions) merge, even with compaction commits between them.
  const tens = Array.from({ length: 10 }, (_, i): [number, number, number] => [1 + i * 11, 10 + i * 11, 80 * KB]);
  expect(ranges(compactionWindow(files(...tens, ...batches(200, 3)), 300))).toEqual(tens.map(([a, b]) => `${a}-${b}`));
});

test('a file that is not small stays, and a merge stops before reading too much', () => {
  // A 256 KiB batch splits the run: the five small files before it and the five after are not ten.
  expect(compactionWindow(files(...batches(1, 5), [6, 6, 256 * KB], ...batches(7, 5)), 100)).toEqual([]);
  // Files of 225 KB: four fit in 1 MiB, the fifth would pass it, so four are due.
  expect(ranges(compactionWindow(files(...batches(1, 12, 225 * KB)), 100))).toEqual(batches(1, 4).map(([v]) => `${v}-${v}`));
});

test('files without a versions tag (written before bronze recorded them) never merge', () => {
  const untagged: BronzeFile[] = Array.from({ length: 20 }, (_, i) => ({
    add: { path: `old${i}`, partitionValues: {}, size: KB, modificationTime: 0, dataChange: true },
    versions: undefined,
  }));
  expect(compactionWindow(untagged, 100)).toEqual([]);
  expect(ranges(compactionWindow([...untagged, ...files(...batches(21, 10))], 100))).toHaveLength(10);
});
