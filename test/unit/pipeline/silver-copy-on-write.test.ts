import { votersBookGold } from '../../../src/gold/index.ts';
/**
 * Copy-on-write silver tables: reader version 1, no deletion vectors anywhere in the log, only the files a
 * batch touches rewritten, and the same rows as merge-on-read for the same stream.
 */
import { afterEach, describe, expect, test } from 'bun:test';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pipeline } from '../../../src/pipeline/index.ts';
import { createLogger, silentLogger } from '../../../src/core/log.ts';
import { LocalStorage } from '../../../src/storage/index.ts';
import { DeltaTable, Snapshot, optimize, scan, type Protocol } from '../../../src/delta/index.ts';
import type { WriteMode } from '../../../src/silver/index.ts';
import { VoterStream, mixedVoterBatches, voter } from '../../support/voters-records.ts';
import type { KafkaRecord } from '../../../src/cdc/index.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'lh-cow-'));
  dirs.push(dir);
  return dir;
}

const open = (dataDir: string, writeMode?: WriteMode, log = silentLogger) => Pipeline.open({ gold: votersBookGold, dataDir, log, writeMode });

const votersPath = (p: Pipeline) => join(p.dataDir, 'silver', 'voters');

/** Silver voters as the Delta table says, every column, in key order. */
async function deltaVoters(p: Pipeline): Promise<Record<string, unknown>[]> {
  const storage = new LocalStorage(votersPath(p));
  const rows = [];
  for await (const r of scan(await Snapshot.open(storage), storage)) rows.push(r);
  return rows.sort((a, b) => String(a.__source_name).localeCompare(String(b.__source_name)) || Number(a.id) - Number(b.id));
}

/** Every add action in the table's log (commits, not checkpoints: those repeat them). */
function allAdds(p: Pipeline): Record<string, unknown>[] {
  const log = join(votersPath(p), '_delta_log');
  return readdirSync(log)
    .filter((f) => f.endsWith('.json'))
    .flatMap((f) =>
      readFileSync(join(log, f), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)),
    )
    .filter((a) => a.add)
    .map((a) => a.add);
}

/** Reader version 1, which readers without table features (and so without deletion vectors) read. */
function expectLegacyProtocol(protocol: Protocol) {
  expect({ ...protocol, readerFeatures: protocol.readerFeatures ?? [], writerFeatures: protocol.writerFeatures ?? [] }).toEqual({
    minReaderVersion: 1,
    minWriterVersion: 7,
    readerFeatures: [],
    writerFeatures: ['appendOnly', 'invariants', 'inCommitTimestamp'],
  });
}

async function applyAll(p: Pipeline, batches: KafkaRecord[][]) {
  for (const b of batches) await p.process(b);
}

