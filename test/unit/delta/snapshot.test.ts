import { describe, expect, test } from 'bun:test';
import { Snapshot } from '../../../src/delta/snapshot.ts';
import { scan, scanFiles } from '../../../src/delta/scan.ts';
import { history } from '../../../src/delta/history.ts';
import { collect, commitInfo, idSchema, inlineDv, metaData, protocol, tempStorage, writeCommit, writeIdFile } from './table-fixture.ts';

/** v0 creates the table with a.parquet [1,2,3]; v1 adds b.parquet [4,5] and a txn; v2 removes a.parquet. */
async function threeVersionTable() {
  const storage = tempStorage();
  const a = await writeIdFile(storage, 'a.parquet', [1, 2, 3]);
  const b = await writeIdFile(storage, 'b.parquet', [4, 5]);
  await writeCommit(storage, 0, [commitInfo(1_000, 'CREATE TABLE'), protocol(), metaData(idSchema, { configuration: { 'delta.appendOnly': 'false' } }), a]);
  await writeCommit(storage, 1, [commitInfo(2_000), { txn: { appId: 'orders-0', version: 41 } }, b]);
  await writeCommit(storage, 2, [
    commitInfo(3_000, 'DELETE'),
    { remove: { path: 'a.parquet', dataChange: true, deletionTimestamp: 3_000 } },
    { txn: { appId: 'orders-0', version: 42 } },
  ]);
  return storage;
}

const ids = async (storage: ReturnType<typeof tempStorage>, snapshot: Snapshot) => (await collect(scan(snapshot, storage))).map((r) => r.id).sort();

describe('Snapshot', () => {
  test('replays the log to the latest version', async () => {
    const storage = await threeVersionTable();
    const snapshot = await Snapshot.open(storage);
    expect(snapshot.version).toBe(2);
    expect(snapshot.timestamp).toBe(3_000);
    expect(snapshot.files().map((f) => f.path)).toEqual(['b.parquet']);
    expect(snapshot.txnVersion('orders-0')).toBe(42);
    expect(snapshot.txnVersion('other')).toBeUndefined();
    expect(snapshot.tableProperties).toEqual({ 'delta.appendOnly': 'false' });
    expect(snapshot.schema.fields.map((f) => f.name)).toEqual(['id']);
    expect(await ids(storage, snapshot)).toEqual(['4', '5']);
    expect(await Snapshot.latestVersion(storage)).toBe(2);
    expect(await Snapshot.latestVersion(tempStorage())).toBeUndefined();
  });

  test('time travels by version and by timestamp', async () => {
    const storage = await threeVersionTable();
    expect(await ids(storage, await Snapshot.open(storage, { version: 0 }))).toEqual(['1', '2', '3']);
    const atV1 = await Snapshot.open(storage, { timestamp: 2_500 });
    expect(atV1.version).toBe(1);
    expect(atV1.txnVersion('orders-0')).toBe(41);
    expect((await Snapshot.open(storage, { timestamp: 3_000 })).version).toBe(2);
    expect((await Snapshot.open(storage, { timestamp: 1_000_000 })).version).toBe(2);
    await expect(Snapshot.open(storage, { timestamp: 999 })).rejects.toMatchObject({ code: 'not_found' });
    await expect(Snapshot.open(storage, { version: 3 })).rejects.toMatchObject({ code: 'not_found' });
  });

  test('scan honours columns and limit', async () => {
    const storage = await threeVersionTable();
    const snapshot = await Snapshot.open(storage, { version: 1 });
    expect(await collect(scan(snapshot, storage, { limit: 2 }))).toHaveLength(2);
    expect(await collect(scan(snapshot, storage, { limit: 0 }))).toHaveLength(0);
    await expect(collect(scan(snapshot, storage, { columns: ['nope'] }))).rejects.toThrow('no column named nope');
  });

  test('live files are keyed by (path, deletion vector)', async () => {
    const storage = tempStorage();
    const { add } = await writeIdFile(storage, 'a.parquet', [10, 11, 12, 13]);
    const dv1 = inlineDv([0]);
    const dv2 = inlineDv([0, 2]);
    await writeCommit(storage, 0, [
      commitInfo(1),
      protocol({ minReaderVersion: 3, minWriterVersion: 7, readerFeatures: ['deletionVectors'], writerFeatures: ['deletionVectors'] }),
      metaData(idSchema),
      { add: { ...add, deletionVector: dv1 } },
    ]);
    // A DELETE re-adds the same path with a bigger DV and removes the old (path, dv1) entry.
    await writeCommit(storage, 1, [
      commitInfo(2),
      { add: { ...add, deletionVector: dv2 } },
      { remove: { path: 'a.parquet', dataChange: true, deletionVector: dv1 } },
    ]);
    const snapshot = await Snapshot.open(storage);
    expect(snapshot.files()).toHaveLength(1);
    expect(await ids(storage, snapshot)).toEqual(['11', '13']);
    const [scanned] = await collect(scanFiles(snapshot, storage));
    expect(Array.from(scanned.deletedRows)).toEqual([0, 2]);
    expect(scanned.table.numRows).toBe(4);
  });

  test('refuses a reader feature it does not support, listing the supported ones', async () => {
    const storage = tempStorage();
    await writeCommit(storage, 0, [
      protocol({ minReaderVersion: 3, minWriterVersion: 7, readerFeatures: ['variantType'], writerFeatures: ['variantType'] }),
      metaData(idSchema),
    ]);
    const err = await Snapshot.open(storage).catch((e) => e);
    expect(err.code).toBe('unsupported');
    expect(err.message).toBe('unsupported Delta feature: variantType');
    expect(err.hint).toContain('deletionVectors');
  });

  test('a log without metaData is corrupt', async () => {
    const storage = tempStorage();
    await writeCommit(storage, 0, [protocol()]);
    await expect(Snapshot.open(storage)).rejects.toMatchObject({ code: 'corrupt_table', message: expect.stringContaining('no metaData') });
  });

  test('a missing data file names the file', async () => {
    const storage = tempStorage();
    await writeCommit(storage, 0, [
      protocol(),
      metaData(idSchema),
      { add: { path: 'gone.parquet', partitionValues: {}, size: 1, modificationTime: 0, dataChange: true } },
    ]);
    await expect(collect(scan(await Snapshot.open(storage), storage))).rejects.toThrow('gone.parquet is missing');
  });
});

describe('history', () => {
  test('lists commitInfo newest first', async () => {
    const storage = await threeVersionTable();
    const entries = await history(storage);
    expect(entries.map((e) => [e.version, e.timestamp, e.operation])).toEqual([
      [2, 3_000, 'DELETE'],
      [1, 2_000, 'WRITE'],
      [0, 1_000, 'CREATE TABLE'],
    ]);
    expect(entries[0].engineInfo).toBe('test');
    expect(entries[0].operationParameters).toEqual({ mode: 'Append' });
    expect(await history(storage, { limit: 1 })).toHaveLength(1);
  });
});
