import { describe, expect, test } from 'bun:test';
import { existsSync, mkdtempSync, readdirSync, readFileSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalStorage } from '../../../src/storage/local.ts';
import { DeltaTable } from '../../../src/delta/commit.ts';
import { Snapshot } from '../../../src/delta/snapshot.ts';
import { scan, type Row } from '../../../src/delta/scan.ts';
import { field, struct } from '../../../src/delta/schema.ts';
import { commitPath } from '../../../src/delta/log-segment.ts';
import { optimize, vacuum } from '../../../src/delta/maintenance.ts';
import { cleanupExpiredLogs } from '../../../src/delta/log-cleanup.ts';
import { relativeDeletionVectorPath } from '../../../src/delta/deletion-vector.ts';

const tempStorage = () => new LocalStorage(mkdtempSync(join(tmpdir(), 'delta-maint-')));
const schema = struct([
  field('id', 'long'),
  field('part', 'string'),
  field('tags', { type: 'map', keyType: 'string', valueType: 'integer', valueContainsNull: true }),
]);
const rowsOf = async (table: DeltaTable, version?: number) => {
  const snap = version === undefined ? await table.refresh() : await Snapshot.open(table.storage, { version });
  const out: Row[] = [];
  for await (const row of scan(snap, table.storage)) out.push(row);
  return out.sort((a, b) => Number(a.id) - Number(b.id));
};
const append = async (table: DeltaTable, rows: Record<string, unknown>[]) => {
  const tx = table.transaction({ operation: 'WRITE' });
  await tx.writeRows(rows);
  return tx.commit();
};
const DAY = 86_400_000;

describe('deletion vectors', () => {
  test('deleteRows writes a DV file and re-adds the path; deletes accumulate; all-deleted removes the file', async () => {
    const storage = tempStorage();
    const table = await DeltaTable.create(storage, { schema, configuration: { 'delta.enableDeletionVectors': 'true' } });
    await append(
      table,
      [0, 1, 2, 3, 4].map((id) => ({ id, part: 'a' })),
    );
    const add = table.snapshot().files()[0];
    expect(JSON.parse(add.stats!).tightBounds).toBe(true);

    let tx = table.transaction({ operation: 'DELETE' });
    await tx.deleteRows(add, [1, 3]);
    await tx.commit();
    const withDv = table.snapshot().files()[0];
    expect(withDv.path).toBe(add.path);
    expect(withDv.deletionVector).toMatchObject({ storageType: 'u', offset: 1, cardinality: 2 });
    expect(withDv.deletionVector!.pathOrInlineDv).toHaveLength(20);
    const dvFile = relativeDeletionVectorPath(withDv.deletionVector!.pathOrInlineDv);
    expect(dvFile).toMatch(/^deletion_vector_[0-9a-f-]{36}\.bin$/);
    expect(existsSync(join(storage.root, dvFile))).toBe(true);
    expect(JSON.parse(withDv.stats!)).toMatchObject({ numRecords: 5, tightBounds: false });
    expect((await rowsOf(table)).map((r) => r.id)).toEqual(['0', '2', '4']);

    tx = table.transaction({ operation: 'DELETE' });
    await tx.deleteRows(withDv, [0]);
    await tx.commit();
    expect(table.snapshot().files()[0].deletionVector!.cardinality).toBe(3);
    expect((await rowsOf(table)).map((r) => r.id)).toEqual(['2', '4']);

    tx = table.transaction({ operation: 'DELETE' });
    await tx.deleteRows(table.snapshot().files()[0], [2, 4]);
    await tx.commit();
    expect(table.snapshot().files()).toEqual([]);
  });

  test('refused without the feature, and for rows outside the file', async () => {
    const table = await DeltaTable.create(tempStorage(), { schema });
    await append(table, [{ id: 1 }]);
    const tx = table.transaction({ operation: 'DELETE' });
    expect((await tx.deleteRows(table.snapshot().files()[0], [0]).catch((e) => e)).message).toContain('does not have deletion vectors enabled');
    const dv = await DeltaTable.create(tempStorage(), { schema, configuration: { 'delta.enableDeletionVectors': 'true' } });
    await append(dv, [{ id: 1 }]);
    expect(
      (
        await dv
          .transaction({ operation: 'DELETE' })
          .deleteRows(dv.snapshot().files()[0], [5])
          .catch((e) => e)
      ).message,
    ).toContain('row index 5 is not in data file');
  });
});

