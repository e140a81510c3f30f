/**
 * Tables without a primary key (issue 12, item 5): Debezium sends their records without a Kafka key.
 * Silver appends them (each insert or snapshot read is a row, with its op and position), matches an
 * update or delete by its full before image (REPLICA IDENTITY FULL), and refuses one without it as a
 * dead letter. Redelivery appends nothing twice; a rebuild from bronze gives the same table.
 */
import { afterEach, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createApp } from '../../../src/api/index.ts';
import { Pipeline, PipelineView } from '../../../src/pipeline/index.ts';
import { silentLogger } from '../../../src/core/log.ts';
import type { KafkaRecord } from '../../../src/cdc/index.ts';
import { deadLetterReasons, deltaRows } from '../../support/delta-rows.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function open(options: { keyColumns?: Record<string, string[]>; dataDir?: string } = {}) {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'lh-keyless-'));
  dirs.push(dataDir);
  return Pipeline.open({ dataDir, log: silentLogger, ...(options.keyColumns ? { keyColumns: options.keyColumns } : {}) });
}

const SRC = (table: string, lsn: number, snapshot = false) => ({
  connector: 'postgresql',
  name: 'srv',
  db: 'db',
  schema: 'public',
  table,
  lsn,
  ts_ms: 1_767_600_000_000 + lsn,
  ...(snapshot ? { snapshot: 'true' } : {}),
});

let offset = 0;
/** A record of a keyless table: no Kafka key. */
const record = (table: string, value: unknown, key: unknown = null): KafkaRecord => ({
  topic: `srv.public.${table}`,
  partition: 0,
  offset: String(offset++),
  timestamp: 1_767_600_000_000,
  key: key === null ? null : JSON.stringify(key),
  value: JSON.stringify(value),
});
const envelope = (table: string, op: string, lsn: number, after: unknown, before: unknown = null, snapshot = false) => ({
  op,
  before,
  after,
  source: SRC(table, lsn, snapshot),
  ts_ms: 1,
});
const history = (aid: number, delta: number) => ({ tid: 1, bid: 1, aid, delta, mtime: '2026-01-01T00:00:00Z' });

const rows = (p: Pipeline, table: string) => deltaRows(p.dataDir, `silver/${table}`);
const deadLetters = (p: Pipeline) => deadLetterReasons(p.dataDir);

/** The rows as comparable text: source columns, op and position; sorted. */
const shape = (rs: Record<string, unknown>[]) => rs.map((r) => `${r.aid}/${r.delta} ${r.__op} ${r.__source_position}`).sort();

test('inserts and snapshot reads of a keyless table are appended, identical rows included; redelivery appends nothing', async () => {
  const p = await open();
  const t = 'pgbench_history';
  const batch = [
    record(t, envelope(t, 'r', 5, history(1, 10), null, true)),
    record(t, envelope(t, 'c', 10, history(1, 10))),
    // The same row again at another position: a second row, as in the source.
    record(t, envelope(t, 'c', 11, history(1, 10))),
    record(t, envelope(t, 'c', 12, history(2, -5))),
  ];
  const summary = await p.process(batch);
  expect(summary).toMatchObject({ applied: 4, quarantined: 0 });
  expect(await deadLetters(p)).toEqual([]);
  const appended = await rows(p, t);
  expect(appended).toHaveLength(4);
  expect(appended.map((r) => r.__op).sort()).toEqual(['c', 'c', 'c', 'r']);
  // Redelivered (a connector restart re-sends them at new offsets): nothing appended twice.
  await p.process(batch.map((r) => ({ ...r, offset: String(offset++) })));
  expect(shape(await rows(p, t))).toEqual(shape(appended));
  expect(p.silver.get(t)!.rowCount).toBe(4);
  expect(p.silver.get(t)!.keyMode).toEqual({ mode: 'keyless' });
  p.close();
});

test('with REPLICA IDENTITY FULL an update or delete is matched by its before image; without it, a dead letter with the reason', async () => {
  const p = await open();
  const t = 'h';
  await p.process([
    record(t, envelope(t, 'c', 10, history(1, 10))),
    record(t, envelope(t, 'c', 11, history(1, 10))),
    record(t, envelope(t, 'c', 12, history(2, 20))),
  ]);
  const changes = [
    // Updates one of the two identical rows.
    record(t, envelope(t, 'u', 20, history(1, 11), history(1, 10))),
    record(t, envelope(t, 'd', 21, null, history(2, 20))),
    // REPLICA IDENTITY DEFAULT: no before image; USING INDEX: only some columns.
    record(t, envelope(t, 'u', 22, history(3, 30), null)),
    record(t, envelope(t, 'd', 23, null, { aid: 1 })),
    // A before image no row has.
    record(t, envelope(t, 'd', 24, null, history(9, 99))),
  ];
  const summary = await p.process(changes);
  expect(summary).toMatchObject({ applied: 2, quarantined: 3 });
  expect((await rows(p, t)).map((r) => `${r.aid}/${r.delta} ${r.__op}`).sort()).toEqual(['1/10 c', '1/11 u']);
  const reasons = await deadLetters(p);
  expect(reasons.filter((r) => r.includes('without a full before image: set REPLICA IDENTITY FULL or pass --key h=COLUMN[,COLUMN]'))).toHaveLength(2);
  expect(reasons.filter((r) => r.includes('matches no row'))).toHaveLength(1);
  // Redelivered: the update and delete are not applied twice (the other identical row stays).
  const again = await p.process(changes.slice(0, 2).map((r) => ({ ...r, offset: String(offset++) })));
  expect(again).toMatchObject({ applied: 0, quarantined: 0 });
  expect((await rows(p, t)).map((r) => `${r.aid}/${r.delta}`).sort()).toEqual(['1/10', '1/11']);
  p.close();
});

