import { votersBookGold } from '../../../src/gold/index.ts';
/**
 * Bronze compaction on real Delta files: many small batches fold into few files that hold every record
 * once, in stored order; catch-up after a compaction applies nothing twice, also after losing
 * lakehouse.db; a rebuild from the compacted (and vacuumed) bronze equals the live silver table.
 */
import { afterEach, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Bronze, bronzeSchema, freshRecords, inStoredOrder, writeBronzeFiles } from '../../../src/bronze/index.ts';
import { Pipeline } from '../../../src/pipeline/index.ts';
import { SILVER_APP_ID } from '../../../src/silver/index.ts';
import { silentLogger } from '../../../src/core/log.ts';
import { LocalStorage } from '../../../src/storage/index.ts';
import { BUSY_TABLE_PROPERTIES, DeltaTable, Snapshot, dataFileOptions, scan, vacuum } from '../../../src/delta/index.ts';
import { mixedVoterBatches, VoterStream, voter } from '../../support/voters-records.ts';
import type { KafkaRecord } from '../../../src/cdc/index.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const newDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'lh-bronze-'));
  dirs.push(d);
  return d;
};

/** The mixed voter stream (two sources, deletes, tombstones, a truncate) one record per batch. */
function smallBatches(): KafkaRecord[][] {
  const records = mixedVoterBatches().flat();
  const out: KafkaRecord[][] = [];
  for (const r of records) out.push([r]);
  return out;
}

/** Commits a batch to bronze only, as a crash right after the bronze commit leaves it. */
async function commitToBronze(bronze: Bronze, records: KafkaRecord[]): Promise<number> {
  const { fresh, spans } = freshRecords(records, (t, p) => bronze.storedOffset(t, p));
  return bronze.commit({ adds: await writeBronzeFiles(bronze.storage, fresh, bronze.fileOptions()), spans, records: fresh.length });
}

const identity = (r: KafkaRecord) => `${r.topic}:${r.partition}:${r.offset}:${r.timestamp}:${r.key}:${r.value}`;

async function replayed(bronze: Bronze, from = 1): Promise<KafkaRecord[]> {
  const out: KafkaRecord[] = [];
  for await (const chunk of bronze.replay(from)) out.push(...chunk.records);
  return out;
}

async function deltaRows(dataDir: string, table: string): Promise<string[]> {
  const storage = new LocalStorage(join(dataDir, 'silver', table));
  const rows: string[] = [];
  for await (const r of scan(await Snapshot.open(storage), storage)) rows.push(JSON.stringify(r, Object.keys(r).sort()));
  return rows.sort();
}

const vacuumNow = (p: Pipeline) => vacuum(p.bronze.delta, { retentionHours: 0, enforceRetention: false });

test('small batches fold into few files holding every record once, in stored order', async () => {
  const dir = newDir();
  const bronze = await Bronze.open(new LocalStorage(dir));
  const batches = smallBatches();
  const compactions: number[] = [];
  for (const batch of batches) {
    const version = await commitToBronze(bronze, batch);
    const compacted = await bronze.compact(version);
    if (compacted !== undefined) compactions.push(compacted);
  }
  const records = batches.flat();
  expect(batches.length).toBeGreaterThan(100);
  expect(compactions.length).toBeGreaterThan(10);
  const files = inStoredOrder(bronze.snapshot.files());
  expect(files.length).toBeLessThan(20);
  // The files' version ranges follow each other without overlapping.
  for (let i = 1; i < files.length; i++) expect(files[i]!.versions!.first).toBeGreaterThan(files[i - 1]!.versions!.last);

  expect((await replayed(bronze)).map(identity)).toEqual(records.map(identity));
  // A catch-up from after the last compacted version reads the later batches' files, one version each.
  const lastCompacted = files.filter((f) => f.versions!.first !== f.versions!.last).at(-1)!.versions!.last;
  const since: number[] = [];
  for await (const chunk of bronze.replay(lastCompacted + 1)) since.push(chunk.version);
  expect(since.length).toBeGreaterThan(0);
  expect(since).toEqual(files.filter((f) => f.versions!.first > lastCompacted).map((f) => f.versions!.first));
  // A compaction commit adds no records; a batch's commit still gives its own.
  expect(await bronze.recordsAt(compactions[0]!)).toEqual([]);
  const lastBatch = bronze.version;
  expect((await bronze.recordsAt(lastBatch)).map(identity)).toEqual(batches[batches.length - 1]!.map(identity));
  // The stored offsets are untouched by compaction.
  expect(bronze.storedOffset(records[0]!.topic, 0)).toBe(
    BigInt(Math.max(...records.filter((r) => r.topic === records[0]!.topic).map((r) => Number(r.offset)))),
  );

  // Another reader of the table (log replay through checkpoints), after the replaced files are vacuumed,
  // and `lakehouse cat`'s order: the same records in the same order.
  expect((await vacuum(bronze.delta, { retentionHours: 0, enforceRetention: false })).files.length).toBeGreaterThan(100);
  const reopened = await Bronze.open(new LocalStorage(dir));
  expect((await replayed(reopened)).map(identity)).toEqual(records.map(identity));
  const snapshot = await Snapshot.open(new LocalStorage(dir));
  const scanned: string[] = [];
  for await (const r of scan(snapshot, new LocalStorage(dir), { files: inStoredOrder(snapshot.files()).map((f) => f.add) }))
    scanned.push(`${r.topic}:${r.partition}:${r.offset}:${r.key}:${r.value}`);
  expect(scanned).toEqual(records.map((r) => `${r.topic}:${r.partition}:${r.offset}:${r.key}:${r.value}`));
}, 60_000);

