import { votersBookGold } from '../../../src/gold/index.ts';
/**
 * SCD type 2 history (silver/<table>__history) on real Delta files: the history an in-order stream
 * gives matches a model computed from the events, and every other delivery (shuffled, duplicated,
 * redelivered at new offsets, other batch sizes, a restart or a crash between the two commits, a
 * rebuild) gives exactly the same rows.
 */
import { afterEach, describe, expect, test } from 'bun:test';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pipeline, PipelineView } from '../../../src/pipeline/index.ts';
import { silentLogger } from '../../../src/core/log.ts';
import { LocalStorage } from '../../../src/storage/index.ts';
import { Snapshot, formatTimestamp, scan } from '../../../src/delta/index.ts';
import { VoterStream, voter } from '../../support/voters-records.ts';
import type { KafkaRecord } from '../../../src/cdc/index.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const newDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'lh-history-'));
  dirs.push(d);
  return d;
};
const open = (dataDir: string, history: string[] = ['voters']) => Pipeline.open({ gold: votersBookGold, dataDir, log: silentLogger, history });

type Row = Record<string, unknown>;

async function deltaRows(dataDir: string, table: string): Promise<Row[]> {
  const storage = new LocalStorage(join(dataDir, 'silver', table));
  const rows: Row[] = [];
  for await (const r of scan(await Snapshot.open(storage), storage)) rows.push(r);
  return rows;
}

const sorted = (rows: Row[]) => rows.map((r) => JSON.stringify(r, Object.keys(r).sort())).sort();
const historyRows = async (dataDir: string) => sorted(await deltaRows(dataDir, 'voters__history'));

/** One source change: the same spec always gives the same source position (LSN) and time. */
interface Spec {
  op: 'c' | 'u' | 'd';
  lsn: number;
  id: number;
  city: string | null;
}

/** A random but reproducible stream: inserts, updates, deletes and re-inserts of a few keys, LSNs increasing. */
function specs(seed: number, count: number): Spec[] {
  let s = seed;
  const rand = () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const live = new Set<number>();
  const out: Spec[] = [];
  for (let i = 0; i < count; i++) {
    const id = 1 + Math.floor(rand() * 6);
    const lsn = 100 + i * 10;
    if (!live.has(id)) {
      out.push({ op: 'c', lsn, id, city: `c${i}` });
      live.add(id);
    } else if (rand() < 0.25) {
      out.push({ op: 'd', lsn, id, city: null });
      live.delete(id);
    } else out.push({ op: 'u', lsn, id, city: `u${i}` });
  }
  return out;
}

/** Records for the specs, at fresh Kafka offsets: redelivering a spec gives a new record, same LSN. */
function records(stream: VoterStream, list: readonly Spec[]): KafkaRecord[] {
  return list.map((sp) =>
    sp.op === 'd' ? stream.change('d', sp.lsn, voter(sp.id, 'gone'), null) : stream.change(sp.op, sp.lsn, null, voter(sp.id, sp.city!)),
  );
}

async function ingest(p: Pipeline, recs: readonly KafkaRecord[], batch: number) {
  for (let i = 0; i < recs.length; i += batch) await p.process(recs.slice(i, i + batch));
}

const at = (lsn: number) => formatTimestamp(BigInt(1_767_600_000_000 + lsn) * 1000n);

/** The history the specs mean, computed without lakehouse: per key, in LSN order. */
function expectedHistory(list: readonly Spec[]): string[] {
  const versions: { id: number; city: string; start: number; end: number | null }[] = [];
  const current = new Map<number, (typeof versions)[number]>();
  for (const sp of [...list].sort((a, b) => a.lsn - b.lsn)) {
    const open = current.get(sp.id);
    if (open) open.end = sp.lsn;
    current.delete(sp.id);
    if (sp.op !== 'd') {
      const v = { id: sp.id, city: sp.city!, start: sp.lsn, end: null };
      versions.push(v);
      current.set(sp.id, v);
    }
  }
  return versions.map((v) => `${v.id} ${v.city} ${at(v.start)} ${v.end === null ? 'current' : at(v.end)}`).sort();
}

const summary = (rows: Row[]) => rows.map((r) => `${r.id} ${r.city} ${r.__start_at} ${r.__end_at ?? 'current'}`).sort();

