import { votersBookGold } from '../../../src/gold/index.ts';
import { afterEach, describe, expect, test } from 'bun:test';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pipeline } from '../../../src/pipeline/index.ts';
import { silentLogger } from '../../../src/core/log.ts';
import { LocalStorage } from '../../../src/storage/index.ts';
import { Snapshot, scan } from '../../../src/delta/index.ts';
import { VoterStream, voter } from '../../support/voters-records.ts';
import type { KafkaRecord } from '../../../src/cdc/index.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function open(dir?: string) {
  const dataDir = dir ?? mkdtempSync(join(tmpdir(), 'lh-silver-'));
  if (!dir) dirs.push(dataDir);
  return Pipeline.open({ gold: votersBookGold, dataDir, log: silentLogger });
}

/** Silver voters as the Delta table says (not the serving copy), data columns only, by id. */
async function deltaVoters(p: Pipeline): Promise<Record<string, unknown>[]> {
  const storage = new LocalStorage(join(p.dataDir, 'silver', 'voters'));
  const rows = [];
  for await (const r of scan(await Snapshot.open(storage), storage)) rows.push(r);
  return rows.sort((a, b) => Number(a.id) - Number(b.id) || String(a.__source_name).localeCompare(String(b.__source_name)));
}

const cities = (rows: Record<string, unknown>[]) => rows.map((r) => `${r.id}:${r.city}`);