test('the pipeline compacts bronze as it goes, and a catch-up after a compaction applies nothing twice', async () => {
  const dataDir = newDir();
  const s = new VoterStream();
  const p = await Pipeline.open({ gold: votersBookGold, dataDir, log: silentLogger });
  await p.process([s.raw('not json')]);
  for (let id = 1; id <= 25; id++) await p.process([s.change('c', id, null, voter(id, `City${id % 3}`))]);
  expect(p.bronze.snapshot.files().length).toBeLessThan(10);
  expect(p.metrics.get('lakehouse_bronze_compactions_total')).toBeGreaterThan(0);
  expect(p.deadLetters.count).toBe(1);
  // A crash right after a bronze commit: silver has not seen it.
  const crashed = await commitToBronze(p.bronze, [s.change('u', 100, null, voter(1, 'After crash')), s.change('u', 101, null, voter(2, 'After crash'))]);
  p.close();

  const again = await Pipeline.open({ gold: votersBookGold, dataDir, log: silentLogger });
  // open() caught up: only the crashed version was replayed, and it applied.
  expect(again.silver.get('voters')!.snapshot.txnVersion(SILVER_APP_ID)).toBe(crashed);
  const cities = again.silver
    .get('voters')!
    .rows(100, 0)
    .map((r) => `${r.id}:${r.city}`);
  expect(cities).toHaveLength(25);
  expect(cities.filter((c) => c.endsWith('After crash')).sort()).toEqual(['1:After crash', '2:After crash']);
  expect((await again.catchUp()).applied).toBe(0);
  again.close();

  // Losing lakehouse.db after compaction and vacuum: the whole bronze replays from its live files.
  const reopened = await Pipeline.open({ gold: votersBookGold, dataDir, log: silentLogger });
  await reopened.process([s.change('u', 102, null, voter(3, 'Later'))]);
  expect((await vacuumNow(reopened)).files.length).toBeGreaterThan(0);
  const beforeLoss = await deltaRows(dataDir, 'voters');
  reopened.close();
  rmSync(join(dataDir, 'lakehouse.db'));
  // The dead letter's version is in a merged file (its batch file is gone): processed, not written again.
  const restored = await Pipeline.open({ gold: votersBookGold, dataDir, log: silentLogger });
  expect(await deltaRows(dataDir, 'voters')).toEqual(beforeLoss);
  expect(restored.deadLetters.count).toBe(1);
  expect(
    restored.silver
      .get('voters')!
      .rows(100, 0)
      .map((r) => `${r.id}:${r.city}`)
      .sort(),
  ).toEqual(cities.map((c) => (c.startsWith('3:') ? '3:Later' : c)).sort());
  restored.close();
}, 60_000);

