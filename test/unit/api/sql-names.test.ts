/**
 * Names in SQL (issue 12 repro 11, issue 13 item 6, issue 14 items 5 and 8): every table is reachable
 * qualified (`silver.NAME`, `gold.NAME`, `history.NAME`), bare where unique; a source table named like
 * a gold table hides neither; SQL reads the published tables only, and bronze and dead_letters too.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createApp } from '../../../src/api/index.ts';
import { QueryEngine } from '../../../src/api/sql-engine.ts';
import { silentLogger } from '../../../src/core/log.ts';
import { votersBookGold } from '../../../src/gold/index.ts';
import { Pipeline, PipelineView, type RunStatus } from '../../../src/pipeline/index.ts';
import type { KafkaRecord } from '../../../src/cdc/index.ts';
import { VoterStream, voter } from '../../support/voters-records.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'lh-sql-names-'));
let pipeline: Pipeline;
let engine: QueryEngine;
const status: RunStatus = { status: 'ok', source: { kind: 'file' }, startedAt: Date.now(), lag: () => 0 };
const stream = new VoterStream();

let offset = 0;
/** A schemaless Debezium change of source table `table` (srv.public.TABLE). */
const change = (table: string, lsn: number, after: Record<string, unknown>): KafkaRecord => ({
  topic: `srv.public.${table}`,
  partition: 0,
  offset: String(offset++),
  timestamp: 1_767_600_000_000,
  key: JSON.stringify({ id: after.id }),
  value: JSON.stringify({
    op: 'c',
    before: null,
    after,
    source: { connector: 'postgresql', name: 'srv', db: 'db', schema: 'public', table, lsn, ts_ms: 1_767_600_000_000 + lsn },
    ts_ms: 1,
  }),
});