describe('silver applies change events exactly once, in source order', () => {
  test('insert, update and delete land in the Delta table and the serving copy alike', async () => {
    const s = new VoterStream();
    const p = await open();
    const summary = await p.process([
      s.change('c', 10, null, voter(1, 'Avalon')),
      s.change('c', 11, null, voter(2, 'Brightwater')),
      s.change('u', 12, voter(1, 'Avalon'), voter(1, 'Cedar Falls')),
      s.change('d', 13, voter(2, 'Brightwater'), null),
      s.tombstone(voter(2, 'Brightwater')),
    ]);
    expect(summary).toMatchObject({ records: 5, applied: 4, duplicates: 0, quarantined: 0, tombstones: 1 });
    expect(cities(await deltaVoters(p))).toEqual(['1:Cedar Falls']);
    expect(cities(p.silver.get('voters')!.rows(10, 0))).toEqual(['1:Cedar Falls']);
    p.close();
  });

  test('an older event in a later batch does not overwrite newer state', async () => {
    const s = new VoterStream();
    const p = await open();
    await p.process([s.change('u', 20, null, voter(1, 'Newer'))]);
    const late = await p.process([s.change('c', 5, null, voter(1, 'Older'))]);
    expect(late.duplicates).toBe(1);
    expect(cities(await deltaVoters(p))).toEqual(['1:Newer']);
    p.close();
  });

  test('a late event after a delete does not bring the row back', async () => {
    const s = new VoterStream();
    const p = await open();
    await p.process([s.change('c', 10, null, voter(1, 'Avalon')), s.change('d', 30, voter(1, 'Avalon'), null)]);
    const late = await p.process([s.change('u', 20, voter(1, 'Avalon'), voter(1, 'Zombie'))]);
    expect(late.applied).toBe(0);
    expect(late.duplicates).toBe(1);
    expect(await deltaVoters(p)).toEqual([]);
    p.close();
  });

  test('a delete tombstone is kept for its retention, then forgotten', async () => {
    const s = new VoterStream();
    const p = await open();
    await p.process([s.change('c', 10, null, voter(1, 'A')), s.change('c', 11, null, voter(2, 'B'))]);
    await p.process([s.change('d', 20, voter(1, 'A'), null)]);
    expect(await p.process([s.change('u', 15, voter(1, 'A'), voter(1, 'Late'))])).toMatchObject({ applied: 0, duplicates: 1 });
    // Stored a moment ago: a cutoff in the past keeps it, one in the future forgets it.
    expect(p.silver.purgeTombstones(Date.now() - 60_000)).toBe(0);
    expect(p.silver.purgeTombstones(Date.now() + 1)).toBe(1);
    // Past its retention a delete no longer stops an older redelivery: that is what the retention trades.
    expect(await p.process([s.change('u', 16, voter(1, 'A'), voter(1, 'Late'))])).toMatchObject({ applied: 1 });
    expect(cities(await deltaVoters(p))).toEqual(['1:Late', '2:B']);
    p.close();
  });

  test('records without a Kafka key (a table without primary key) are keyed by --key columns, else appended', async () => {
    const s = new VoterStream();
    const keyless = (r: KafkaRecord): KafkaRecord => ({ ...r, key: null });
    const dir = mkdtempSync(join(tmpdir(), 'lh-keyless-'));
    dirs.push(dir);
    let p = await open(dir);
    expect(await p.process([keyless(s.change('c', 10, null, voter(1, 'A')))])).toMatchObject({ applied: 1, quarantined: 0 });
    p.close();
    // The table is keyless now: records keyed by --key are refused until it is rebuilt with --key.
    p = await Pipeline.open({ gold: votersBookGold, dataDir: dir, log: silentLogger, keyColumns: { voters: ['id'] } });
    const refused = await p.process([keyless(s.change('c', 11, null, voter(2, 'B'))), keyless(s.change('u', 12, voter(2, 'B'), voter(2, 'C')))]);
    expect(refused).toMatchObject({ applied: 0, quarantined: 2 });
    await p.rebuild('voters');
    expect(cities(await deltaVoters(p))).toEqual(['1:A', '2:C']);
    p.close();
  });

  test('a redelivery at a new Kafka offset with the same LSN is a no-op', async () => {
    const s = new VoterStream();
    const p = await open();
    const first = s.change('c', 10, null, voter(1, 'Avalon'));
    await p.process([first]);
    const again = await p.process([s.change('c', 10, null, voter(1, 'Avalon'))]);
    expect(again).toMatchObject({ applied: 0, duplicates: 1 });
    // The same Kafka offset again is caught earlier, by bronze.
    const same = await p.process([first]);
    expect(same).toMatchObject({ redelivered: 1, applied: 0 });
    p.close();
  });

  test('rows from two source databases with the same key stay apart', async () => {
    const east = new VoterStream('east', 'book');
    const west = new VoterStream('west', 'book');
    const p = await open();
    await p.process([east.change('c', 10, null, voter(1, 'Avalon')), west.change('c', 3, null, voter(1, 'Westport'))]);
    await p.process([west.change('d', 4, voter(1, 'Westport'), null)]);
    const rows = await deltaVoters(p);
    expect(rows.map((r) => `${r.__source_name}:${r.id}:${r.city}`)).toEqual(['east:1:Avalon']);
    p.close();
  });

  test('an unchanged TOASTed column keeps its previous value', async () => {
    const s = new VoterStream();
    const p = await open();
    await p.process([s.change('c', 10, null, voter(1, 'Avalon', { email: 'ada@example.test' }))]);
    await p.process([s.change('u', 11, null, voter(1, 'Brightwater', { email: '__debezium_unavailable_value' }))]);
    const [row] = await deltaVoters(p);
    expect(row).toMatchObject({ city: 'Brightwater', email: 'ada@example.test' });
    p.close();
  });

  test('without schemas a null does not fix a column type: values before and after it apply', async () => {
    const s = new VoterStream();
    const p = await open();
    const source = (lsn: number) => ({
      connector: 'postgresql',
      name: 'votersbook',
      db: 'voters',
      schema: 'public',
      table: 'voters',
      lsn,
      ts_ms: 1767600000000,
    });
    const change = (op: string, lsn: number, after: Record<string, unknown>) =>
      s.raw(JSON.stringify({ before: null, after, source: source(lsn), op, ts_ms: 1767600000000 }), JSON.stringify({ id: after.id }));
    const summary = await p.process([
      change('c', 10, { id: 1, city: 'Avalon', score: null }),
      change('c', 11, { id: 2, city: 'Brightwater', score: 7 }),
      change('u', 12, { id: 2, city: 'Brightwater', score: null }),
      change('u', 13, { id: 1, city: 'Avalon', score: 9 }),
    ]);
    expect(summary).toMatchObject({ applied: 4, quarantined: 0 });
    expect((await deltaVoters(p)).map((r) => `${r.id}:${r.score}`)).toEqual(['1:9', '2:null']);
    p.close();
  });

  test('a truncate removes that source rows older than it, and later inserts stay', async () => {
    const s = new VoterStream();
    const other = new VoterStream('other', 'book');
    const p = await open();
    await p.process([s.change('c', 10, null, voter(1, 'A')), s.change('c', 11, null, voter(2, 'B')), other.change('c', 5, null, voter(9, 'O'))]);
    const truncate = s.change('d', 20, voter(1, 'A'), null);
    const value = JSON.parse(truncate.value!);
    Object.assign(value.payload, { op: 't', before: null, after: null });
    await p.process([{ ...truncate, key: null, value: JSON.stringify(value) }, s.change('c', 21, null, voter(3, 'C'))]);
    const rows = await deltaVoters(p);
    expect(rows.map((r) => `${r.__source_name}:${r.id}`)).toEqual(['votersbook:3', 'other:9']);
    p.close();
  });

  test('a row written before a truncate but delivered after it (another partition) stays truncated, across a restart', async () => {
    const s = new VoterStream();
    const dir = mkdtempSync(join(tmpdir(), 'lh-truncate-'));
    dirs.push(dir);
    let p = await open(dir);
    await p.process([s.change('c', 10, null, voter(1, 'A'))]);
    const truncate = s.change('d', 20, voter(1, 'A'), null);
    const value = JSON.parse(truncate.value!);
    Object.assign(value.payload, { op: 't', before: null, after: null });
    await p.process([{ ...truncate, key: null, value: JSON.stringify(value) }]);
    // Insert at LSN 15 and an update of it at 16, committed before the truncate, arrive late from
    // another partition; the insert at 25 came after the truncate.
    await p.process([
      s.change('c', 15, null, voter(4, 'Late')),
      s.change('u', 16, voter(4, 'Late'), voter(4, 'Later')),
      s.change('c', 25, null, voter(5, 'E')),
    ]);
    expect((await deltaVoters(p)).map((r) => r.id)).toEqual([5]);
    p.close();
    p = await open(dir);
    await p.process([s.change('c', 12, null, voter(6, 'Late again'))]);
    expect((await deltaVoters(p)).map((r) => r.id)).toEqual([5]);
    expect(cities(p.silver.get('voters')!.rows(10, 0))).toEqual(['5:E']);
    p.close();
  });

  test('undecodable records are quarantined with their reason and processing goes on', async () => {
    const s = new VoterStream();
    const p = await open();
    const summary = await p.process([s.raw('not json at all'), s.raw('{"payload":{"op":"x"}}'), s.change('c', 10, null, voter(1, 'Avalon'))]);
    expect(summary).toMatchObject({ quarantined: 2, applied: 1 });
    const storage = new LocalStorage(join(p.dataDir, 'dead_letters'));
    const letters = [];
    for await (const r of scan(await Snapshot.open(storage), storage)) letters.push(r);
    expect(letters.map((l) => l.offset)).toEqual(['0', '1']);
    expect(letters[0]!.value).toBe('not json at all');
    expect(String(letters[0]!.reason)).toContain('JSON');
    p.close();
  });

  test('a restart after losing lakehouse.db rebuilds the index from Delta and stays exactly-once', async () => {
    const s = new VoterStream();
    const p = await open();
    const records: KafkaRecord[] = [];
    for (let i = 1; i <= 20; i++) records.push(s.change('c', i, null, voter(i, `City${i % 3}`)));
    for (let i = 1; i <= 20; i += 2) records.push(s.change('u', 100 + i, null, voter(i, 'Moved')));
    await p.process(records.slice(0, 15));
    await p.process(records.slice(15));
    const before = await deltaVoters(p);
    p.close();
    rmSync(join(p.dataDir, 'lakehouse.db'));
    const again = await open(p.dataDir);
    expect(cities(again.silver.get('voters')!.rows(100, 0)).sort()).toEqual(cities(before).sort());
    const replay = await again.process(records);
    expect(replay).toMatchObject({ applied: 0 });
    await again.process([s.change('u', 500, null, voter(2, 'Final'))]);
    const after = await deltaVoters(again);
    expect(after.find((r) => r.id === 2)!.city).toBe('Final');
    expect(after.length).toBe(20);
    again.close();
  });

  test('gold poll results follow silver, group by group', async () => {
    const s = new VoterStream();
    const p = await open();
    await p.process([s.change('c', 1, null, voter(1, 'Avalon')), s.change('c', 2, null, voter(2, 'Avalon')), s.change('c', 3, null, voter(3, 'Brightwater'))]);
    const perCity = p.gold.find((g) => g.name === 'voters_per_city')!;
    expect(perCity.rows()).toEqual([
      { city: 'Avalon', voters: '2' },
      { city: 'Brightwater', voters: '1' },
    ]);
    await p.process([s.change('u', 4, voter(2, 'Avalon'), voter(2, 'Brightwater')), s.change('d', 5, voter(1, 'Avalon'), null)]);
    expect(perCity.rows()).toEqual([{ city: 'Brightwater', voters: '2' }]);
    expect(perCity.rows()).toEqual(perCity.recompute().map((r) => ({ ...r, voters: String(r.voters) })));
    const storage = new LocalStorage(join(p.dataDir, 'gold', 'voters_per_city'));
    const delta = [];
    for await (const r of scan(await Snapshot.open(storage), storage)) delta.push(r);
    expect(delta).toEqual([{ city: 'Brightwater', voters: '2' }]);
    p.close();
  });
});

