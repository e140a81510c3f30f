import { describe, expect, test } from 'bun:test';
import { tableChanges } from '../../../src/delta/cdf.ts';
import { collect, commitInfo, idSchema, inlineDv, metaData, protocol, tempStorage, writeCommit, writeIdFile } from './table-fixture.ts';

const dvProtocol = protocol({
  minReaderVersion: 3,
  minWriterVersion: 7,
  readerFeatures: ['deletionVectors'],
  writerFeatures: ['deletionVectors', 'changeDataFeed'],
});

describe('change data feed', () => {
  test('derives deletes and restores from deletion vector changes', async () => {
    const storage = tempStorage();
    const { add } = await writeIdFile(storage, 'a.parquet', [1, 2, 3, 4]);
    const dv = inlineDv([1, 3]);
    await writeCommit(storage, 0, [commitInfo(1_000), dvProtocol, metaData(idSchema, { configuration: { 'delta.enableChangeDataFeed': 'true' } }), { add }]);
    await writeCommit(storage, 1, [commitInfo(2_000), { remove: { path: 'a.parquet', dataChange: true } }, { add: { ...add, deletionVector: dv } }]);
    await writeCommit(storage, 2, [
      commitInfo(3_000),
      { remove: { path: 'a.parquet', dataChange: true, deletionVector: dv } },
      { add: { ...add, deletionVector: inlineDv([3]) } },
    ]);
    const rows = await collect(tableChanges(storage, { startVersion: 0 }));
    expect(rows.map((r) => [r.id, r._change_type, r._commit_version])).toEqual([
      ['1', 'insert', '0'],
      ['2', 'insert', '0'],
      ['3', 'insert', '0'],
      ['4', 'insert', '0'],
      ['2', 'delete', '1'],
      ['4', 'delete', '1'],
      ['2', 'insert', '2'],
    ]);
    expect(rows[0]._commit_timestamp).toBe('1970-01-01T00:00:01.000000');
    expect(await collect(tableChanges(storage, { startVersion: 2, endVersion: 2 }))).toHaveLength(1);
  });

  test('refuses a table without the change data feed enabled', async () => {
    const storage = tempStorage();
    await writeCommit(storage, 0, [protocol(), metaData(idSchema), await writeIdFile(storage, 'a.parquet', [1])]);
    await expect(collect(tableChanges(storage, { startVersion: 0 }))).rejects.toMatchObject({
      code: 'invalid_input',
      message: expect.stringContaining('not enabled'),
    });
    await expect(collect(tableChanges(storage, { startVersion: 5 }))).rejects.toThrow('outside 0..0');
  });
});
