import { afterEach, describe, expect, test } from 'bun:test';
import { Database } from 'bun:sqlite';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { LocalStorage } from '../../../src/storage/local.ts';
import type { FileInfo, Storage } from '../../../src/storage/storage.ts';
import { LogIndex } from '../../../src/delta/log-index.ts';
import { Snapshot, fileKey } from '../../../src/delta/snapshot.ts';
import { DeltaTable } from '../../../src/delta/commit.ts';
import { optimize } from '../../../src/delta/maintenance.ts';
import { LOG_DIR, parseLogFileName } from '../../../src/delta/log-segment.ts';
import { field, struct } from '../../../src/delta/schema.ts';

const tempDir = (prefix: string) => mkdtempSync(join(tmpdir(), prefix));
const opened: LogIndex[] = [];
const openIndex = (path = join(tempDir('log-index-'), 'lakehouse.db')) => {
  const index = LogIndex.open(path);
  opened.push(index);
  return index;
};
afterEach(() => {
  for (const index of opened.splice(0)) index.close();
});

/** Storage that records which files were read, to tell a catch-up from a rebuild. */
class CountingStorage implements Storage {
  readonly reads: string[] = [];
  lists = 0;
  constructor(private readonly inner: Storage) {}
  get root() {
    return this.inner.root;
  }
  read(path: string) {
    this.reads.push(path);
    return this.inner.read(path);
  }
  readRange(path: string, start: number, end: number) {
    return this.inner.readRange(path, start, end);
  }
  list(dir: string, options?: { recursive?: boolean }): Promise<FileInfo[]> {
    this.lists++;
    return this.inner.list(dir, options);
  }
  write(path: string, bytes: Uint8Array | string) {
    return this.inner.write(path, bytes);
  }
  putIfAbsent(path: string, bytes: Uint8Array | string) {
    return this.inner.putIfAbsent(path, bytes);
  }
  delete(path: string) {
    return this.inner.delete(path);
  }
  at(dir: string) {
    return this.inner.at(dir);
  }
  reset() {
    this.reads.length = 0;
    this.lists = 0;
  }
}

const privateMap = (s: Snapshot, name: 'domains') => Object.fromEntries((s as unknown as Record<string, Map<string, unknown>>)[name]);

/**
 * Actions as the state they describe. An index caught up from commits holds the commits' spelling of
 * actions that replay from a newer checkpoint reads from the checkpoint: there, absent optional fields
 * are null, dataChange is false, and files come in checkpoint order.
 */
const withoutNulls = (value: unknown): unknown => JSON.parse(JSON.stringify(value, (_k, v) => (v === null ? undefined : v)));
const liveSet = (s: Snapshot) =>
  withoutNulls(
    s
      .files()
      .map(({ dataChange: _, ...add }) => add)
      .sort((a, b) => fileKey(a).localeCompare(fileKey(b))),
  );

/**
 * The index's snapshot must be indistinguishable from plain log replay. Its log segment may start at an
 * older checkpoint (the index learns of checkpoints by listing, which catching up skips) but must
 * replay to the same state.
 */
async function expectSameSnapshot(indexed: Snapshot, plain: Snapshot) {
  expect(indexed.version).toBe(plain.version);
  expect(indexed.timestamp).toBe(plain.timestamp);
  expect(withoutNulls(indexed.protocol)).toEqual(withoutNulls(plain.protocol));
  expect(withoutNulls(indexed.metadata)).toEqual(withoutNulls(plain.metadata));
  expect(liveSet(indexed)).toEqual(liveSet(plain));
  expect(Object.fromEntries(indexed.txnVersions())).toEqual(Object.fromEntries(plain.txnVersions()));
  expect(privateMap(indexed, 'domains')).toEqual(privateMap(plain, 'domains'));
  expect(indexed.logSegment.version).toBe(plain.version);
  expect(indexed.logSegment.checkpoint?.version ?? -1).toBeLessThanOrEqual(plain.logSegment.checkpoint?.version ?? -1);
  const replayed = await Snapshot.replay(storageOf(plain), indexed.logSegment);
  expect(withoutNulls([...replayed.state.files.values()].map(({ dataChange: _, ...add }) => add).sort((a, b) => fileKey(a).localeCompare(fileKey(b))))).toEqual(
    liveSet(plain),
  );
}