function shuffle<T>(list: readonly T[], seed: number): T[] {
  let s = seed;
  const rand = () => (s = (s * 16807) % 2147483647) / 2147483647;
  const out = [...list];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

describe('SCD type 2 history', () => {
  const stream = specs(7, 120);

  test('an in-order stream gives one row per version; current versions are the silver rows', async () => {
    const dir = newDir();
    const p = await open(dir);
    await ingest(p, records(new VoterStream(), stream), 7);
    const history = await deltaRows(dir, 'voters__history');
    expect(summary(history)).toEqual(expectedHistory(stream));
    const current = history.filter((r) => r.__end_at === null).map(({ __start_at, __end_at, __end_position, ...rest }) => rest);
    expect(sorted(current)).toEqual(sorted(await deltaRows(dir, 'voters')));
    // Position ties are broken by the stored positions: every closed version ends where its successor starts.
    for (const r of history) if (r.__end_position !== null) expect(String(r.__end_position) > String(r.__source_position)).toBe(true);
    p.close();
  });

  test('shuffled, duplicated and redelivered events, in other batch sizes, give the same history', async () => {
    const inOrder = newDir();
    const p1 = await open(inOrder);
    await ingest(p1, records(new VoterStream(), stream), 10);
    p1.close();
    for (const seed of [1, 2, 3]) {
      const dir = newDir();
      const p = await open(dir);
      const noisy = shuffle([...stream, ...shuffle(stream, seed + 10).slice(0, 40)], seed);
      const recs = records(new VoterStream(), noisy);
      // Some records again at the same Kafka offsets (bronze drops those) and some at new ones.
      await ingest(p, [...recs, ...recs.slice(0, 15)], 3 + seed * 4);
      expect(await historyRows(dir)).toEqual(await historyRows(inOrder));
      p.close();
    }
  });

  test('a delete closes the version; a re-insert opens a new one; a late update splits the version it falls in', async () => {
    const dir = newDir();
    const p = await open(dir);
    const s = new VoterStream();
    await p.process([s.change('c', 10, null, voter(1, 'Avalon')), s.change('d', 30, voter(1, 'Avalon'), null)]);
    expect(summary(await deltaRows(dir, 'voters__history'))).toEqual([`1 Avalon ${at(10)} ${at(30)}`]);
    await p.process([s.change('c', 40, null, voter(1, 'Brightwater'))]);
    // Silver drops this one (older than its delete); the history puts it where it belongs.
    await p.process([s.change('u', 20, null, voter(1, 'Late'))]);
    expect(summary(await deltaRows(dir, 'voters__history'))).toEqual([
      `1 Avalon ${at(10)} ${at(20)}`,
      `1 Brightwater ${at(40)} current`,
      `1 Late ${at(20)} ${at(30)}`,
    ]);
    expect((await deltaRows(dir, 'voters')).map((r) => r.city)).toEqual(['Brightwater']);
    // A delete that arrives before its insert leaves a tombstone the insert then ends at.
    await p.process([s.change('d', 60, voter(2, 'x'), null)]);
    await p.process([s.change('c', 50, null, voter(2, 'Cedar'))]);
    expect(summary(await deltaRows(dir, 'voters__history')).filter((r) => r.startsWith('2 '))).toEqual([`2 Cedar ${at(50)} ${at(60)}`]);
    p.close();
  });

  test('closing a version marks its old row in a deletion vector, never rewrites the file', async () => {
    const dir = newDir();
    const p = await open(dir);
    const s = new VoterStream();
    await p.process(Array.from({ length: 50 }, (_, i) => s.change('c', 10 + i, null, voter(i, 'A'))));
    const before = (await Snapshot.open(new LocalStorage(join(dir, 'silver', 'voters__history')))).files();
    await p.process([s.change('u', 100, null, voter(3, 'B'))]);
    const after = (await Snapshot.open(new LocalStorage(join(dir, 'silver', 'voters__history')))).files();
    expect(before).toHaveLength(1);
    expect(after).toHaveLength(2);
    const old = after.find((a) => a.path === before[0]!.path)!;
    expect(old.deletionVector?.cardinality).toBe(1);
    p.close();
  });

  test('past 32 files the history compacts, and the index follows the rows to their new files', async () => {
    const dir = newDir();
    const p = await open(dir);
    const source = new VoterStream();
    await ingest(p, records(source, stream), 2);
    const files = (await Snapshot.open(new LocalStorage(join(dir, 'silver', 'voters__history')))).files();
    expect(files.length).toBeLessThanOrEqual(33);
    expect(summary(await deltaRows(dir, 'voters__history'))).toEqual(expectedHistory(stream));
    // Closing versions that now live in compacted files still marks the right rows.
    await ingest(
      p,
      records(
        source,
        [1, 2, 3, 4, 5, 6].map((id, i) => ({ op: 'd' as const, lsn: 5000 + i, id, city: null })),
      ),
      6,
    );
    const closed = await deltaRows(dir, 'voters__history');
    expect(closed.filter((r) => r.__end_at === null)).toEqual([]);
    expect(closed.length).toBe(expectedHistory(stream).length);
    p.close();
  });

  test('a wider source type rewrites the history under it; an event silver quarantines is left out', async () => {
    const dir = newDir();
    const p = await open(dir, ['scores']);
    let offset = 0;
    const record = (idType: string, scoreType: string, id: number, score: unknown, lsn: number) => {
      const row = [
        { type: idType, optional: false, field: 'id' },
        { type: scoreType, optional: true, field: 'score' },
      ];
      const source = [
        { type: 'string', optional: false, field: 'connector' },
        { type: 'string', optional: false, field: 'name' },
        { type: 'string', optional: false, field: 'db' },
        { type: 'string', optional: true, field: 'table' },
        { type: 'int64', optional: true, field: 'lsn' },
      ];
      const envelope = {
        type: 'struct',
        optional: false,
        fields: [
          { type: 'struct', optional: true, field: 'before', fields: row },
          { type: 'struct', optional: true, field: 'after', fields: row },
          { type: 'struct', optional: false, field: 'source', fields: source },
          { type: 'string', optional: false, field: 'op' },
        ],
      };
      return {
        topic: 'w.public.scores',
        partition: 0,
        offset: String(offset++),
        timestamp: 0,
        key: JSON.stringify({ schema: { type: 'struct', optional: false, fields: [{ type: idType, optional: false, field: 'id' }] }, payload: { id } }),
        value: JSON.stringify({
          schema: envelope,
          payload: { before: null, after: { id, score }, source: { connector: 'postgresql', name: 'w', db: 'd', table: 'scores', lsn }, op: 'c' },
        }),
      };
    };
    await p.process([record('int32', 'float32', 1, 1.5, 1), record('int32', 'float32', 2, 0.5, 2)]);
    // The widening batch also closes a version, which the rewrite must carry closed.
    await p.process([record('int64', 'float64', 5_000_000_000, 2.25, 3), record('int32', 'float32', 2, 0.75, 4)]);
    await p.process([record('int64', 'string', 7, 'high', 5)]);
    const snap = await Snapshot.open(new LocalStorage(join(dir, 'silver', 'scores__history')));
    expect(snap.schema.fields.slice(0, 2).map((f) => [f.name, f.type])).toEqual([
      ['id', 'long'],
      ['score', 'double'],
    ]);
    expect(snap.protocol.readerFeatures ?? []).not.toContain('typeWidening');
    const rows = (await deltaRows(dir, 'scores__history')).map((r) => `${r.id} ${r.score} ${r.__end_at === null ? 'current' : 'closed'}`).sort();
    expect(rows).toEqual(['1 1.5 current', '2 0.5 closed', '2 0.75 current', '5000000000 2.25 current']);
    expect(snap.files().every((a) => a.deletionVector == null)).toBe(true);
    p.close();
  });

  test('a truncate closes the versions of its source that began before it', async () => {
    const dir = newDir();
    const p = await open(dir);
    const s = new VoterStream();
    await p.process([s.change('c', 10, null, voter(1, 'A')), s.change('c', 11, null, voter(2, 'B'))]);
    const truncate = s.change('d', 20, voter(1, 'A'), null);
    const value = JSON.parse(truncate.value!);
    Object.assign(value.payload, { op: 't', before: null, after: null });
    await p.process([{ ...truncate, key: null, value: JSON.stringify(value) }, s.change('c', 21, null, voter(3, 'C'))]);
    expect(summary(await deltaRows(dir, 'voters__history'))).toEqual([`1 A ${at(10)} ${at(20)}`, `2 B ${at(11)} ${at(20)}`, `3 C ${at(21)} current`]);
    // Written before the truncate, delivered after it (another partition): no version, as in silver.
    await p.process([s.change('c', 15, null, voter(4, 'Late'))]);
    expect(summary(await deltaRows(dir, 'voters__history'))).toEqual([`1 A ${at(10)} ${at(20)}`, `2 B ${at(11)} ${at(20)}`, `3 C ${at(21)} current`]);
    // The same in the truncate's own batch.
    const again = s.change('d', 30, voter(3, 'C'), null);
    const againValue = JSON.parse(again.value!);
    Object.assign(againValue.payload, { op: 't', before: null, after: null });
    await p.process([{ ...again, key: null, value: JSON.stringify(againValue) }, s.change('c', 25, null, voter(5, 'Late too'))]);
    expect(summary(await deltaRows(dir, 'voters__history'))).toEqual([`1 A ${at(10)} ${at(20)}`, `2 B ${at(11)} ${at(20)}`, `3 C ${at(21)} ${at(30)}`]);
    expect(await deltaRows(dir, 'voters')).toEqual([]);
    p.close();
  });

  test('a restart mid-stream keeps the history on without the flag, with no duplicate or lost version', async () => {
    const dir = newDir();
    const recs = records(new VoterStream(), stream);
    const p1 = await open(dir);
    await ingest(p1, recs.slice(0, 50), 9);
    p1.close();
    const p2 = await open(dir, []);
    await ingest(p2, recs.slice(40), 9);
    p2.close();
    expect(summary(await deltaRows(dir, 'voters__history'))).toEqual(expectedHistory(stream));
  });

  test('a crash between the silver and history commits is repaired by replay: each skips what it holds', async () => {
    for (const lost of ['voters', 'voters__history']) {
      const dir = newDir();
      const recs = records(new VoterStream(), stream);
      const p1 = await open(dir);
      await ingest(p1, recs, 11);
      // Undo one table's last commit, as if the process died just before it, and the pipeline's
      // record that the last bronze version was done.
      const log = join(dir, 'silver', lost, '_delta_log');
      const last = readdirSync(log)
        .filter((f) => f.endsWith('.json'))
        .sort()
        .at(-1)!;
      expect(readdirSync(log).some((f) => f.startsWith(last.slice(0, 20)) && f.includes('checkpoint'))).toBe(false);
      rmSync(join(log, last));
      p1.db.run(`UPDATE "lh:pipeline_state" SET value = value - 1 WHERE name = 'bronze_processed'`);
      p1.close();
      const p2 = await open(dir, []);
      p2.close();
      expect(summary(await deltaRows(dir, 'voters__history'))).toEqual(expectedHistory(stream));
      expect((await deltaRows(dir, 'voters')).length).toBe(summary(await deltaRows(dir, 'voters__history')).filter((r) => r.endsWith('current')).length);
    }
  });

  test('turned on for a table with rows, the history starts from them; a rebuild gives every version from bronze', async () => {
    const dir = newDir();
    const recs = records(new VoterStream(), stream);
    const p1 = await open(dir, []);
    await ingest(p1, recs.slice(0, 60), 10);
    const silverThen = await deltaRows(dir, 'voters');
    p1.close();
    const p2 = await open(dir);
    const seeded = await deltaRows(dir, 'voters__history');
    expect(seeded.every((r) => r.__end_at === null)).toBe(true);
    expect(seeded.map((r) => `${r.id} ${r.city} ${r.__start_at}`).sort()).toEqual(
      silverThen.map((r) => `${r.id} ${r.city} ${formatTimestamp(BigInt(r.__source_ts_ms as string) * 1000n)}`).sort(),
    );
    await ingest(p2, recs.slice(60), 10);
    const full = expectedHistory(stream);
    const seededVersions = new Set(seeded.map((r) => `${r.id} ${r.city} ${r.__start_at}`));
    // The seeded versions (now closed where later events closed them) and every version after the seed, exactly.
    const sinceSeed = full.filter((h) => seededVersions.has(h.split(' ').slice(0, 3).join(' ')) || h.split(' ')[2]! >= at(stream[60]!.lsn));
    expect(sinceSeed.length).toBeLessThan(full.length);
    expect(summary(await deltaRows(dir, 'voters__history'))).toEqual(sinceSeed);
    await p2.rebuild('voters');
    expect(summary(await deltaRows(dir, 'voters__history'))).toEqual(full);
    p2.close();
  });

  test('a rebuild of a table with history gives the same history', async () => {
    const dir = newDir();
    const p = await open(dir);
    await ingest(p, records(new VoterStream(), shuffle(stream, 5)), 13);
    const before = await historyRows(dir);
    await p.rebuild('voters');
    expect(await historyRows(dir)).toEqual(before);
    expect(p.silver.history('voters')!.rowCount).toBe(before.length);
    p.close();
  });

  test('the history is a table of the API and of SQL, not a silver table routing can write to', async () => {
    const dir = newDir();
    const p = await open(dir);
    await ingest(p, records(new VoterStream(), stream), 20);
    const view = new PipelineView(p, { status: 'ok', source: { kind: 'file' }, startedAt: Date.now(), lag: () => 0 });
    const tables = await view.tables();
    const expected = expectedHistory(stream);
    expect(tables.find((t) => t.name === 'voters__history')).toMatchObject({ layer: 'silver', rows: expected.length });
    expect(summary((await view.rows('voters__history', { limit: 1000, offset: 0 })).rows)).toEqual(expected);
    const sql = p.db.query(`SELECT id, city, __start_at, __end_at FROM voters__history`).all() as Row[];
    expect(summary(sql)).toEqual(expected);
    expect(p.silver.list().map((t) => t.name)).toEqual(['voters']);
    p.close();
    // Reopened, the history folder is not taken for a silver table.
    const again = await open(dir, []);
    expect(again.silver.list().map((t) => t.name)).toEqual(['voters']);
    expect(again.silver.histories().map((h) => h.name)).toEqual(['voters__history']);
    again.close();
  });
});