beforeAll(async () => {
  pipeline = await Pipeline.open({ gold: votersBookGold, dataDir, log: silentLogger, history: ['voters'] });
  await pipeline.process([
    stream.change('c', 1, null, voter(1, 'Avalon')),
    stream.change('c', 2, null, voter(2, 'Brightwater')),
    // A source table named like the demo's gold table, with columns of its own.
    change('poll_results', 3, { id: 1, label: 'source row' }),
    // A source table named like SQLite's own (SQLite reserves the bare name): reachable qualified.
    change('sqlite_sequence', 5, { id: 7, seq: 'mine' }),
    change('polls', 4, { id: 1, poll_id: 1, poll_name: 'Park', voter_id: 1, answer: 'yes', answered_at: 1 }),
    stream.raw('not json at all'),
  ]);
  await pipeline.process([stream.change('u', 4, voter(1, 'Avalon'), voter(1, 'Cedar Falls'))]);
  engine = new QueryEngine(dataDir, 1);
});
afterAll(() => {
  engine.close();
  pipeline.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const app = () => createApp(new PipelineView(pipeline, status), { queryEngine: engine });
const query = (sql: string) => app().request('/api/query', { method: 'POST', body: sql, headers: { 'content-type': 'text/plain' } });
type Answer = { columns: string[]; rows: Record<string, unknown>[]; error?: { code: string; message: string } };
const json = async (res: Response) => (await res.json()) as Answer;
const rows = async (sql: string) => {
  const res = await query(sql);
  const body = await json(res);
  expect({ sql, status: res.status, error: body.error }).toEqual({ sql, status: 200, error: undefined });
  return body.rows;
};
const refusal = async (sql: string) => {
  const res = await query(sql);
  const body = await json(res);
  expect({ sql, status: res.status }).toEqual({ sql, status: 400 });
  return body.error!.message;
};

test('silver.NAME, gold.NAME and history.NAME always work; bare names where unique', async () => {
  expect(await rows('SELECT id, city FROM silver.voters ORDER BY id')).toEqual([
    { id: 1, city: 'Cedar Falls' },
    { id: 2, city: 'Brightwater' },
  ]);
  expect(await rows('SELECT id FROM voters ORDER BY id')).toEqual([{ id: 1 }, { id: 2 }]);
  expect(await rows('SELECT city, voters FROM gold.voters_per_city ORDER BY city')).toEqual(
    await rows('SELECT city, voters FROM voters_per_city ORDER BY city'),
  );
  expect(await rows('SELECT count(*) AS n FROM history.voters')).toEqual([{ n: 3 }]);
  expect(await rows('SELECT count(*) AS n FROM silver.voters__history')).toEqual([{ n: 3 }]);
  // Qualified with a quoted part, in column references, case-insensitively, and with time travel.
  expect(await rows('SELECT silver.voters.id FROM silver."voters" WHERE id = 2')).toEqual([{ id: 2 }]);
  expect(await rows('SELECT id, city FROM SILVER.Voters@v1 ORDER BY id')).toEqual([
    { id: 1, city: 'Avalon' },
    { id: 2, city: 'Brightwater' },
  ]);
  // A table alias named like a layer still works for its columns.
  expect(await rows('SELECT gold.id FROM voters AS gold WHERE gold.id = 1')).toEqual([{ id: 1 }]);
});

test('a source table named like a gold table hides neither: both qualified, the bare name is ambiguous', async () => {
  expect(await rows('SELECT id, label FROM silver.poll_results')).toEqual([{ id: '1', label: 'source row' }]);
  const gold = await query('SELECT * FROM gold.poll_results');
  expect(gold.status).toBe(200);
  expect((await json(gold)).rows).toEqual([{ poll_name: 'Park', answer: 'yes', votes: '1' }]);
  expect(await refusal('SELECT * FROM poll_results')).toBe('ambiguous: use silver.poll_results or gold.poll_results');
  expect(await refusal('SELECT * FROM poll_results@v1')).toBe('ambiguous: use silver.poll_results or gold.poll_results');
  const { tables } = (await (await app().request('/api/tables')).json()) as { tables: { name: string; layer: string; sqlName: string }[] };
  const names = tables.map((t) => t.sqlName);
  expect(names).toEqual(
    expect.arrayContaining(['bronze', 'dead_letters', 'silver.voters', 'silver.poll_results', 'gold.poll_results', 'gold.voters_per_city']),
  );
  // A qualified name no layer has is a 404 that says where the names are.
  const unknown = await query('SELECT * FROM gold.ballots_per_precinct');
  expect(unknown.status).toBe(404);
  expect((await json(unknown)).error!.message).toBe('no such table: gold.ballots_per_precinct');
  // Every listed table is queryable by the name listed (but gold waiting for its sources: ballots).
  for (const t of tables.filter((t) => t.name !== 'ballots_per_precinct'))
    expect({ t: t.sqlName, status: (await query(`SELECT count(*) FROM ${t.sqlName}`)).status }).toEqual({ t: t.sqlName, status: 200 });
});

test("SQL reads only published tables: not SQLite's catalog, internal tables or pragma functions", async () => {
  for (const [sql, rule] of [
    ['SELECT * FROM sqlite_master', "'sqlite_master' at position 15 is not queryable: SQLite's catalog"],
    ['SELECT * FROM main.sqlite_schema', "'sqlite_schema' at position 20 is not queryable: SQLite's catalog"],
    ["SELECT * FROM 'sqlite_master'", "'sqlite_master' at position 15 is not queryable"],
    ['SELECT * FROM dbstat', "'dbstat' at position 15 is not queryable"],
    ['SELECT * FROM pragma_database_list', "'pragma_database_list' at position 15 is not queryable: pragma functions are not allowed"],
    ["SELECT name FROM pragma_table_info('voters')", "'pragma_table_info' at position 18 is not queryable: pragma functions"],
    ['SELECT * FROM "lh:pipeline_meta"', "'lh:pipeline_meta' at position 15 is not queryable: lakehouse's internal tables are not published"],
    ['SELECT * FROM [lh:silver:voters]', "'lh:silver:voters' at position 15 is not queryable: lakehouse's internal tables"],
    ["SELECT * FROM 'lh:change_ledger'", "'lh:change_ledger' at position 15 is not queryable: lakehouse's internal tables"],
    [`SELECT "load_extension"('x')`, 'only read-only queries are allowed: the function load_extension() at position 8'],
  ] as const) {
    expect(await refusal(sql)).toStartWith(rule);
  }
  // A source table named like SQLite's catalog is the source's, qualified.
  expect(await rows('SELECT id, seq FROM silver.sqlite_sequence')).toEqual([{ id: '7', seq: 'mine' }]);
  // Strings that merely look like names are data.
  expect(await rows(`SELECT 'lh:anything' AS a, 'pragma' AS b, sqlite_version() IS NOT NULL AS v`)).toEqual([{ a: 'lh:anything', b: 'pragma', v: 1 }]);
});

test('bronze and dead_letters are queryable at their latest version', async () => {
  expect(await rows('SELECT count(*) AS n FROM bronze')).toEqual([{ n: 7 }]);
  const dead = await rows('SELECT value, reason FROM dead_letters');
  expect(dead).toHaveLength(1);
  expect(dead[0]!.value).toBe('not json at all');
  expect(String(dead[0]!.reason)).toContain('JSON');
  // A new bronze version is read by the next query.
  await pipeline.process([stream.change('c', 5, null, voter(3, 'Dunmore'))]);
  expect(await rows('SELECT count(*) AS n FROM bronze')).toEqual([{ n: 8 }]);
  expect(await rows('SELECT count(*) AS n FROM bronze@v1')).toEqual([{ n: 6 }]);
  expect(await rows(`SELECT b.topic, count(*) AS n FROM bronze b JOIN dead_letters d USING (topic) GROUP BY b.topic`)).toEqual([{ topic: stream.topic, n: 5 }]);
});

test('offline `lakehouse query` takes the same names and refusals', async () => {
  const main = resolve(import.meta.dir, '../../../src/cli/main.ts');
  const lakehouse = async (sql: string) => {
    const p = Bun.spawn([process.execPath, main, 'query', '--data', dataDir, '--format', 'csv', sql], { stdout: 'pipe', stderr: 'pipe' });
    const [stdout, stderr, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
    return { stdout, stderr, code };
  };
  expect(await lakehouse('SELECT label FROM silver.poll_results')).toEqual({ stdout: 'label\nsource row\n', stderr: '', code: 0 });
  expect((await lakehouse('SELECT votes FROM gold.poll_results')).stdout).toBe('votes\n1\n');
  expect((await lakehouse('SELECT count(*) AS n FROM dead_letters')).stdout).toBe('n\n1\n');
  const refused = await lakehouse('SELECT * FROM sqlite_master');
  expect(refused.code).not.toBe(0);
  expect(refused.stderr).toContain("'sqlite_master' at position 15 is not queryable");
});