test('--key still makes a table keyed; keyless and keyed records never share a table', async () => {
  const p = await open({ keyColumns: { k: ['aid'] } });
  await p.process([
    record('k', envelope('k', 'c', 1, history(1, 1))),
    record('k', envelope('k', 'u', 2, history(1, 2))),
    record('a', envelope('a', 'c', 3, history(1, 1))),
  ]);
  // A keyed record for the keyless table 'a'.
  await p.process([record('a', envelope('a', 'c', 4, history(2, 1)), { aid: 2 })]);
  expect((await rows(p, 'k')).map((r) => `${r.aid}/${r.delta}`)).toEqual(['1/2']);
  expect(p.silver.get('k')!.keyMode).toEqual({ mode: 'keyed', columns: ['aid'] });
  expect((await rows(p, 'a')).map((r) => `${r.aid}/${r.delta}`)).toEqual(['1/1']);
  const reasons = await deadLetters(p);
  expect(reasons).toHaveLength(1);
  expect(reasons[0]).toContain("table 'a' has no primary key");
  p.close();
});

test('rebuilding a keyless table from bronze, or losing lakehouse.db, gives the same table', async () => {
  const p = await open();
  const t = 'h';
  await p.process([
    record(t, envelope(t, 'c', 10, history(1, 10))),
    record(t, envelope(t, 'c', 11, history(1, 10))),
    record(t, envelope(t, 'c', 12, history(2, 20))),
  ]);
  await p.process([record(t, envelope(t, 'u', 20, history(1, 11), history(1, 10))), record(t, envelope(t, 'd', 21, null, history(2, 20)))]);
  const before = shape(await rows(p, t));
  await p.rebuild(t);
  expect(shape(await rows(p, t))).toEqual(before);
  expect(p.silver.get(t)!.keyMode).toEqual({ mode: 'keyless' });
  p.close();
  rmSync(join(p.dataDir, 'lakehouse.db'), { force: true });
  const reopened = await open({ dataDir: p.dataDir });
  expect(
    reopened.silver
      .get(t)!
      .rows(10, 0)
      .map((r) => `${r.aid}/${r.delta} ${r.__op} ${r.__source_position}`)
      .sort(),
  ).toEqual(before);
  // The index came back from the Delta table: a later delete of the remaining identical row still matches.
  await reopened.process([record(t, envelope(t, 'd', 30, null, history(1, 10)))]);
  expect((await rows(reopened, t)).map((r) => `${r.aid}/${r.delta}`)).toEqual(['1/11']);
  reopened.close();
});

test('describe and /api/tables say which mode a table is in', async () => {
  const p = await open({ keyColumns: { k: ['aid'] } });
  await p.process([record('k', envelope('k', 'c', 1, history(1, 1))), record('a', envelope('a', 'c', 2, history(1, 1)))]);
  const app = createApp(new PipelineView(p, { status: 'ok', source: { kind: 'file' }, startedAt: Date.now(), lag: () => 0 }));
  const { tables } = (await (await app.request('/api/tables')).json()) as { tables: { name: string; key?: unknown }[] };
  const keyOf = (name: string) => tables.find((t) => t.name === name)?.key;
  expect([keyOf('k'), keyOf('a'), keyOf('bronze')]).toEqual([{ mode: 'keyed', columns: ['aid'] }, { mode: 'keyless', columns: [] }, undefined]);
  p.close();
  const main = resolve(import.meta.dir, '../../../src/cli/main.ts');
  const describe = (...args: string[]) => Bun.spawnSync([process.execPath, main, 'describe', ...args]).stdout.toString();
  expect(JSON.parse(describe(join(p.dataDir, 'silver', 'a'), '--format', 'json')).key).toEqual({ mode: 'keyless', columns: [] });
  expect(describe(join(p.dataDir, 'silver', 'a'))).toMatch(/^key\s+none \(keyless: each insert is appended as a row/m);
  expect(describe(join(p.dataDir, 'silver', 'k'))).toMatch(/^key\s+\(aid\)$/m);
});

test('flattened records of a keyless table (ExtractNewRecordState, no __op) are appended; a rewritten delete matches its row', async () => {
  const p = await open();
  const flat = (row: object, meta: object) => record('f', { ...row, __table: 'f', __lsn: offset, __source_ts_ms: 1_767_600_000_000, ...meta });
  await p.process([flat(history(1, 10), {}), flat(history(2, 20), {}), flat(history(1, 10), { __deleted: 'true' })]);
  expect((await rows(p, 'f')).map((r) => `${r.aid}/${r.delta}`)).toEqual(['2/20']);
  expect(await deadLetters(p)).toEqual([]);
  p.close();
});

test('a keyless table keeps a history (--history): each appended row is a version, the history keyless too', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'lh-keyless-'));
  dirs.push(dataDir);
  const p = await Pipeline.open({ dataDir, log: silentLogger, history: ['hh'] });
  await p.process([record('hh', envelope('hh', 'c', 1, history(1, 1))), record('hh', envelope('hh', 'c', 2, history(1, 1)))]);
  await p.process([record('hh', envelope('hh', 'c', 3, history(2, 2)))]);
  expect(p.silver.history('hh')!.rowCount).toBe(3);
  expect(p.silver.history('hh')!.keyMode).toEqual({ mode: 'keyless' });
  expect(p.silver.get('hh')!.rowCount).toBe(3);
  p.close();
});
