import { votersBookGold } from '../../../src/gold/index.ts';
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../../../src/api/index.ts';
import { startServer } from '../../../src/api/server.ts';
import { QueryEngine } from '../../../src/api/sql-engine.ts';
import { silentLogger } from '../../../src/core/log.ts';
import { Pipeline, PipelineView, type RunStatus } from '../../../src/pipeline/index.ts';
import { VoterStream, voter } from '../../support/voters-records.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'lh-query-'));
let pipeline: Pipeline;
let engine: QueryEngine;
const status: RunStatus = { status: 'ok', source: { kind: 'file' }, startedAt: Date.now(), lag: () => 0 };
const stream = new VoterStream();

beforeAll(async () => {
  pipeline = await Pipeline.open({ gold: votersBookGold, dataDir, log: silentLogger });
  await pipeline.process([
    stream.change('c', 1, null, voter(1, 'Avalon')),
    stream.change('c', 2, null, voter(2, 'Brightwater')),
    stream.change('c', 3, null, voter(3, 'Avalon')),
  ]);
  await pipeline.process([stream.change('u', 4, voter(1, 'Avalon'), voter(1, 'Cedar Falls'))]);
  engine = new QueryEngine(dataDir, 2);
});
afterAll(() => {
  engine.close();
  pipeline.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const endless = 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c';

/** CPU time used so far (ms) by this process (every thread) and the processes it started, from /proc. */
function cpuMsOfProcessTree(): number {
  const ticksMs = 10; // USER_HZ is 100 on Linux
  const self = process.cpuUsage();
  let ms = (self.user + self.system) / 1000;
  const children = (pid: number) =>
    readdirSync(`/proc/${pid}/task`).flatMap((tid) => {
      try {
        return readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').split(' ').filter(Boolean).map(Number);
      } catch {
        return [];
      }
    });
  const pending = children(process.pid);
  while (pending.length > 0) {
    const pid = pending.pop()!;
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      ms += (Number(fields[11]) + Number(fields[12])) * ticksMs; // utime, stime
      pending.push(...children(pid));
    } catch {
      // ended in between
    }
  }
  return ms;
}

const app = () => createApp(new PipelineView(pipeline, status), { queryEngine: engine });
const query = (sql: string, params = '', headers: Record<string, string> = {}) =>
  app().request(`/api/query${params}`, { method: 'POST', body: sql, headers: { 'content-type': 'text/plain', ...headers } });
const json = async (res: Response) =>
  (await res.json()) as { columns: string[]; rows: Record<string, unknown>[]; rowCount: number; truncated: boolean; error?: { code: string; message: string } };

test('GROUP BY, joins and window functions over silver and gold tables', async () => {
  const grouped = await query('SELECT city, count(*) AS n FROM voters GROUP BY city ORDER BY city');
  expect(grouped.status).toBe(200);
  expect(await json(grouped)).toEqual({
    columns: ['city', 'n'],
    rows: [
      { city: 'Avalon', n: 1 },
      { city: 'Brightwater', n: 1 },
      { city: 'Cedar Falls', n: 1 },
    ],
    rowCount: 3,
    truncated: false,
  });
  const joined = await json(await query('SELECT v.id, g.voters FROM voters v JOIN voters_per_city g ON g.city = v.city ORDER BY v.id'));
  // voters_per_city.voters is a Delta long: text, as in every answer (a computed count is a number).
  expect(joined.rows).toEqual([
    { id: 1, voters: '1' },
    { id: 2, voters: '1' },
    { id: 3, voters: '1' },
  ]);
  const ranked = await json(await query('SELECT id, row_number() OVER (ORDER BY id DESC) AS r FROM voters ORDER BY id'));
  expect(ranked.rows.map((r) => r.r)).toEqual([3, 2, 1]);
});

test('one value encoding: a row reads the same from /rows, /api/query, time travel and lakehouse cat --format ndjson', async () => {
  const viaRows = ((await (await app().request('/api/tables/voters/rows?limit=1')).json()) as { rows: Record<string, unknown>[] }).rows[0]!;
  const id = viaRows.id;
  const viaQuery = (await json(await query(`SELECT * FROM voters WHERE id = ${id}`))).rows[0]!;
  const viaTimeTravel = (await json(await query(`SELECT * FROM voters@v2 WHERE id = ${id}`))).rows[0]!;
  const cat = Bun.spawnSync([process.execPath, join(import.meta.dir, '../../../src/cli/main.ts'), 'cat', 'voters', '--data', dataDir, '--format', 'ndjson']);
  const viaCat = cat.stdout
    .toString()
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .find((r) => r.id === id)!;
  expect(typeof viaRows.__source_ts_ms).toBe('string'); // int64, as the canonical encoding spells it
  for (const other of [viaQuery, viaTimeTravel, viaCat]) {
    for (const [column, value] of Object.entries(viaRows)) expect([column, other[column]]).toEqual([column, value]);
  }
});

test('NDJSON and CSV by ?format= or Accept', async () => {
  const nd = await query('SELECT id, city FROM voters ORDER BY id', '', { accept: 'application/x-ndjson' });
  expect(nd.headers.get('content-type')).toBe('application/x-ndjson');
  expect(
    (await nd.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l)),
  ).toEqual([
    { id: 1, city: 'Cedar Falls' },
    { id: 2, city: 'Brightwater' },
    { id: 3, city: 'Avalon' },
  ]);
  const csv = await query(`SELECT id, 'a,"b"' AS odd FROM voters WHERE id = 1`, '?format=csv');
  expect(await csv.text()).toBe('id,odd\n1,"a,""b"""\n');
});

