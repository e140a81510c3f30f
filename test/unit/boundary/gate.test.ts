/**
 * The gate before silver: records that are not rows of their table, or whose key the row contradicts,
 * are dead letters with their reason; good records beside them are applied; values past int64 widen the
 * column instead of halting. Each case is a repro from issue 12, with good records around it.
 */
import { afterEach, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pipeline } from '../../../src/pipeline/index.ts';
import { silentLogger } from '../../../src/core/log.ts';
import { LocalStorage } from '../../../src/storage/index.ts';
import { Snapshot } from '../../../src/delta/index.ts';
import type { KafkaRecord } from '../../../src/cdc/index.ts';
import { deadLetterReasons, deltaRows } from '../../support/delta-rows.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function open() {
  const dataDir = mkdtempSync(join(tmpdir(), 'lh-gate-'));
  dirs.push(dataDir);
  return Pipeline.open({ dataDir, log: silentLogger });
}

const SRC = (table: string, lsn: number) => ({ connector: 'postgresql', name: 'srv', db: 'db', schema: 'public', table, lsn, ts_ms: 1_767_600_000_000 + lsn });

let offset = 0;
const record = (table: string, key: unknown, value: unknown): KafkaRecord => ({
  topic: `srv.public.${table}`,
  partition: 0,
  offset: String(offset++),
  timestamp: 1_767_600_000_000,
  key: key === null ? null : JSON.stringify(key),
  value: value === null ? null : typeof value === 'string' ? value : JSON.stringify(value),
});
const envelope = (table: string, op: string, lsn: number, after: unknown, before: unknown = null) => ({ op, before, after, source: SRC(table, lsn), ts_ms: 1 });

const rows = (p: Pipeline, table: string) => deltaRows(p.dataDir, `silver/${table}`);
const deadLetters = (p: Pipeline) => deadLetterReasons(p.dataDir);

const ids = (rs: Record<string, unknown>[]) => rs.map((r) => String(r.id)).sort();

test('a value that is not a row of its table, or contradicts its key, is a dead letter; the good rows land', async () => {
  const p = await open();
  const summary = await p.process([
    record('t', { id: 1 }, envelope('t', 'c', 10, { id: 1, name: 'good' })),
    // 5: a stray object under a key, on a topic of envelopes
    record('t', { id: 2 }, { hello: 'world' }),
    // 5: a JsonConverter document without its schema, its payload read as a row
    record('t', { id: 2 }, { payload: { op: 'x', after: { id: 2 } } }),
    // 6: the row lacks its key column
    record('t', { id: 3 }, envelope('t', 'c', 11, { name: 'no id' })),
    // 7: the row names another key than the record's
    record('t', { id: 4 }, envelope('t', 'c', 12, { id: 5, name: 'wrong key' })),
    // 8: a null key
    record('t', { id: null }, envelope('t', 'c', 13, { id: null, name: 'null key' })),
    record('t', { id: 6 }, envelope('t', 'c', 14, { id: 6, name: 'good too' })),
  ]);
  expect(summary).toMatchObject({ applied: 2, quarantined: 5 });
  const silver = await rows(p, 't');
  expect(ids(silver)).toEqual(['1', '6']);
  // No junk columns from the refused values.
  expect(Object.keys(silver[0]!).filter((c) => !c.startsWith('__'))).toEqual(['id', 'name']);
  const reasons = await deadLetters(p);
  expect(reasons).toHaveLength(5);
  expect(reasons.filter((r) => r.includes("no key column 'id'"))).toHaveLength(3);
  expect(reasons.some((r) => r.includes("key column 'id' is 5 but the record's key says 4"))).toBe(true);
  expect(reasons.some((r) => r.includes("key column 'id' is null"))).toBe(true);
  p.close();
});

test('with schemas, a row without its key column is refused and the table keeps its key column', async () => {
  const p = await open();
  const schema = (fields: { field: string; type: string; optional: boolean }[]) => ({
    type: 'struct',
    fields: [
      { field: 'before', type: 'struct', optional: true, fields },
      { field: 'after', type: 'struct', optional: true, fields },
      { field: 'source', type: 'struct', optional: false, fields: [] },
      { field: 'op', type: 'string', optional: false },
    ],
  });
  const keySchema = { type: 'struct', fields: [{ field: 'id', type: 'int32', optional: false }] };
  const withId = schema([
    { field: 'id', type: 'int32', optional: false },
    { field: 'name', type: 'string', optional: true },
  ]);
  const withoutId = schema([{ field: 'name', type: 'string', optional: true }]);
  await p.process([
    record('s', { schema: keySchema, payload: { id: 1 } }, { schema: withId, payload: envelope('s', 'c', 1, { id: 1, name: 'a' }) }),
    record('s', { schema: keySchema, payload: { id: 3 } }, { schema: withoutId, payload: envelope('s', 'c', 2, { name: 'b' }) }),
    record('s', { schema: keySchema, payload: { id: null } }, { schema: withId, payload: envelope('s', 'c', 3, { id: null, name: 'c' }) }),
  ]);
  const silver = await rows(p, 's');
  expect(ids(silver)).toEqual(['1']);
  expect(Object.keys(silver[0]!)).toContain('id');
  expect(await deadLetters(p)).toHaveLength(2);
  p.close();
});