const storages = new WeakMap<Snapshot, Storage>();
/** Remembers which storage a plain snapshot was opened from, to replay other segments there. */
async function openPlain(storage: Storage): Promise<Snapshot> {
  const snapshot = await Snapshot.open(storage);
  storages.set(snapshot, storage);
  return snapshot;
}
const storageOf = (s: Snapshot) => storages.get(s)!;

const outcome = <T>(p: Promise<T>) =>
  p.then(
    (value) => ({ value }),
    (error: { code?: string; message?: string }) => ({ error: `${error.code}: ${error.message}` }),
  );

describe('conformance tables', () => {
  const root = resolve(import.meta.dir, '../../../../shared/delta-conformance');
  const cases: { id: string; table: string }[] = JSON.parse(readFileSync(join(root, 'manifest.json'), 'utf8')).cases;

  for (const c of cases) {
    test(`${c.id}: indexed = replayed, fresh and caught up from the middle of the log`, async () => {
      const dir = tempDir('log-index-conf-');
      cpSync(join(root, c.table), dir, { recursive: true });
      const storage = new LocalStorage(dir);
      const plain = await outcome(openPlain(storage));
      const index = openIndex();
      const indexed = await outcome(index.snapshot(storage));
      if ('error' in plain) {
        expect(indexed).toEqual(plain); // a broken log is as broken through the index
        return;
      }
      if (!('value' in indexed)) throw new Error(`index failed where replay worked: ${indexed.error}`);
      await expectSameSnapshot(indexed.value, plain.value);
      const loaded = await index.snapshot(storage); // now from SQLite
      await expectSameSnapshot(loaded, plain.value);
      expect(loaded.files()).toEqual(plain.value.files()); // same actions, in replay order

      // Hide the second half of the log, index it, bring the log back: the index catches up.
      const middle = Math.floor(plain.value.version / 2);
      if (middle === plain.value.version) return;
      const hidden = join(dir, 'hidden');
      mkdirSync(hidden);
      const later = readdirSync(join(dir, LOG_DIR)).filter((name) => (parseLogFileName(name)?.version ?? -1) > middle);
      for (const name of later) renameSync(join(dir, LOG_DIR, name), join(hidden, name));
      const behind = openIndex();
      const atMiddle = await outcome(behind.snapshot(storage));
      if ('error' in atMiddle) return; // the middle version is not reconstructable (log cleaned up); replay agrees below
      expect(atMiddle.value.version).toBe(middle);
      for (const name of later) renameSync(join(hidden, name), join(dir, LOG_DIR, name));
      const caughtUp = await behind.snapshot(storage);
      await expectSameSnapshot(caughtUp, plain.value);
      expect((await behind.snapshot(storage)).files()).toEqual(caughtUp.files()); // persisted in replay order
    });
  }
});

const schema = struct([field('id', 'long'), field('part', 'string')]);

async function append(table: DeltaTable, ids: number[], txn?: [string, number]) {
  const tx = table.transaction({ operation: 'WRITE', operationParameters: { mode: 'Append' } });
  await tx.writeRows(ids.map((id) => ({ id, part: id % 2 ? 'odd' : 'even' })));
  if (txn) tx.setTxn(...txn);
  return tx.commit();
}

