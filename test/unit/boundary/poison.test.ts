/**
 * Poison isolation (issue 12, item 2): a record that makes applying its batch throw (here a column name
 * SQLite's serving copy refuses, a real one) is found, becomes a dead letter with the error, and the
 * good records beside it land; a restart, a replay of bronze and `rebuild` give the same silver. A gold
 * table whose rows the writer refuses only fails itself. Machine failures still stop.
 */
import { afterEach, expect, test } from 'bun:test';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchPreparer, Pipeline } from '../../../src/pipeline/index.ts';
import { silentLogger } from '../../../src/core/log.ts';
import { ErrorCode, LakehouseError, asLakehouseError, formatError, isMachineFailure } from '../../../src/core/errors.ts';
import { LocalStorage } from '../../../src/storage/index.ts';
import { Snapshot, scan } from '../../../src/delta/index.ts';
import type { ChangeEvent, KafkaRecord } from '../../../src/cdc/index.ts';
import { applyIsolated } from '../../../src/silver/poison.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function dataDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'lh-poison-'));
  dirs.push(d);
  return d;
}

const SRC = (table: string, lsn: number) => ({ connector: 'postgresql', name: 'srv', db: 'db', schema: 'public', table, lsn, ts_ms: 1_767_600_000_000 + lsn });
let offset = 0;
const record = (table: string, id: number, after: Record<string, unknown>): KafkaRecord => ({
  topic: `srv.public.${table}`,
  partition: 0,
  offset: String(offset++),
  timestamp: 1_767_600_000_000,
  key: JSON.stringify({ id }),
  value: JSON.stringify({ op: 'c', before: null, after: { id, ...after }, source: SRC(table, offset), ts_ms: 1 }),
});
/** A column name with a NUL in it: SQLite cannot add it to the serving copy (a real poison). */
const poison = (table: string, id: number) => record(table, id, { 'bad\u0000name': 1 });

async function silverRows(dir: string, table: string): Promise<string[]> {
  const storage = new LocalStorage(join(dir, 'silver', table));
  const out: string[] = [];
  for await (const r of scan(await Snapshot.open(storage), storage)) out.push(`${r.id}:${r.v}`);
  return out.sort();
}

async function deadLetters(dir: string): Promise<{ offset: string; reason: string }[]> {
  const storage = new LocalStorage(join(dir, 'dead_letters'));
  if ((await Snapshot.latestVersion(storage)) === undefined) return [];
  const out: { offset: string; reason: string }[] = [];
  for await (const r of scan(await Snapshot.open(storage), storage)) out.push({ offset: String(r.offset), reason: String(r.reason) });
  return out.sort((a, b) => Number(a.offset) - Number(b.offset));
}

const sqlRows = (p: Pipeline, table: string) =>
  (p.db.query(`SELECT id, v FROM "${table}"`).all() as { id: number; v: string }[]).map((r) => `${r.id}:${r.v}`).sort();

test('a record the serving copy refuses is a dead letter with the error; the good ones land; restart, replay and rebuild agree', async () => {
  const dir = dataDir();
  const p = await Pipeline.open({ dataDir: dir, log: silentLogger });
  await p.process([record('t', 0, { v: 'zero' })]);
  const batch = [record('t', 1, { v: 'one' }), poison('t', 2), record('t', 3, { v: 'three' }), record('t', 4, { v: 'four' }), poison('t', 5)];
  const bad = [batch[1]!, batch[4]!];
  const summary = await p.process(batch);
  expect(summary).toMatchObject({ applied: 3, quarantined: 2 });
  // A new table whose first record is the poison is created from the records that remain.
  await p.process([poison('n', 1), record('n', 2, { v: 'two' })]);
  const expected = ['0:zero', '1:one', '3:three', '4:four'];
  expect(await silverRows(dir, 't')).toEqual(expected);
  expect(sqlRows(p, 't')).toEqual(expected);
  expect(await silverRows(dir, 'n')).toEqual(['2:two']);
  const letters = await deadLetters(dir);
  expect(letters.map((l) => l.offset)).toEqual([bad[0]!.offset, bad[1]!.offset, String(offset - 2)]);
  for (const l of letters) expect(l.reason).toMatch(/^applying it to silver table '[tn]' failed: .*unrecognized token/);
  // No trial table is left behind.
  expect(readdirSync(join(dir, 'silver')).sort()).toEqual(['n', 't']);
  p.close();

  // A restart, and a lost lakehouse.db (bronze replayed), open and serve the same rows.
  const again = await Pipeline.open({ dataDir: dir, log: silentLogger });
  expect(sqlRows(again, 't')).toEqual(expected);
  await again.process([record('t', 6, { v: 'six' })]);
  again.close();
  rmSync(join(dir, 'lakehouse.db'));
  const replayed = await Pipeline.open({ dataDir: dir, log: silentLogger });
  expect(sqlRows(replayed, 't')).toEqual([...expected, '6:six']);
  // rebuild recomputes from bronze alone and refuses the same records.
  await replayed.rebuild('t');
  await replayed.rebuild('n');
  expect(await silverRows(dir, 't')).toEqual([...expected, '6:six']);
  expect(sqlRows(replayed, 'n')).toEqual(['2:two']);
  expect(await deadLetters(dir)).toHaveLength(3);
  replayed.close();
});