test('rebuild recomputes a silver table from bronze alone, and the result is equal', async () => {
  const s = new VoterStream();
  const p = await open();
  const records: KafkaRecord[] = [];
  for (let i = 1; i <= 30; i++) records.push(s.change('c', i, null, voter(i, `City${i % 4}`)));
  for (let i = 1; i <= 30; i += 3) records.push(s.change('u', 100 + i, null, voter(i, 'Moved')));
  for (let i = 2; i <= 30; i += 5) records.push(s.change('d', 200 + i, voter(i, 'x'), null));
  for (let i = 0; i < records.length; i += 7) await p.process(records.slice(i, i + 7));
  const before = await deltaVoters(p);
  const result = await p.rebuild('voters');
  expect(result.rows).toBe(before.length);
  expect(await deltaVoters(p)).toEqual(before);
  expect(cities(p.silver.get('voters')!.rows(100, 0)).sort()).toEqual(cities(before).sort());
  // The pipeline goes on from the rebuilt table.
  await p.process([s.change('u', 900, null, voter(1, 'After'))]);
  expect((await deltaVoters(p)).find((r) => r.id === 1)!.city).toBe('After');
  await expect(p.rebuild('nope')).rejects.toThrow("no silver table named 'nope'");
  p.close();
});

test('routing rules send topics to the silver table they name', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'lh-route-'));
  dirs.push(dataDir);
  const p = await Pipeline.open({
    gold: votersBookGold,
    dataDir,
    log: silentLogger,
    routing: [{ pattern: /^(east|west)\.public\.voters$/, table: 'voters_$1' }],
  });
  const east = new VoterStream('east', 'book');
  const other = new VoterStream('north', 'book');
  await p.process([east.change('c', 1, null, voter(1, 'Avalon')), other.change('c', 1, null, voter(2, 'Northby'))]);
  expect(
    p.silver
      .list()
      .map((t) => t.name)
      .sort(),
  ).toEqual(['voters', 'voters_east']);
  expect(cities(p.silver.get('voters_east')!.rows(10, 0))).toEqual(['1:Avalon']);
  p.close();
});

