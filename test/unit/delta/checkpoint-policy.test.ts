/**
 * Checkpoints by size and time on lakehouse's busy tables (BUSY_TABLE_PROPERTIES): a checkpoint comes
 * when the commits since the last one weigh as much as it does, or when it is ten minutes old, not
 * every `delta.checkpointInterval` commits; and the log older than the retention (five minutes) is cleaned.
 */
import { expect, test } from 'bun:test';
import { mkdtempSync, readdirSync, statSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUSY_TABLE_PROPERTIES, DeltaTable, Snapshot, field, struct } from '../../../src/delta/index.ts';
import { LocalStorage } from '../../../src/storage/index.ts';
import { withoutNulls } from './table-fixture.ts';

const schema = struct([field('id', 'long'), field('name', 'string')]);

async function busyTable(interval = 10) {
  const storage = new LocalStorage(mkdtempSync(join(tmpdir(), 'lh-checkpoint-policy-')));
  const table = await DeltaTable.create(storage, {
    schema,
    configuration: { ...BUSY_TABLE_PROPERTIES, 'delta.checkpointInterval': String(interval) },
  });
  // Many live files, as silver has: a checkpoint holds them all, a commit touches one.
  const tx = table.transaction({ operation: 'WRITE' });
  for (let i = 0; i < 60; i++) await tx.writeRows([{ id: i, name: `row ${i} `.repeat(20) }]);
  await tx.commit();
  return { storage, table, log: join(storage.root, '_delta_log') };
}

/** Replaces one file by a new one, as a batch's update does. */
async function touchOne(table: DeltaTable, i: number) {
  const tx = table.transaction({ operation: 'MERGE' });
  const files = table.snapshot().files();
  tx.remove(files[i % files.length]!);
  await tx.writeRows([{ id: i, name: `row ${i} `.repeat(20) }]);
  await tx.commit();
}

const checkpoints = (log: string) =>
  readdirSync(log)
    .filter((f) => f.endsWith('.checkpoint.parquet'))
    .map((f) => Number(f.slice(0, 20)))
    .sort((a, b) => a - b);

test('a checkpoint waits until the commits since the last one weigh as much as it does', async () => {
  const { table, log } = await busyTable();
  for (let i = 0; i < 150; i++) await touchOne(table, i);
  const written = checkpoints(log);
  expect(written[0]).toBe(10); // the first after the interval
  expect(written.length).toBeLessThan(150 / 10); // every 10 commits would be 15
  expect(written.length).toBeGreaterThan(1);
  const size = (name: string) => statSync(join(log, name)).size;
  for (let k = 1; k < written.length; k++) {
    const [from, to] = [written[k - 1]!, written[k]!];
    let commitBytes = 0;
    for (let v = from + 1; v <= to; v++) commitBytes += size(`${String(v).padStart(20, '0')}.json`);
    expect(commitBytes).toBeGreaterThanOrEqual(size(`${String(from).padStart(20, '0')}.checkpoint.parquet`));
    expect(to - from).toBeGreaterThanOrEqual(10);
  }
  // Readers see the same table from the checkpoints as from the handle.
  expect(withoutNulls((await Snapshot.open(table.storage)).files())).toEqual(withoutNulls(table.snapshot().files()));
}, 60_000);

test('a ten-minute-old checkpoint is renewed after the interval, and the log past the retention is cleaned', async () => {
  const { storage, table, log } = await busyTable(3);
  for (let i = 0; i < 3; i++) await touchOne(table, i);
  expect(checkpoints(log)).toEqual([3]);
  // Two hours pass (a writer opening the table then): every log file so far is older than the
  // retention, and the checkpoint than ten minutes.
  const past = (Date.now() - 2 * 3_600_000) / 1000;
  for (const f of readdirSync(log)) utimesSync(join(log, f), past, past);
  const later = await DeltaTable.open(storage);
  await touchOne(later, 0); // version 5: two commits since checkpoint 3
  expect(checkpoints(log)).toEqual([3]); // not before the interval
  await touchOne(later, 1);
  // Renewed by age, though three small commits weigh less than it; the commits before the expired
  // checkpoint 3 are cleaned (it stays: versions from 3 on remain readable).
  expect(checkpoints(log)).toEqual([3, 6]);
  expect(
    readdirSync(log)
      .filter((f) => f.endsWith('.json'))
      .sort()[0],
  ).toBe(`${String(3).padStart(20, '0')}.json`);
  expect(withoutNulls((await Snapshot.open(storage)).files())).toEqual(withoutNulls(later.snapshot().files()));
});

test('a table without the property checkpoints every delta.checkpointInterval versions, as Spark does', async () => {
  const storage = new LocalStorage(mkdtempSync(join(tmpdir(), 'lh-checkpoint-policy-')));
  const table = await DeltaTable.create(storage, { schema, configuration: { 'delta.checkpointInterval': '4' } });
  for (let i = 0; i < 9; i++) {
    const tx = table.transaction({ operation: 'WRITE' });
    await tx.writeRows([{ id: i, name: 'x' }]);
    await tx.commit();
  }
  expect(checkpoints(join(storage.root, '_delta_log'))).toEqual([4, 8]);
});