test('a poison record in bronze whose batch was never applied (a crash) is isolated when the replay on open reaches it', async () => {
  const dir = dataDir();
  const p = await Pipeline.open({ dataDir: dir, log: silentLogger });
  await p.process([record('t', 0, { v: 'zero' })]);
  // Bronze commits, then the process dies before silver.
  const preparer = new BatchPreparer(p.bronze.storage, p.bronzeFileOptions(), (topic, partition) => p.bronze.storedOffset(topic, partition));
  const prepared = await preparer.prepare([record('t', 1, { v: 'one' }), poison('t', 2), record('t', 3, { v: 'three' })]);
  await p.bronze.commit(prepared.bronze!);
  p.close();
  const reopened = await Pipeline.open({ dataDir: dir, log: silentLogger });
  expect(sqlRows(reopened, 't')).toEqual(['0:zero', '1:one', '3:three']);
  expect((await deadLetters(dir)).map((l) => l.reason)).toEqual([expect.stringContaining("applying it to silver table 't' failed")]);
  reopened.close();
});

test('a gold table whose rows the Delta writer refuses (a SUM past a long) fails alone; silver goes on, restarts open', async () => {
  const dir = dataDir();
  const gold = [{ name: 'totals', sql: 'SELECT v, SUM(n) AS total FROM t GROUP BY v' }];
  const p = await Pipeline.open({ dataDir: dir, log: silentLogger, gold });
  // 2^63 is past a long: the column becomes decimal(38,0), and SQLite sums its values as a double
  // that the gold column, typed long from the first rows, cannot take.
  const big = (id: number) => record('t', id, { v: 'x', n: 2 ** 63 });
  await p.process([record('t', 0, { v: 'x', n: 1 })]);
  const summary = await p.process([big(1), big(2)]);
  expect(summary).toMatchObject({ applied: 2, quarantined: 0 });
  expect(p.gold[0]!.failing).toContain('cannot take the value');
  await p.process([record('t', 3, { v: 'y', n: 2 })]);
  expect(sqlRows(p, 't')).toEqual(['0:x', '1:x', '2:x', '3:y']);
  p.close();
  const again = await Pipeline.open({ dataDir: dir, log: silentLogger, gold });
  await again.process([record('t', 4, { v: 'y', n: 3 })]);
  expect(sqlRows(again, 't')).toHaveLength(5);
  // Reopened, its column types are derived again (from silver's decimal now): it publishes.
  expect(again.gold[0]!.failing).toBeUndefined();
  expect(again.db.query('SELECT v FROM totals ORDER BY v').values()).toEqual([['x'], ['y']]);
  again.close();
});

test('a failure of the machine (a table folder that is a file) stops with one clear line; nothing is dead-lettered, and once fixed the batch lands', async () => {
  const dir = dataDir();
  const p = await Pipeline.open({ dataDir: dir, log: silentLogger });
  mkdirSync(join(dir, 'silver'), { recursive: true });
  writeFileSync(join(dir, 'silver', 't'), 'not a folder');
  const err = await p.process([record('t', 1, { v: 'one' }), record('t', 2, { v: 'two' })]).catch((e) => e);
  expect(formatError(asLakehouseError(err))).toMatch(/^error io: ENOTDIR: .*silver\/t/);
  expect(await deadLetters(dir)).toEqual([]);
  p.close();
  rmSync(join(dir, 'silver', 't'));
  // Bronze kept the batch: the next start applies it.
  const again = await Pipeline.open({ dataDir: dir, log: silentLogger });
  expect(sqlRows(again, 't')).toEqual(['1:one', '2:two']);
  again.close();
});

test('failures of the machine stop; failures a record can cause are isolated', async () => {
  const enospc = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
  expect(isMachineFailure(enospc)).toBe(true);
  expect(isMachineFailure(Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' }))).toBe(true);
  expect(isMachineFailure(new LakehouseError(ErrorCode.io, 'EACCES: /data'))).toBe(true);
  expect(isMachineFailure(new LakehouseError(ErrorCode.conflict, 'another writer'))).toBe(true);
  expect(isMachineFailure(new LakehouseError(ErrorCode.invalidInput, 'column v (Int64) cannot take the value "x"'))).toBe(false);
  expect(isMachineFailure(Object.assign(new Error('unrecognized token'), { code: 'SQLITE_ERROR' }))).toBe(false);
  expect(isMachineFailure(new TypeError('x is undefined'))).toBe(false);

  const events = [{ op: 'c' }, { op: 'c' }] as unknown as ChangeEvent[];
  let trials = 0;
  const trial = async () => {
    trials++;
  };
  await expect(
    applyIsolated(
      events,
      'applying it',
      async () => {
        throw enospc;
      },
      trial,
    ),
  ).rejects.toBe(enospc);
  expect(trials).toBe(0);
});