test('a wider source type widens the silver column by rewriting it; an incompatible one is quarantined', async () => {
  const p = await open();
  const schema = (idType: string, cityType: string) => ({
    type: 'struct',
    optional: false,
    name: 'w.Envelope',
    fields: [
      {
        type: 'struct',
        optional: true,
        field: 'before',
        fields: [
          { type: idType, optional: false, field: 'id' },
          { type: cityType, optional: true, field: 'score' },
        ],
      },
      {
        type: 'struct',
        optional: true,
        field: 'after',
        fields: [
          { type: idType, optional: false, field: 'id' },
          { type: cityType, optional: true, field: 'score' },
        ],
      },
      {
        type: 'struct',
        optional: false,
        field: 'source',
        fields: [
          { type: 'string', optional: false, field: 'connector' },
          { type: 'string', optional: false, field: 'name' },
          { type: 'string', optional: false, field: 'db' },
          { type: 'string', optional: true, field: 'table' },
          { type: 'int64', optional: true, field: 'lsn' },
        ],
      },
      { type: 'string', optional: false, field: 'op' },
    ],
  });
  let offset = 0;
  const record = (idType: string, scoreType: string, id: number, score: unknown, lsn: number) => ({
    topic: 'w.public.scores',
    partition: 0,
    offset: String(offset++),
    timestamp: 0,
    key: JSON.stringify({ schema: { type: 'struct', optional: false, fields: [{ type: idType, optional: false, field: 'id' }] }, payload: { id } }),
    value: JSON.stringify({
      schema: schema(idType, scoreType),
      payload: { before: null, after: { id, score }, source: { connector: 'postgresql', name: 'w', db: 'd', table: 'scores', lsn }, op: 'c' },
    }),
  });
  await p.process([record('int32', 'float32', 1, 1.5, 1)]);
  const widened = await p.process([record('int64', 'float64', 5_000_000_000, 2.25, 2)]);
  expect(widened).toMatchObject({ applied: 1, quarantined: 0 });
  const storage = new LocalStorage(join(p.dataDir, 'silver', 'scores'));
  const snap = await Snapshot.open(storage);
  expect(snap.schema.fields.slice(0, 2).map((f) => [f.name, f.type])).toEqual([
    ['id', 'long'],
    ['score', 'double'],
  ]);
  // Every live file was rewritten under the new schema, so no reader needs the typeWidening feature.
  expect(snap.protocol.readerFeatures ?? []).not.toContain('typeWidening');
  expect(snap.files().every((a) => a.deletionVector == null)).toBe(true);
  const rows = [];
  for await (const r of scan(snap, storage, { columns: ['id', 'score'] })) rows.push(r);
  expect(rows.sort((a, b) => String(a.id).localeCompare(String(b.id)))).toEqual([
    { id: '1', score: 1.5 },
    { id: '5000000000', score: 2.25 },
  ]);
  const incompatible = await p.process([record('int64', 'string', 7, 'high', 3)]);
  expect(incompatible).toMatchObject({ applied: 0, quarantined: 1 });
  // The key column widened from int to long: id 1 is still the same key, updated in place.
  expect(await p.process([record('int64', 'float64', 1, 3.75, 4)])).toMatchObject({ applied: 1, quarantined: 0 });
  const after = [];
  for await (const r of scan(await Snapshot.open(storage), storage, { columns: ['id', 'score'] })) after.push(r);
  expect(after.sort((a, b) => String(a.id).localeCompare(String(b.id)))).toEqual([
    { id: '1', score: 3.75 },
    { id: '5000000000', score: 2.25 },
  ]);
  p.close();
});