test('3: an integer past int64 widens a schemaless column to decimal(38,0); under an int64 schema it is a dead letter', async () => {
  const p = await open();
  const huge = '123456789012345678901234567890';
  await p.process([
    record('n', { id: 1 }, `{"op":"c","before":null,"after":{"id":1,"v":7},"source":${JSON.stringify(SRC('n', 1))},"ts_ms":1}`),
    record('n', { id: 2 }, `{"op":"c","before":null,"after":{"id":2,"v":${huge}},"source":${JSON.stringify(SRC('n', 2))},"ts_ms":1}`),
    // Past decimal(38,0): a dead letter, not a halt.
    record('n', { id: 3 }, `{"op":"c","before":null,"after":{"id":3,"v":1${huge}${huge}},"source":${JSON.stringify(SRC('n', 3))},"ts_ms":1}`),
  ]);
  const byId = new Map((await rows(p, 'n')).map((r) => [String(r.id), r.v]));
  expect(byId).toEqual(
    new Map([
      ['1', '7'],
      ['2', huge],
    ]),
  );
  const snap = await Snapshot.open(new LocalStorage(join(p.dataDir, 'silver', 'n')));
  expect(snap.schema.fields.find((f) => f.name === 'v')!.type).toBe('decimal(38,0)');
  const int64 = {
    type: 'struct',
    fields: [
      { field: 'before', type: 'struct', optional: true, fields: [{ field: 'id', type: 'int64', optional: false }] },
      { field: 'after', type: 'struct', optional: true, fields: [{ field: 'id', type: 'int64', optional: false }] },
      { field: 'source', type: 'struct', optional: false, fields: [] },
      { field: 'op', type: 'string', optional: false },
    ],
  };
  await p.process([
    record(
      'm',
      { id: 1 },
      `{"schema":${JSON.stringify(int64)},"payload":{"op":"c","before":null,"after":{"id":${huge}},"source":${JSON.stringify(SRC('m', 1))}}}`,
    ),
  ]);
  const reasons = await deadLetters(p);
  expect(reasons.some((r) => r.includes('wider than decimal(38,0)'))).toBe(true);
  expect(reasons.some((r) => r.includes('outside the int64 range'))).toBe(true);
  // The pipeline goes on: an empty batch and a reopen are fine.
  await p.process([]);
  p.close();
  (await Pipeline.open({ dataDir: p.dataDir, log: silentLogger })).close();
});

test('2: source tables named like internal state tables are ordinary tables', async () => {
  const p = await open();
  const names = ['pipeline_state', 'pipeline_meta', 'change_batches', 'change_ledger', 'gold_state'];
  await p.process(names.map((t, i) => record(t, { id: i }, envelope(t, 'c', 100 + i, { id: i, name: t }))));
  for (const [i, t] of names.entries()) expect(ids(await rows(p, t))).toEqual([String(i)]);
  expect(await deadLetters(p)).toEqual([]);
  p.close();
  const again = await Pipeline.open({ dataDir: p.dataDir, log: silentLogger });
  await again.process([record('pipeline_state', { id: 9 }, envelope('pipeline_state', 'c', 200, { id: 9, name: 'x' }))]);
  expect(ids(again.silver.get('pipeline_state')!.rows(10, 0))).toEqual(['0', '9']);
  again.close();
});

test('10: source columns named like metadata are kept under an escaped name, never overwritten', async () => {
  const p = await open();
  const row = (id: number, op: string) => ({ __id: id, __op: op, __source_db: 'mine', __key: 'k', __deleted: 'no', ___x: 1, name: 'n' });
  await p.process([
    record('m', { __id: 1 }, envelope('m', 'c', 1, row(1, 'source op'))),
    record('m', { __id: 2 }, envelope('m', 'c', 2, row(2, 'other'))),
    record('m', { __id: 2 }, envelope('m', 'd', 3, null, row(2, 'other'))),
  ]);
  const silver = await rows(p, 'm');
  expect(silver).toHaveLength(1);
  const r = silver[0]!;
  expect([r.___id, r.___op, r.___source_db, r.___key, r.___deleted, r.____x, r.name]).toEqual(['1', 'source op', 'mine', 'k', 'no', '1', 'n']);
  expect([r.__op, r.__source_db]).toEqual(['c', 'db']);
  expect(
    p.silver
      .get('m')!
      .rows(10, 0)
      .map((x) => x.___op),
  ).toEqual(['source op']);
  expect(await deadLetters(p)).toEqual([]);
  p.close();
});