describe('copy-on-write silver', () => {
  test('stays at reader version 1 with no deletion vector in any add, and holds the rows merge-on-read holds', async () => {
    const batches = mixedVoterBatches();
    const mor = await open(tempDir());
    await applyAll(mor, batches);
    const cow = await open(tempDir(), 'copy-on-write');
    await applyAll(cow, batches);

    const snap = await Snapshot.open(new LocalStorage(votersPath(cow)));
    expectLegacyProtocol(snap.protocol);
    expect(snap.tableProperties['lakehouse.writeMode']).toBe('copy-on-write');
    expect(snap.tableProperties['delta.enableDeletionVectors']).toBeUndefined();
    expect(allAdds(cow).filter((a) => a.deletionVector != null)).toEqual([]);
    expect(readdirSync(votersPath(cow)).filter((f) => f.startsWith('deletion_vector'))).toEqual([]);
    // The reference really used deletion vectors, so the comparison compares the two mechanisms.
    expect(allAdds(mor).some((a) => a.deletionVector != null)).toBe(true);

    const rows = await deltaVoters(cow);
    expect(rows).toEqual(await deltaVoters(mor));
    expect(rows.filter((r) => r.__source_name === 'west').map((r) => r.id)).toEqual([50, 51, 52, 53, 54, 55]);
    expect(rows.find((r) => r.__source_name === 'east' && r.id === 1)!.city).toBe('Again1');
    expect(rows.some((r) => r.__source_name === 'east' && r.id === 2)).toBe(false);
    // The serving copy (the key index) agrees with the Delta table.
    const served = cow.silver.get('voters')!.rows(1000, 0);
    expect(served.map((r) => `${r.__source_name}:${r.id}:${r.city}`).sort()).toEqual(rows.map((r) => `${r.__source_name}:${r.id}:${r.city}`).sort());
    mor.close();
    cow.close();
  });

  test('a batch rewrites only the files holding the rows it replaces', async () => {
    const s = new VoterStream();
    const p = await open(tempDir(), 'copy-on-write');
    for (let f = 0; f < 4; f++) await p.process([1, 2, 3].map((k) => s.change('c', f * 10 + k, null, voter(f * 10 + k, 'A'))));
    const before = p.silver.get('voters')!.snapshot.files();
    expect(before.length).toBe(4);
    await p.process([s.change('u', 100, null, voter(22, 'B')), s.change('d', 101, voter(23, 'A'), null)]);
    const commit = readFileSync(join(votersPath(p), '_delta_log', `${String(p.silver.get('voters')!.snapshot.version).padStart(20, '0')}.json`), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const removed = commit.filter((a) => a.remove).map((a) => a.remove.path);
    const added = commit.filter((a) => a.add).map((a) => JSON.parse(a.add.stats).numRecords);
    // The third batch's file held ids 21..23: it is rewritten with id 21 alone; id 22's new row is the batch's file.
    expect(removed).toEqual([before[2]!.path]);
    expect(added.sort()).toEqual([1, 1]);
    expect((await deltaVoters(p)).map((r) => `${r.id}:${r.city}`)).toEqual([
      '1:A',
      '2:A',
      '3:A',
      '11:A',
      '12:A',
      '13:A',
      '21:A',
      '22:B',
      '31:A',
      '32:A',
      '33:A',
    ]);
    // The index knows the survivors' new places: updating id 21 replaces it, not a stale row.
    await p.process([s.change('u', 102, null, voter(21, 'C'))]);
    expect((await deltaVoters(p)).filter((r) => r.id === 21).map((r) => r.city)).toEqual(['C']);
    p.close();
  });

  test('exactly once across a reopen mid-stream; the table keeps its mode whatever the flag says', async () => {
    const batches = mixedVoterBatches();
    const reference = await open(tempDir());
    await applyAll(reference, batches);

    const dir = tempDir();
    const first = await open(dir, 'copy-on-write');
    const half = Math.floor(batches.length / 2);
    await applyAll(first, batches.slice(0, half));
    first.close();
    const warnings: string[] = [];
    const again = await open(dir, 'merge-on-read', createLogger({ level: 'warn', write: (l) => warnings.push(l) }));
    expect(warnings.length).toBe(1);
    expect(warnings[0]).toContain(
      "silver table voters stays copy-on-write (its lakehouse.writeMode); write mode merge-on-read applies to new tables; 'lakehouse rebuild voters --write-mode merge-on-read' converts it",
    );
    // The source redelivers from the start: everything up to the middle is a duplicate.
    const replay = await again.process(batches.slice(0, half).flat());
    expect(replay.applied).toBe(0);
    await applyAll(again, batches.slice(half));
    expect(await deltaVoters(again)).toEqual(await deltaVoters(reference));
    const snap = again.silver.get('voters')!.snapshot;
    expectLegacyProtocol(snap.protocol);
    expect(allAdds(again).filter((a) => a.deletionVector != null)).toEqual([]);
    reference.close();
    again.close();
  });

  test('background compaction and OPTIMIZE keep the rows and the index right', async () => {
    const s = new VoterStream();
    const dir = tempDir();
    const p = await open(dir, 'copy-on-write');
    for (let i = 1; i <= 40; i++) {
      const created = [0, 1, 2].map((k) => s.change('c', i * 10 + k, null, voter(i * 3 + k, 'Avalon')));
      await p.process([...created, s.change('u', 1000 + i, null, voter(i * 3 - 1, `Moved${i}`))]);
    }
    const table = p.silver.get('voters')!;
    expect(table.snapshot.files().length).toBeLessThanOrEqual(33);
    expect(table.snapshot.version).toBeGreaterThan(40); // compaction commits
    expect((await deltaVoters(p)).length).toBe(121);
    p.close();

    // OPTIMIZE from outside (lakehouse optimize), then the pipeline goes on from the new files.
    const delta = await DeltaTable.open(new LocalStorage(join(dir, 'silver', 'voters')));
    expect((await optimize(delta)).version).toBeDefined();
    expect(delta.snapshot().files().length).toBe(1);
    const again = await open(dir);
    await again.process([s.change('u', 5000, null, voter(3, 'Final')), s.change('d', 5001, voter(4, 'x'), null)]);
    const rows = await deltaVoters(again);
    expect(rows.length).toBe(120);
    expect(rows.filter((r) => r.id === 3).map((r) => r.city)).toEqual(['Final']);
    expect(
      again.silver
        .get('voters')!
        .rows(1000, 0)
        .map((r) => `${r.id}:${r.city}`)
        .sort(),
    ).toEqual(rows.map((r) => `${r.id}:${r.city}`).sort());
    expectLegacyProtocol(again.silver.get('voters')!.snapshot.protocol);
    expect(allAdds(again).filter((a) => a.deletionVector != null)).toEqual([]);
    again.close();
  });

  test('rebuild converts a merge-on-read table to copy-on-write, and back', async () => {
    const batches = mixedVoterBatches();
    const p = await open(tempDir());
    await applyAll(p, batches);
    const before = await deltaVoters(p);
    const cow = await p.rebuild('voters', 'copy-on-write');
    expect(cow.writeMode).toBe('copy-on-write');
    expectLegacyProtocol(p.silver.get('voters')!.snapshot.protocol);
    expect(await deltaVoters(p)).toEqual(before);
    // Without a mode, a rebuild keeps the table's.
    expect((await p.rebuild('voters')).writeMode).toBe('copy-on-write');
    expect((await p.rebuild('voters', 'merge-on-read')).writeMode).toBe('merge-on-read');
    expect(p.silver.get('voters')!.snapshot.protocol.readerFeatures).toContain('deletionVectors');
    expect(await deltaVoters(p)).toEqual(before);
    p.close();
  });
});