test('a key index written with another key format is rebuilt from the Delta table on open', async () => {
  const s = new VoterStream();
  const dir = mkdtempSync(join(tmpdir(), 'lakehouse-keyformat-'));
  dirs.push(dir);
  let p = await open(dir);
  await p.process([s.change('c', 1, null, voter(1, 'Avalon')), s.change('c', 2, null, voter(2, 'Brook'))]);
  // What an older lakehouse left behind: keys spelled with JSON numbers, no format marker.
  p.db.run(`UPDATE "lh:silver:voters" SET __key = replace(__key, '"id":"', '"id":')`);
  p.db.run(`UPDATE "lh:silver:voters" SET __key = replace(__key, '"}', '}')`);
  p.db.run('DROP TABLE "lh:silver_key_format"');
  p.close();
  p = await open(dir);
  await p.process([s.change('u', 3, voter(1, 'Avalon'), voter(1, 'Camden'))]);
  expect(cities(await deltaVoters(p)).sort()).toEqual(['1:Camden', '2:Brook']);
  expect(cities(p.silver.get('voters')!.rows(10, 0)).sort()).toEqual(['1:Camden', '2:Brook']);
  p.close();
});

test('background compaction folds small files and deletion vectors away, and the index follows', async () => {
  const s = new VoterStream();
  const p = await open();
  for (let i = 1; i <= 40; i++) {
    const created = [0, 1, 2].map((k) => s.change('c', i * 10 + k, null, voter(i * 3 + k, 'Avalon')));
    await p.process([...created, s.change('u', 1000 + i, null, voter(i * 3 - 1, `Moved${i}`))]);
  }
  const storage = new LocalStorage(join(p.dataDir, 'silver', 'voters'));
  const snap = await Snapshot.open(storage);
  expect(snap.files().length).toBeLessThanOrEqual(33);
  expect(p.silver.get('voters')!.snapshot.version).toBeGreaterThan(40); // compaction commits
  const rows = await deltaVoters(p);
  expect(rows.length).toBe(121); // ids 3..122, plus id 2 from an update with no earlier insert
  // Updates after compaction still find the rows' new places: no duplicates, no stale rows.
  await p.process([s.change('u', 5000, null, voter(3, 'Final'))]);
  const after = await deltaVoters(p);
  expect(after.length).toBe(121);
  expect(after.find((r) => r.id === 3)!.city).toBe('Final');
  expect(cities(p.silver.get('voters')!.rows(1000, 0)).sort()).toEqual(cities(after).sort());
  p.close();
});