test('1: columns that differ only by case are a dead letter naming both, in one record or across runs; the table goes on', async () => {
  const p = await open();
  await p.process([
    record('c', { id: 1 }, envelope('c', 'c', 1, { id: 1, name: 'a' })),
    record('c', { id: 2 }, envelope('c', 'c', 2, { id: 2, name: 'a', Name: 'b' })),
    record('c', { id: 3 }, envelope('c', 'c', 3, { id: 3, name: 'c' })),
  ]);
  p.close();
  const again = await Pipeline.open({ dataDir: p.dataDir, log: silentLogger });
  await again.process([
    record('c', { id: 4 }, envelope('c', 'c', 4, { id: 4, NAME: 'd' })),
    record('c', { id: 5 }, envelope('c', 'c', 5, { id: 5, name: 'e' })),
  ]);
  expect(ids(await rows(again, 'c'))).toEqual(['1', '3', '5']);
  const reasons = await deadLetters(again);
  expect(reasons).toEqual([
    "column 'NAME' of silver table c differs only by case from column 'name' (Delta column names are case-insensitive)",
    "column 'Name' of silver table c differs only by case from column 'name' (Delta column names are case-insensitive)",
  ]);
  // An empty run afterwards is fine: nothing replays into a failure.
  await again.process([]);
  again.close();
  (await Pipeline.open({ dataDir: p.dataDir, log: silentLogger })).close();
});

test("2: every internal SQLite name is free for source tables, silver's own included", async () => {
  const p = await open();
  const names = ['silver_state', 'history_state', 'silver_topics', 'silver_key_format', 'silver__voters', 'lh'];
  await p.process(names.map((t, i) => record(t, { id: i }, envelope(t, 'c', 300 + i, { id: i, name: t }))));
  for (const [i, t] of names.entries()) expect(ids(p.silver.get(t)!.rows(10, 0))).toEqual([String(i)]);
  expect(await deadLetters(p)).toEqual([]);
  p.close();
});

test('9: tables whose names differ only by case never share state: the later one is refused with the rule', async () => {
  const p = await open();
  await p.process([
    record('users', { id: 1 }, envelope('users', 'c', 1, { id: 1, name: 'lower' })),
    record('Users', { id: 1 }, envelope('Users', 'c', 2, { id: 1, name: 'upper' })),
  ]);
  await p.process([
    record('users', { id: 1 }, envelope('users', 'u', 3, { id: 1, name: 'lower 2' })),
    record('USERS', { id: 2 }, envelope('USERS', 'c', 4, { id: 2, name: 'x' })),
  ]);
  expect(
    p.silver
      .get('users')!
      .rows(10, 0)
      .map((r) => `${r.id}:${r.name}`),
  ).toEqual(['1:lower 2']);
  expect(p.silver.get('Users')).toBeUndefined();
  const reasons = await deadLetters(p);
  expect(reasons).toHaveLength(2);
  expect(reasons.every((r) => r.includes("differs only by case from silver table 'users'"))).toBe(true);
  p.close();
});

test('5: a value of the other format on a topic, with no schema saying the connector changed, is a dead letter', async () => {
  const p = await open();
  await p.process([
    record('f', { id: 1 }, envelope('f', 'c', 1, { id: 1, name: 'envelope' })),
    // A flattened-looking row that even holds its key: on a topic of envelopes, a stray value.
    record('f', { id: 1 }, { id: 1, name: 'stray', junk: true }),
    record('f', { id: 2 }, envelope('f', 'c', 2, { id: 2, name: 'envelope' })),
  ]);
  const silver = await rows(p, 'f');
  expect(silver.map((r) => `${r.id}:${r.name}`).sort()).toEqual(['1:envelope', '2:envelope']);
  expect(Object.keys(silver[0]!)).not.toContain('junk');
  expect(await deadLetters(p)).toEqual([
    'a value of flattened rows (ExtractNewRecordState) on topic srv.public.f, whose records are Debezium envelopes, without a schema that says the format changed',
  ]);
  p.close();
});