test('time travel: name@vN reads the Delta version, materialised on demand', async () => {
  const then = await json(await query('SELECT id, city FROM voters@v1 ORDER BY id'));
  expect(then.rows.map((r) => r.city)).toEqual(['Avalon', 'Brightwater', 'Avalon']);
  const diff = await json(await query(`SELECT n.id, o.city AS was, n.city AS now FROM voters n JOIN "voters"@v1 o ON o.id = n.id WHERE o.city <> n.city`));
  expect(diff.rows).toEqual([{ id: 1, was: 'Avalon', now: 'Cedar Falls' }]);
  const missing = await query('SELECT * FROM voters@v99');
  expect(missing.status).toBe(404);
  expect((await json(missing)).error!.code).toBe('not_found');
  expect((await query('SELECT * FROM nope@v1')).status).toBe(404);
});

test('time travel names only tables of the data folder: a path, relative or absolute, is not found', async () => {
  const other = mkdtempSync(join(tmpdir(), 'lh-elsewhere-'));
  try {
    const elsewhere = await Pipeline.open({ dataDir: other, log: silentLogger });
    await elsewhere.process([new VoterStream('x', 'x').change('c', 1, null, voter(9, 'Secret'))]);
    elsewhere.close();
    const rel = join('..', '..', other.split('/').pop()!, 'silver', 'voters');
    for (const ref of [rel, join(other, 'silver', 'voters')]) {
      const res = await query(`SELECT id FROM "${ref}"@v1`);
      expect(res.status).toBe(404);
      expect((await json(res)).error?.message).toContain(`no table named '${ref}'`);
    }
  } finally {
    rmSync(other, { recursive: true, force: true });
  }
});

test('anything that writes, attaches, loads or changes settings is a 400', async () => {
  for (const sql of [
    'DELETE FROM voters',
    'WITH x AS (SELECT 1) DELETE FROM voters',
    'SELECT 1; DROP TABLE silver__voters',
    "ATTACH DATABASE '/tmp/x.db' AS x",
    'PRAGMA journal_mode = DELETE',
    "SELECT load_extension('x')",
    'CREATE TEMP TABLE t (a)',
    'BEGIN',
  ]) {
    const res = await query(sql);
    expect({ sql, status: res.status }).toEqual({ sql, status: 400 });
    expect((await json(res)).error!.code).toBe('invalid_input');
  }
  // Words inside strings and names are data, not statements.
  const ok = await json(await query(`SELECT 'DROP TABLE voters; DELETE' AS s, replace('ab', 'a', 'c') AS r, CASE WHEN 1 THEN 2 END AS c`));
  expect(ok.rows).toEqual([{ s: 'DROP TABLE voters; DELETE', r: 'cb', c: 2 }]);
  expect((await query('SELECT * FROM voters')).status).toBe(200);
});