test('a second writer on the same data folder is refused with the holder pid; a stale lock is taken over', async () => {
  const p = await open();
  await expect(Pipeline.open({ gold: votersBookGold, dataDir: p.dataDir, log: silentLogger })).rejects.toThrow(
    `in use by another lakehouse process (pid ${process.pid})`,
  );
  p.close();
  writeFileSync(join(p.dataDir, '.lakehouse.lock'), '999999999');
  const again = await Pipeline.open({ gold: votersBookGold, dataDir: p.dataDir, log: silentLogger });
  again.close();
});

test('vacuum deletes replaced files past the retention and keeps every live one', async () => {
  const s = new VoterStream();
  const p = await open();
  for (let i = 1; i <= 40; i++) await p.process([s.change('c', i * 2, null, voter(i, 'A')), s.change('u', i * 2 + 1, null, voter(i, 'B'))]);
  const before = await deltaVoters(p);
  expect(await p.vacuum()).toBe(0); // nothing is older than the retention yet
  const dir = join(p.dataDir, 'silver', 'voters');
  const filesBefore = readdirSync(dir).length;
  expect(await p.vacuum(Date.now() + 2 * 3600_000)).toBeGreaterThan(0); // two hours later
  expect(readdirSync(dir).length).toBeLessThan(filesBefore);
  expect(await deltaVoters(p)).toEqual(before);
  p.close();
});