test('rebuild after compaction and vacuum reads bronze from its live files and equals the live tables', async () => {
  const dataDir = newDir();
  const p = await Pipeline.open({ gold: votersBookGold, dataDir, log: silentLogger, history: ['voters'] });
  const batches = smallBatches();
  for (const batch of batches) await p.process(batch);
  expect(p.bronze.snapshot.files().length).toBeLessThan(20);
  // The replaced files are gone: the commits of compacted versions point at nothing.
  expect((await vacuumNow(p)).files.length).toBeGreaterThan(100);
  const silver = await deltaRows(dataDir, 'voters');
  const history = await deltaRows(dataDir, 'voters__history');
  expect(silver.length).toBeGreaterThan(40);

  const result = await p.rebuild('voters');
  expect(result.rows).toBe(silver.length);
  expect(await deltaRows(dataDir, 'voters')).toEqual(silver);
  expect(await deltaRows(dataDir, 'voters__history')).toEqual(history);
  // Like the live table's, the rebuilt table's txn is the last bronze version.
  expect(p.silver.get('voters')!.snapshot.txnVersion(SILVER_APP_ID)).toBe(p.bronze.version);
  p.close();
}, 60_000);

test('a compaction behind the newest batches lists its file after them: readers order files by their versions tag', async () => {
  const dir = newDir();
  const bronze = await Bronze.open(new LocalStorage(dir));
  const records = smallBatches().slice(0, 12);
  for (const batch of records) await commitToBronze(bronze, batch);
  // Versions 11 and 12 are not processed yet: only 1-10 merge, and the snapshot lists the result last.
  expect(await bronze.compact(10)).toBe(13);
  const listed = bronze.snapshot.files().map((a) => a.tags!['lakehouse.bronzeVersions']);
  expect(listed).toEqual(['11', '12', '1-10']);
  expect(inStoredOrder(bronze.snapshot.files()).map((f) => f.add.tags!['lakehouse.bronzeVersions'])).toEqual(['1-10', '11', '12']);
  expect((await replayed(bronze)).map(identity)).toEqual(records.flat().map(identity));
  // `lakehouse cat` keeps that order (so `cat bronze | ingest` replays each partition in offset order).
  const cat = Bun.spawnSync([process.execPath, join(import.meta.dir, '../../../src/cli/main.ts'), 'cat', dir, '--format', 'ndjson'], {
    stdout: 'pipe',
    stderr: 'pipe',
  });
  expect(cat.stderr.toString()).toBe('');
  const printed = cat.stdout
    .toString()
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  expect(printed.map((r) => `${r.topic}:${r.offset}`)).toEqual(records.flat().map((r) => `${r.topic}:${r.offset}`));
  // `lakehouse optimize`, which bin-packs by size, leaves bronze alone.
  const optimize = Bun.spawnSync([process.execPath, join(import.meta.dir, '../../../src/cli/main.ts'), 'optimize', dir], {
    stdout: 'pipe',
    stderr: 'pipe',
    env: { ...process.env, NO_COLOR: '1' },
  });
  expect(optimize.exitCode).toBe(1);
  expect(optimize.stderr.toString()).toContain("is lakehouse's bronze table, whose files must stay in stored order");
  expect(bronze.snapshot.version).toBe((await Snapshot.open(new LocalStorage(dir))).version);
});

test('a bronze table from before versions were recorded: its files replay first, through their commits, and never merge', async () => {
  const dir = newDir();
  const storage = new LocalStorage(dir);
  const records = smallBatches().slice(0, 30);
  // As bronze wrote before: untagged files, the week's default retention.
  const legacy = await DeltaTable.create(storage, { schema: bronzeSchema, name: 'bronze', configuration: { 'delta.appendOnly': 'true' } });
  for (const batch of records.slice(0, 12)) {
    const txn = legacy.transaction({ operation: 'STREAMING UPDATE' });
    for (const add of await writeBronzeFiles(storage, batch, dataFileOptions(legacy.snapshot().metadata, legacy.snapshot().protocol))) txn.add(add);
    txn.setTxn(`bronze:${batch[0]!.topic}:0`, Number(batch[batch.length - 1]!.offset));
    await txn.commit();
  }
  const bronze = await Bronze.open(storage);
  expect(bronze.snapshot.tableProperties).toMatchObject(BUSY_TABLE_PROPERTIES);
  for (const batch of records.slice(12)) await bronze.compact(await commitToBronze(bronze, batch));
  const files = inStoredOrder(bronze.snapshot.files());
  expect(files.slice(0, 12).every((f) => f.versions === undefined)).toBe(true);
  expect(files.slice(12).some((f) => f.versions!.first < f.versions!.last)).toBe(true);
  expect((await replayed(bronze)).map(identity)).toEqual(records.flat().map(identity));
  const fromLegacy: number[] = [];
  for await (const chunk of bronze.replay(10)) fromLegacy.push(chunk.version);
  expect(fromLegacy.slice(0, 3)).toEqual([10, 11, 12]);
});