test("a query SQLite refuses while running is a 4xx with SQLite's reason, never an internal error", async () => {
  const cases: [string, number, string][] = [
    [`SELECT "load_extension"('x')`, 400, 'load_extension'],
    [`SELECT json_extract('{', '$')`, 400, 'malformed JSON'],
    ['SELECT abs(-9223372036854775808)', 400, 'integer overflow'],
    ['SELECT zeroblob(2000000000)', 422, 'string or blob too big'],
  ];
  for (const [sql, status, reason] of cases) {
    const res = await query(sql);
    const error = (await json(res)).error!;
    expect([sql, res.status, error.message]).toEqual([sql, status, expect.stringContaining(reason)]);
  }
});

test('a result is capped in bytes as well as rows, with an error that names the cap and how to narrow the query', async () => {
  for (const sql of [
    'SELECT zeroblob(100000000) AS b',
    'WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100) SELECT i, zeroblob(1000000) FROM n',
  ]) {
    const res = await query(sql);
    expect(res.status).toBe(422);
    const error = (await json(res)).error as { code: string; message: string; hint: string };
    expect(error.code).toBe('limit');
    expect(error.message).toContain('larger than 64 MB');
    expect(error.hint).toContain('WHERE, LIMIT');
  }
  // Past the first chunk the answer has started: the stream ends with the error.
  const late = await query(
    'WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000) SELECT i, CASE WHEN i > 1000 THEN zeroblob(1000000) END AS b FROM n',
    '?format=ndjson',
  );
  expect(late.status).toBe(200);
  const lines = (await late.text()).trim().split('\n');
  expect(JSON.parse(lines.at(-1)!)).toMatchObject({ error: { code: 'limit' } });
  expect(lines.length).toBeLessThan(1100);
});

test('bad SQL is a 400 that gives the position', async () => {
  const res = await query('SELECT id FROM voters WHERE');
  expect(res.status).toBe(400);
  expect((await json(res)).error!.message).toBe('bad SQL at position 28: incomplete input');
  const unknownColumn = await json(await query('SELECT nope FROM voters'));
  expect(unknownColumn.error!.message).toContain('no such column: nope');
  const positioned = await json(await query('SELECT id FROM voters@v1 WHERE id = = 1'));
  expect(positioned.error!.message).toMatch(/at position 37:/); // the second "="
});

test('a result over the row limit is cut and flagged', async () => {
  const cut = await query('WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000) SELECT i FROM n', '?limit=1200');
  expect(cut.headers.get('x-row-limit')).toBe('1200');
  const body = await json(cut);
  expect(body.rowCount).toBe(1200);
  expect(body.rows.length).toBe(1200);
  expect(body.truncated).toBe(true);
  const exact = await json(await query('WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1200) SELECT i FROM n', '?limit=1200'));
  expect(exact.truncated).toBe(false);
});

test('a query past its timeout is stopped with 408, and the next query runs', async () => {
  const started = performance.now();
  const slow = await query(`${endless}`, '?timeout_ms=200');
  expect(slow.status).toBe(408);
  expect((await json(slow)).error!.code).toBe('timeout');
  expect(performance.now() - started).toBeLessThan(2000);
  expect((await json(await query('SELECT count(*) AS n FROM voters'))).rows).toEqual([{ n: 3 }]);
});

