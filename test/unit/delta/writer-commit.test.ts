import { describe, expect, test } from 'bun:test';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalStorage } from '../../../src/storage/local.ts';
import { DeltaTable } from '../../../src/delta/commit.ts';
import { Snapshot } from '../../../src/delta/snapshot.ts';
import { scan, type Row } from '../../../src/delta/scan.ts';
import { field, struct } from '../../../src/delta/schema.ts';
import { commitPath } from '../../../src/delta/log-segment.ts';
import { LakehouseError } from '../../../src/core/errors.ts';
import { silentLogger } from '../../../src/core/log.ts';
import type { Action } from '../../../src/delta/actions.ts';
import { withoutNulls } from './table-fixture.ts';
import { readCheckpointActions } from '../../../src/delta/checkpoint-read.ts';
import { writeCheckpoint } from '../../../src/delta/checkpoint-write.ts';

const tempStorage = () => new LocalStorage(mkdtempSync(join(tmpdir(), 'delta-writer-')));
const schema = struct([field('id', 'long', false), field('name', 'string'), field('city', 'string')]);
const rowsOf = async (table: DeltaTable, version?: number) => {
  const snap = version === undefined ? await table.refresh() : await Snapshot.open(table.storage, { version });
  const out: Row[] = [];
  for await (const row of scan(snap, table.storage)) out.push(row);
  return out.sort((a, b) => Number(a.id) - Number(b.id));
};
const logLines = (storage: LocalStorage, version: number) =>
  readFileSync(join(storage.root, commitPath(version)), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
const append = async (table: DeltaTable, rows: Record<string, unknown>[]) => {
  const tx = table.transaction({ operation: 'WRITE', operationParameters: { mode: 'Append' } });
  await tx.writeRows(rows);
  return tx.commit();
};
const codeOf = async (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (e: LakehouseError) => e.code,
  );

describe('DeltaTable.create / open', () => {
  test('creates version 0 at reader version 1 with in-commit timestamps, and refuses to create twice', async () => {
    const storage = tempStorage();
    const table = await DeltaTable.create(storage, { schema, name: 'voters' });
    expect(table.snapshot().version).toBe(0);
    expect(table.snapshot().protocol).toEqual({ minReaderVersion: 1, minWriterVersion: 7, writerFeatures: ['appendOnly', 'invariants', 'inCommitTimestamp'] });
    const plain = await DeltaTable.create(tempStorage(), { schema, configuration: { 'delta.enableInCommitTimestamps': 'false' } });
    expect(plain.snapshot().protocol).toEqual({ minReaderVersion: 1, minWriterVersion: 2 });
    expect(table.snapshot().metadata.name).toBe('voters');
    const [commitInfo] = logLines(storage, 0);
    expect(commitInfo.commitInfo).toMatchObject({ operation: 'CREATE TABLE', isBlindAppend: true });
    expect(commitInfo.commitInfo.engineInfo).toMatch(/^lakehouse\/\d+\.\d+\.\d+/);
    const err = await DeltaTable.create(storage, { schema }).catch((e) => e);
    expect(err).toBeInstanceOf(LakehouseError);
    expect(err.code).toBe('conflict');
    expect(err.message).toContain('already exists');
    expect((await DeltaTable.openOrCreate(storage, { schema })).snapshot().version).toBe(0);
    expect(await codeOf(DeltaTable.open(tempStorage()))).toBe('not_found');
  });

  test('features follow the configuration and the schema', async () => {
    const dv = await DeltaTable.create(tempStorage(), { schema, configuration: { 'delta.enableDeletionVectors': 'true' } });
    expect(dv.snapshot().protocol).toEqual({
      minReaderVersion: 3,
      minWriterVersion: 7,
      readerFeatures: ['deletionVectors'],
      writerFeatures: ['appendOnly', 'invariants', 'deletionVectors', 'inCommitTimestamp'],
    });
    const ntz = await DeltaTable.create(tempStorage(), { schema: struct([field('t', 'timestamp_ntz')]) });
    expect(ntz.snapshot().protocol.readerFeatures).toEqual(['timestampNtz']);
  });

  test('column mapping assigns physical names that data files and stats use', async () => {
    const storage = tempStorage();
    const table = await DeltaTable.create(storage, { schema, configuration: { 'delta.columnMapping.mode': 'name' } });
    const f = table.snapshot().schema.fields[0];
    expect(f.metadata['delta.columnMapping.physicalName']).toMatch(/^col-/);
    expect(table.snapshot().tableProperties['delta.columnMapping.maxColumnId']).toBe('3');
    await append(table, [{ id: 1, name: 'a', city: 'x' }]);
    const add = table.snapshot().files()[0];
    expect(Object.keys(JSON.parse(add.stats!).minValues)).toEqual(
      table.snapshot().schema.fields.map((x) => String(x.metadata['delta.columnMapping.physicalName'])),
    );
    expect(await rowsOf(table)).toEqual([{ id: '1', name: 'a', city: 'x' }]);

    const evolve = table.transaction({ operation: 'ADD COLUMNS' });
    evolve.updateMetadata({ schema: struct([...table.snapshot().schema.fields, field('age', 'integer')]) });
    await evolve.writeRows([{ id: 2, age: 5 }]);
    await evolve.commit();
    const age = table.snapshot().schema.fields[3];
    expect(age.metadata).toMatchObject({ 'delta.columnMapping.id': 4 });
    expect(table.snapshot().tableProperties['delta.columnMapping.maxColumnId']).toBe('4');
    expect((await rowsOf(table)).map((r) => r.age)).toEqual([null, 5]);
  });
});

describe('Transaction', () => {
  test('writeRows + commit: rows read back, commitInfo and stats written', async () => {
    const storage = tempStorage();
    const table = await DeltaTable.create(storage, { schema });
    const version = await append(table, [
      { id: 1, name: 'Ann', city: 'Oslo' },
      { id: 2n, name: null, city: 'Rome' },
    ]);
    expect(version).toBe(1);
    expect(await rowsOf(table)).toEqual([
      { id: '1', name: 'Ann', city: 'Oslo' },
      { id: '2', name: null, city: 'Rome' },
    ]);
    const lines = logLines(storage, 1);
    expect(lines[0].commitInfo).toMatchObject({ operation: 'WRITE', operationParameters: { mode: 'Append' }, isBlindAppend: true, readVersion: 0 });
    const add = lines[1].add;
    expect(add.path).toMatch(/^part-00000-[0-9a-f-]{36}-c000\.zstd\.parquet$/);
    expect(add.dataChange).toBe(true);
    expect(JSON.parse(add.stats)).toEqual({
      numRecords: 2,
      minValues: { id: 1, name: 'Ann', city: 'Oslo' },
      maxValues: { id: 2, name: 'Ann', city: 'Rome' },
      nullCount: { id: 0, name: 1, city: 0 },
    });
    expect(add.size).toBe(readFileSync(join(storage.root, add.path)).length);
  });

  test('partitioned writes: one file per partition in escaped directories, values not stored in files', async () => {
    const storage = tempStorage();
    const table = await DeltaTable.create(storage, { schema, partitionColumns: ['city'] });
    await append(table, [
      { id: 1, name: 'a', city: 'New York' },
      { id: 2, name: 'b', city: 'a/b=c%' },
      { id: 3, name: 'c', city: null },
      { id: 4, name: 'd', city: 'New York' },
    ]);
    const adds = table
      .snapshot()
      .files()
      .sort((a, b) => (a.path < b.path ? -1 : 1));
    expect(adds.map((a) => a.partitionValues.city)).toEqual(['New York', null, 'a/b=c%']);
    expect(adds.map((a) => a.path.split('/')[0])).toEqual(['city=New%20York', 'city=__HIVE_DEFAULT_PARTITION__', 'city=a%252Fb%253Dc%2525']);
    expect(readdirSync(storage.root).sort()).toEqual(['_delta_log', 'city=New York', 'city=__HIVE_DEFAULT_PARTITION__', 'city=a%2Fb%3Dc%25']);
    expect(JSON.parse(adds[0].stats!).minValues).toEqual({ id: 1, name: 'a' });
    expect(await rowsOf(table)).toEqual([
      { id: '1', name: 'a', city: 'New York' },
      { id: '2', name: 'b', city: 'a/b=c%' },
      { id: '3', name: 'c', city: null },
      { id: '4', name: 'd', city: 'New York' },
    ]);
  });

  test('setTxn is recorded; remove drops a file; updateMetadata evolves the schema', async () => {
    const table = await DeltaTable.create(tempStorage(), { schema });
    const tx = table.transaction({ operation: 'WRITE' });
    await tx.writeRows([{ id: 1, name: 'a', city: 'x' }]);
    tx.setTxn('kafka-0', 41);
    tx.setTxn('kafka-0', 42);
    await tx.commit();
    expect(table.snapshot().txnVersion('kafka-0')).toBe(42);

    const evolve = table.transaction({ operation: 'ADD COLUMNS' });
    evolve.updateMetadata({ schema: struct([...schema.fields, field('age', 'integer')]) });
    await evolve.writeRows([{ id: 2, name: 'b', city: 'y', age: 30 }]);
    await evolve.commit();
    expect(await rowsOf(table)).toEqual([
      { id: '1', name: 'a', city: 'x', age: null },
      { id: '2', name: 'b', city: 'y', age: 30 },
    ]);

    const del = table.transaction({ operation: 'DELETE' });
    const first = table
      .snapshot()
      .files()
      .find((a) => JSON.parse(a.stats!).minValues.id === 1)!;
    del.remove(first);
    const v = await del.commit();
    const removeLine = logLines(table.storage as LocalStorage, v).find((l) => l.remove).remove;
    expect(removeLine).toMatchObject({ path: first.path, dataChange: true, size: first.size });
    expect(typeof removeLine.deletionTimestamp).toBe('number');
    expect(logLines(table.storage as LocalStorage, v)[0].commitInfo.isBlindAppend).toBe(false);
    expect(await rowsOf(table)).toEqual([{ id: '2', name: 'b', city: 'y', age: 30 }]);
    expect(await rowsOf(table, 1)).toEqual([{ id: '1', name: 'a', city: 'x' }]);
  });

  test('a transaction commits once', async () => {
    const table = await DeltaTable.create(tempStorage(), { schema });
    const tx = table.transaction({ operation: 'WRITE' });
    await tx.commit();
    expect(await codeOf(tx.commit())).toBe('invalid_input');
  });
});

describe('optimistic concurrency', () => {
  test('concurrent blind appends both commit, at consecutive versions', async () => {
    const storage = tempStorage();
    const a = await DeltaTable.create(storage, { schema });
    const b = await DeltaTable.open(storage);
    const ta = a.transaction({ operation: 'WRITE' });
    const tb = b.transaction({ operation: 'WRITE' });
    await ta.writeRows([{ id: 1 }]);
    await tb.writeRows([{ id: 2 }]);
    expect(await ta.commit()).toBe(1);
    expect(await tb.commit()).toBe(2);
    expect((await rowsOf(a)).map((r) => r.id)).toEqual(['1', '2']);
  });

  test('in-commit timestamps come first in every commit and grow, even past a winner whose clock is ahead', async () => {
    const storage = tempStorage();
    const table = await DeltaTable.create(storage, { schema });
    await append(table, [{ id: 1 }]);
    const loser = table.transaction({ operation: 'WRITE' });
    await loser.writeRows([{ id: 2 }]);
    const ahead = Date.now() + 3_600_000;
    const winner = { commitInfo: { timestamp: ahead, inCommitTimestamp: ahead, operation: 'WRITE', operationParameters: {} } };
    expect(await storage.putIfAbsent(commitPath(2), JSON.stringify(winner) + '\n')).toBe(true);
    expect(await loser.commit()).toBe(3);
    const times = [0, 1, 2, 3].map((v) => logLines(storage, v)[0].commitInfo.inCommitTimestamp);
    expect(times.every((t) => typeof t === 'number')).toBe(true);
    expect(times[3]).toBe(ahead + 1);
    expect(times[1]).toBeGreaterThan(times[0]);
    expect((await table.refresh()).timestamp).toBe(ahead + 1);
  });

  test('removing a file that a concurrent commit removed is a conflict; compaction vs append is not', async () => {
    const storage = tempStorage();
    const a = await DeltaTable.create(storage, { schema });
    await append(a, [{ id: 1 }]);
    const b = await DeltaTable.open(storage);
    const file = a.snapshot().files()[0];
    const ta = a.transaction({ operation: 'DELETE' });
    const tb = b.transaction({ operation: 'OPTIMIZE' });
    const tc = b.transaction({ operation: 'WRITE' });
    ta.remove(file);
    tb.remove(file, { dataChange: false });
    await tc.writeRows([{ id: 2 }]);
    expect(await tc.commit()).toBe(2);
    expect(await ta.commit()).toBe(3); // the append did not touch the removed file
    const err = await tb.commit().catch((e) => e);
    expect(err.code).toBe('conflict');
    expect(err.message).toContain(`removed the file ${file.path}`);
  });

  test('metadata changes and the same txn appId conflict', async () => {
    const storage = tempStorage();
    const a = await DeltaTable.create(storage, { schema });
    const b = await DeltaTable.open(storage);
    const ta = a.transaction({ operation: 'SET TBLPROPERTIES' });
    ta.updateMetadata({ configuration: { 'delta.appendOnly': 'false' } });
    const tb = b.transaction({ operation: 'WRITE' });
    tb.setTxn('app', 1);
    const tc = b.transaction({ operation: 'WRITE' });
    await ta.commit();
    expect((await tb.commit().catch((e) => e)).message).toContain('changed the table metadata');
    await b.refresh();
    const td = b.transaction({ operation: 'WRITE' });
    const te = b.transaction({ operation: 'WRITE' });
    td.setTxn('app', 1);
    te.setTxn('app', 2);
    await td.commit();
    expect((await te.commit().catch((e) => e)).message).toContain('recorded a transaction for app id app');
    expect(await codeOf(tc.commit())).toBe('conflict');
  });

  test('two processes appending at once: no commit lost or torn, versions contiguous', async () => {
    const storage = tempStorage();
    await DeltaTable.create(storage, { schema });
    const perProcess = 15;
    const worker = join(import.meta.dir, 'writer-append-worker.ts');
    const procs = ['p1', 'p2'].map((tag) => Bun.spawn([process.execPath, worker, storage.root, tag, String(perProcess)], { stdout: 'pipe', stderr: 'pipe' }));
    const codes = await Promise.all(procs.map((p) => p.exited));
    for (const p of procs) if ((await p.exited) !== 0) console.error(await new Response(p.stderr).text());
    expect(codes).toEqual([0, 0]);
    const table = await DeltaTable.open(storage, { logger: silentLogger });
    expect(table.snapshot().version).toBe(2 * perProcess);
    for (let v = 0; v <= 2 * perProcess; v++) expect(existsSync(join(storage.root, commitPath(v)))).toBe(true);
    const ids = (await rowsOf(table)).map((r) => r.id);
    const expected = ['p1', 'p2'].flatMap((_tag, t) => Array.from({ length: perProcess }, (_, i) => String(t * 1000 + i)));
    expect(ids).toEqual(expected.sort((a, b) => Number(a) - Number(b)));
  }, 60_000);
});

describe('checkpoints', () => {
  test('every delta.checkpointInterval commits a Spark-layout checkpoint is written and read back', async () => {
    const storage = tempStorage();
    const table = await DeltaTable.create(storage, { schema, configuration: { 'delta.checkpointInterval': '3' } });
    for (let i = 0; i < 7; i++) {
      const tx = table.transaction({ operation: 'WRITE' });
      await tx.writeRows([{ id: i, name: `n${i}` }]);
      if (i === 4) tx.remove(table.snapshot().files()[0]);
      tx.setTxn('app', i);
      await tx.commit();
      // The handle's snapshot (built from its own commit, not the log) equals a fresh replay.
      const fresh = await Snapshot.open(storage);
      expect(table.snapshot().version).toBe(fresh.version);
      expect(withoutNulls(table.snapshot().files())).toEqual(withoutNulls(fresh.files()));
      expect(table.snapshot().txnVersion('app')).toBe(fresh.txnVersion('app'));
    }
    const log = readdirSync(join(storage.root, '_delta_log')).sort();
    expect(log.filter((f) => f.includes('checkpoint'))).toEqual([
      '00000000000000000003.checkpoint.parquet',
      '00000000000000000006.checkpoint.parquet',
      '_last_checkpoint',
    ]);
    expect(JSON.parse(readFileSync(join(storage.root, '_delta_log/_last_checkpoint'), 'utf8'))).toMatchObject({ version: 6, numOfAddFiles: 5 });
    // Read from the checkpoint alone: hide the commits it covers.
    const fromCheckpoint = await Snapshot.open(storage, { version: 6 });
    expect(fromCheckpoint.logSegment.checkpoint?.version).toBe(6);
    expect(fromCheckpoint.txnVersion('app')).toBe(5);
    expect(fromCheckpoint.files().length).toBe(5);
    expect((await rowsOf(table, 6)).map((r) => r.id)).toEqual(['1', '2', '3', '4', '5']);
    expect((await rowsOf(table)).map((r) => r.id)).toEqual(['1', '2', '3', '4', '5', '6']);
  });

  test('a checkpoint written from the state the handle kept holds what one written from the log holds', async () => {
    const storage = tempStorage();
    const table = await DeltaTable.create(storage, { schema, configuration: { 'delta.checkpointInterval': '3' } });
    for (let i = 1; i <= 6; i++) {
      const tx = table.transaction({ operation: 'WRITE' });
      await tx.writeRows([{ id: i, name: `n${i}` }]);
      // Tombstones from before the first checkpoint (carried over) and after it (new).
      if (i === 2 || i === 4) tx.remove(table.snapshot().files()[0]);
      tx.setTxn(`app${i % 2}`, i);
      await tx.commit();
    }
    // The handle starts its segment at the checkpoint it wrote, without reading it back.
    expect(table.snapshot().logSegment.checkpoint?.version).toBe(6);
    expect(table.snapshot().logSegment.commits).toEqual([]);
    const sorted = (actions: Action[]) => actions.map((a) => JSON.stringify(a)).sort();
    const checkpoint = table.snapshot().logSegment.checkpoint!;
    const kept = sorted(await readCheckpointActions(storage, checkpoint));
    // The same version checkpointed again, from a replay of the log.
    await writeCheckpoint(storage, await Snapshot.open(storage, { version: 6 }));
    expect(sorted(await readCheckpointActions(storage, checkpoint))).toEqual(kept);
    expect(kept.filter((a) => a.startsWith('{"remove"'))).toHaveLength(2);
    expect(kept.filter((a) => a.startsWith('{"txn"'))).toHaveLength(2);
    expect(withoutNulls((await Snapshot.open(storage)).files())).toEqual(withoutNulls(table.snapshot().files()));
  });
});
