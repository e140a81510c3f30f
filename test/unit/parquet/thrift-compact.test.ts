/** The compact-protocol codec that edits Parquet footers writes back what it read, field for field. */
import { expect, test } from 'bun:test';
import { tableFromArrays } from 'apache-arrow';
import { writeParquet } from '../../../src/parquet/index.ts';
import { CompactReader, CompactWriter } from '../../../src/parquet/thrift-compact.ts';
import { declareInt96AsFixed, int96Micros } from '../../../src/parquet/int96.ts';

test('a Parquet footer parses and writes back to the same bytes', () => {
  const table = tableFromArrays({ id: BigInt64Array.from([1n, -2n, 3n]), name: ['a', 'ü', 'c'], score: Float64Array.from([0.5, NaN, -1e300]) });
  const file = writeParquet(table, { rowGroupSize: 2 });
  const n = file.length;
  const footerLength = new DataView(file.buffer, file.byteOffset + n - 8, 4).getUint32(0, true);
  const footer = file.subarray(n - 8 - footerLength, n - 8);
  const writer = new CompactWriter();
  writer.struct(new CompactReader(footer).struct());
  expect(writer.bytes()).toEqual(footer);
  expect(declareInt96AsFixed(file)).toBeUndefined(); // no INT96 column: the file is read as it is
});

test('INT96 values convert to microseconds without overflow at both ends of the range', () => {
  const at = (nanosOfDay: bigint, julianDay: number) => {
    const view = new DataView(new ArrayBuffer(12));
    view.setBigInt64(0, nanosOfDay, true);
    view.setInt32(8, julianDay, true);
    return int96Micros(view, 0);
  };
  expect(at(0n, 2_440_588)).toBe(0n); // 1970-01-01
  expect(at(86_399_999_999_999n, 5_373_484)).toBe(253_402_300_799_999_999n); // 9999-12-31T23:59:59.999999
  expect(at(1_000n, 1_721_426)).toBe(-62_135_596_799_999_999n); // 0001-01-01T00:00:00.000001
});