test('a timed-out query stops using the CPU: the server process and its workers are idle after the answer', async () => {
  const oneWorker = new QueryEngine(dataDir, 1);
  const server = startServer(new PipelineView(pipeline, status), { host: '127.0.0.1', port: 0, queryEngine: oneWorker });
  try {
    const url = `http://127.0.0.1:${server.port}/api/query`;
    const post = (sql: string, params = '') => fetch(`${url}${params}`, { method: 'POST', body: sql, headers: { 'content-type': 'text/plain' } });
    for (let i = 0; i < 2; i++) expect((await post(endless, '?timeout_ms=300')).status).toBe(408);
    // The next query runs on the (only) worker, so a replacement has started up before the measure.
    expect((await json(await post('SELECT count(*) AS n FROM voters'))).rows).toEqual([{ n: 3 }]);
    const before = cpuMsOfProcessTree();
    await Bun.sleep(1000);
    const used = cpuMsOfProcessTree() - before;
    // A statement still spinning would use most of a core over that second.
    expect(used).toBeLessThan(150);
  } finally {
    server.stop(true);
    oneWorker.close();
  }
});

test('a query worker whose server is killed mid-statement ends too, instead of spinning on', async () => {
  const script = join(dataDir, 'killed-server.ts');
  writeFileSync(
    script,
    `import { QueryEngine } from ${JSON.stringify(join(import.meta.dir, '../../../src/api/sql-engine.ts'))};\n` +
      `await new QueryEngine(process.argv[2], 1).run(${JSON.stringify(endless)}, { format: 'json', limit: 10, timeoutMs: 100000 });\n`,
  );
  const server = Bun.spawn([process.execPath, script, dataDir], { stdout: 'ignore', stderr: 'ignore' });
  const stat = (pid: number) => readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  let worker: number | undefined;
  // Wait until its worker spins in the statement (it has used CPU time beyond its start).
  for (let i = 0; i < 200 && worker === undefined; i++) {
    await Bun.sleep(100);
    const child = readdirSync(`/proc/${server.pid}/task`)
      .flatMap((tid) => readFileSync(`/proc/${server.pid}/task/${tid}/children`, 'utf8').split(' ').filter(Boolean).map(Number))
      .find((pid) => Number(stat(pid)[11]) > 50);
    worker = child;
  }
  expect(worker).toBeDefined();
  server.kill('SIGKILL');
  await server.exited;
  const gone = (pid: number) => !existsSync(`/proc/${pid}`) || stat(pid)[0] === 'Z';
  for (let i = 0; i < 50 && !gone(worker!); i++) await Bun.sleep(100);
  expect(gone(worker!)).toBe(true);
});

test('503 while starting, and the OpenAPI document names every endpoint', async () => {
  status.status = 'starting';
  try {
    const res = await query('SELECT 1');
    expect(res.status).toBe(503);
    expect((await json(res)).error!.code).toBe('unavailable');
  } finally {
    status.status = 'ok';
  }
  const doc = (await (await app().request('/api/openapi.json')).json()) as { paths: Record<string, unknown> };
  expect(Object.keys(doc.paths).sort()).toEqual(
    [
      '/health',
      '/metrics',
      '/api/tables',
      '/api/tables/{name}',
      '/api/tables/{name}/history',
      '/api/tables/{name}/rows',
      '/api/query',
      '/api/changes',
      '/api/openapi.json',
    ].sort(),
  );
});

test('a large result streams in chunks as the client reads, and a client that goes away frees its worker', async () => {
  const big = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300000) SELECT i, printf('row %d', i) AS label FROM n";
  const res = await query(big, '?format=ndjson&limit=1000000');
  expect(res.headers.get('x-row-count')).toBeNull(); // not known up front: it did not fit in one chunk
  const reader = res.body!.getReader();
  let chunks = 0;
  let lines = 0;
  for (let r = await reader.read(); !r.done; r = await reader.read()) {
    chunks++;
    for (const byte of r.value) if (byte === 10) lines++;
  }
  expect(lines).toBe(300000);
  expect(chunks).toBeGreaterThan(100);

  for (let i = 0; i < 3; i++) {
    const abandoned = await query(big, '?format=ndjson&limit=1000000');
    const r = abandoned.body!.getReader();
    await r.read();
    await r.cancel();
  }
  // The engine has two workers; both are free again.
  const [a, b] = await Promise.all([query('SELECT 1 AS one'), query('SELECT 2 AS two')]);
  expect((await json(a)).rows).toEqual([{ one: 1 }]);
  expect((await json(b)).rows).toEqual([{ two: 2 }]);
});