describe('optimize', () => {
  test('bin-packs small files per partition with dataChange=false and folds deletion vectors away', async () => {
    const storage = tempStorage();
    const table = await DeltaTable.create(storage, { schema, partitionColumns: ['part'], configuration: { 'delta.enableDeletionVectors': 'true' } });
    for (let i = 0; i < 4; i++) {
      await append(table, [
        { id: 4 * i, part: 'a', tags: { k: i } },
        { id: 4 * i + 1, part: 'a' },
        { id: 4 * i + 2, part: 'b', tags: null },
        { id: 4 * i + 3, part: 'b' },
      ]);
    }
    const tx = table.transaction({ operation: 'DELETE' });
    const victim = table
      .snapshot()
      .files()
      .find((f) => f.partitionValues.part === 'a')!;
    await tx.deleteRows(victim, [0]);
    await tx.commit();
    const before = await rowsOf(table);
    expect(before).toHaveLength(15);

    const result = await optimize(table, { targetFileSize: 1024 * 1024 });
    expect(result).toMatchObject({ filesRemoved: 8, filesAdded: 2 });
    const files = table.snapshot().files();
    expect(files.map((f) => f.partitionValues.part).sort()).toEqual(['a', 'b']);
    expect(files.every((f) => !f.deletionVector && f.dataChange === false)).toBe(true);
    expect(await rowsOf(table)).toEqual(before);
    const lines = readFileSync(join(storage.root, commitPath(result.version!)), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines[0].commitInfo.operation).toBe('OPTIMIZE');
    expect(lines.filter((l) => l.remove).every((l) => l.remove.dataChange === false)).toBe(true);

    expect((await optimize(table, { targetFileSize: 1024 * 1024 })).version).toBeUndefined();
  });
});

describe('vacuum', () => {
  test('refuses a short retention unless told; deletes only unreferenced old files', async () => {
    const storage = tempStorage();
    const table = await DeltaTable.create(storage, { schema, configuration: { 'delta.enableDeletionVectors': 'true' } });
    await append(table, [{ id: 1 }]);
    await append(table, [{ id: 2 }, { id: 3 }]);
    const tx = table.transaction({ operation: 'DELETE' });
    await tx.deleteRows(table.snapshot().files()[1], [0]);
    await tx.commit();
    await optimize(table, { targetFileSize: 1024 * 1024 });
    const live = new Set(
      table
        .snapshot()
        .files()
        .map((f) => f.path),
    );

    const err = await vacuum(table, { retentionHours: 1 }).catch((e) => e);
    expect(err.code).toBe('invalid_input');
    expect(err.message).toContain('shorter than the table');

    // Within the default retention nothing goes.
    expect((await vacuum(table)).files).toEqual([]);
    const later = Date.now() + 8 * DAY;
    const dry = await vacuum(table, { dryRun: true, now: later });
    expect(dry.files.sort()).toEqual(
      readdirSync(storage.root)
        .filter((f) => (f.endsWith('.parquet') && !live.has(f)) || f.startsWith('deletion_vector_'))
        .sort(),
    );
    expect(dry.files.length).toBe(3); // two data files rewritten by OPTIMIZE and one DV
    expect(dry.files.every((f) => existsSync(join(storage.root, f)))).toBe(true);

    const done = await vacuum(table, { retentionHours: 0, enforceRetention: false });
    expect(done.files.sort()).toEqual(dry.files.sort());
    expect(
      readdirSync(storage.root)
        .filter((f) => f.endsWith('.parquet'))
        .sort(),
    ).toEqual([...live].sort());
    expect((await rowsOf(table)).map((r) => r.id)).toEqual(['1', '3']);
    expect(existsSync(join(storage.root, '_delta_log'))).toBe(true);
  });
});

describe('log cleanup', () => {
  test('removes expired commits and checkpoints before the newest expired checkpoint only', async () => {
    const storage = tempStorage();
    const table = await DeltaTable.create(storage, { schema, configuration: { 'delta.checkpointInterval': '3' } });
    for (let i = 0; i < 7; i++) await append(table, [{ id: i }]);
    const logDir = join(storage.root, '_delta_log');
    // Age everything up to version 3 by 40 days: retention is 30 days.
    const old = (Date.now() - 40 * DAY) / 1000;
    for (const f of readdirSync(logDir)) if (/^0{19}[0-3]\./.test(f)) utimesSync(join(logDir, f), old, old);
    const deleted = await cleanupExpiredLogs(storage, table.snapshot());
    expect(deleted.map((p) => p.split('/')[1])).toEqual([0, 1, 2].map((v) => `${String(v).padStart(20, '0')}.json`));
    expect(readdirSync(logDir).sort().slice(0, 2)).toEqual(['00000000000000000003.checkpoint.parquet', '00000000000000000003.json']);
    expect((await rowsOf(table)).map((r) => r.id)).toEqual(['0', '1', '2', '3', '4', '5', '6']);
    expect((await rowsOf(table, 4)).length).toBe(4);

    // Disabled by the table property.
    const tx = table.transaction({ operation: 'SET TBLPROPERTIES' });
    tx.updateMetadata({ configuration: { ...table.snapshot().tableProperties, 'delta.enableExpiredLogCleanup': 'false' } });
    await tx.commit();
    expect(await cleanupExpiredLogs(storage, table.snapshot(), Date.now() + 365 * DAY)).toEqual([]);
  });
});