async function deleteFirstRow(table: DeltaTable) {
  const tx = table.transaction({ operation: 'DELETE' });
  const add = table
    .snapshot()
    .files()
    .find((a) => JSON.parse(a.stats!).numRecords > 1 + (a.deletionVector?.cardinality ?? 0))!;
  const deleted = add.deletionVector ? add.deletionVector.cardinality : 0;
  await tx.deleteRows(add, [deleted]);
  return tx.commit();
}

describe('tables written by the writer', () => {
  test('after every commit (appends, txns, DV deletes, OPTIMIZE, checkpoints) the index equals replay', async () => {
    const dir = tempDir('log-index-writer-');
    const storage = new CountingStorage(new LocalStorage(dir));
    const table = await DeltaTable.create(storage, { schema, partitionColumns: ['part'], configuration: { 'delta.enableDeletionVectors': 'true' } });
    const index = openIndex();
    await index.snapshot(storage); // indexed at version 0: from here on, every open catches up
    for (let i = 1; i <= 45; i++) {
      if (i % 7 === 0) await deleteFirstRow(table);
      else if (i === 30) await optimize(table);
      else await append(table, [i * 10, i * 10 + 1, i * 10 + 2], [`app-${i % 3}`, i]);
      const plain = await openPlain(storage);
      storage.reset();
      const indexed = await index.snapshot(storage);
      // One new commit: reads of the indexed commit, the new one and the missing next one; no listing.
      expect(storage.reads).toHaveLength(3);
      expect(storage.lists).toBe(0);
      await expectSameSnapshot(indexed, plain);
      storage.reset();
      const loaded = await index.snapshot(storage);
      expect(storage.reads).toHaveLength(2); // up to date: the indexed commit and the missing next one
      expect(storage.lists).toBe(0);
      await expectSameSnapshot(loaded, plain);
      expect(loaded.files()).toEqual(indexed.files()); // the caught-up state was persisted in replay order
    }
    expect(table.snapshot().logSegment.checkpoint?.version).toBe(40);
    expect(index.describe(storage)).toMatchObject({ version: 45, files: table.snapshot().files().length });
  });

  test('an index many commits behind is caught up without a rebuild', async () => {
    const storage = new CountingStorage(new LocalStorage(tempDir('log-index-behind-')));
    const table = await DeltaTable.create(storage, { schema });
    const index = openIndex();
    await index.snapshot(storage);
    for (let i = 0; i < 25; i++) await append(table, [i]);
    storage.reset();
    const caughtUp = await index.snapshot(storage);
    expect(caughtUp.version).toBe(25);
    expect(storage.reads.filter((p) => p.includes('checkpoint'))).toEqual([]); // replayed commits 1..25, not checkpoint 20
    expect(storage.reads).toHaveLength(27);
    expect(storage.lists).toBe(0);
    await expectSameSnapshot(caughtUp, await openPlain(storage));
  });

  test('far behind, the index lists the log and learns the newest checkpoint', async () => {
    const storage = new CountingStorage(new LocalStorage(tempDir('log-index-far-behind-')));
    const table = await DeltaTable.create(storage, { schema, configuration: { 'delta.checkpointInterval': '50' } });
    const index = openIndex();
    await index.snapshot(storage);
    for (let i = 0; i < 110; i++) await append(table, [i]);
    storage.reset();
    const caughtUp = await index.snapshot(storage);
    expect(storage.lists).toBe(1);
    expect(caughtUp.logSegment.checkpoint?.version).toBe(100);
    await expectSameSnapshot(caughtUp, await openPlain(storage));
    await append(table, [999]);
    expect((await index.snapshot(storage)).logSegment.checkpoint?.version).toBe(100); // remembered
  });

  test('a deleted index file is rebuilt from the log', async () => {
    const storage = new LocalStorage(tempDir('log-index-deleted-'));
    const table = await DeltaTable.create(storage, { schema });
    for (let i = 0; i < 12; i++) await append(table, [i], ['app', i]);
    const dbDir = tempDir('log-index-db-');
    const first = openIndex(join(dbDir, 'lakehouse.db'));
    expect((await first.snapshot(storage)).version).toBe(12);
    first.close();
    rmSync(dbDir, { recursive: true });
    mkdirSync(dbDir);
    const rebuilt = await openIndex(join(dbDir, 'lakehouse.db')).snapshot(storage);
    await expectSameSnapshot(rebuilt, await openPlain(storage));
    expect(rebuilt.txnVersion('app')).toBe(11);
  });

  test('a recreated table is detected, whether its log is now shorter or longer than the index', async () => {
    const dir = tempDir('log-index-recreated-');
    const index = openIndex();
    let table = await DeltaTable.create(new LocalStorage(dir), { schema });
    for (let i = 0; i < 5; i++) await append(table, [i]);
    const original = await index.snapshot(table.storage);
    expect(original.version).toBe(5);

    rmSync(dir, { recursive: true });
    table = await DeltaTable.create(new LocalStorage(dir), { schema });
    await append(table, [100]);
    const shorter = await index.snapshot(table.storage);
    expect(shorter.metadata.id).not.toBe(original.metadata.id);
    await expectSameSnapshot(shorter, await openPlain(table.storage));

    rmSync(dir, { recursive: true });
    table = await DeltaTable.create(new LocalStorage(dir), { schema });
    for (let i = 0; i < 3; i++) await append(table, [200 + i]);
    const longer = await index.snapshot(table.storage);
    expect(longer.metadata.id).not.toBe(shorter.metadata.id);
    await expectSameSnapshot(longer, await openPlain(table.storage));
  });

  test('Snapshot.open uses the index for the latest version and replays the log for time travel', async () => {
    const storage = new CountingStorage(new LocalStorage(tempDir('log-index-open-')));
    const table = await DeltaTable.create(storage, { schema });
    for (let i = 0; i < 3; i++) await append(table, [i]);
    const index = openIndex();
    await index.snapshot(storage);
    storage.reset();
    expect((await Snapshot.open(storage, { index })).version).toBe(3);
    expect(storage.lists).toBe(0);
    const old = await Snapshot.open(storage, { index, version: 1 });
    expect(old.version).toBe(1);
    expect(old.files()).toHaveLength(1);
  });

  test('two tables share one index without mixing', async () => {
    const index = openIndex();
    const a = await DeltaTable.create(new LocalStorage(tempDir('log-index-a-')), { schema });
    const b = await DeltaTable.create(new LocalStorage(tempDir('log-index-b-')), { schema });
    await append(a, [1, 2]);
    await append(b, [3]);
    await append(b, [4]);
    expect((await index.snapshot(a.storage)).files()).toHaveLength(1);
    expect((await index.snapshot(b.storage)).files()).toHaveLength(2);
    index.forget(b.storage);
    expect(index.describe(b.storage)).toBeUndefined();
    expect(index.describe(a.storage)).toMatchObject({ version: 1, files: 1, records: 2 });
  });

  test('an index inside a database the caller owns keeps to its delta_log_ tables and leaves the database open', async () => {
    const db = new Database(join(tempDir('log-index-shared-'), 'lakehouse.db'), { create: true });
    db.run('CREATE TABLE pipeline_state (name TEXT PRIMARY KEY, value INTEGER NOT NULL)');
    db.run("INSERT INTO pipeline_state VALUES ('bronze_processed', 7)");
    const table = await DeltaTable.create(new LocalStorage(tempDir('log-index-shared-table-')), { schema });
    await append(table, [1]);
    const index = LogIndex.in(db);
    expect((await index.snapshot(table.storage)).version).toBe(1);
    index.close();
    const tables = (db.query("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").values() as [string][]).map(([n]) => n);
    expect(tables.filter((n) => !n.startsWith('delta_log_'))).toEqual(['pipeline_state']);
    expect(db.query('SELECT value FROM pipeline_state').get()).toEqual({ value: 7 });
    db.close();
  });
});
