import { votersBookGold } from '../../../src/gold/index.ts';
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServerThread, type ServerThread } from '../../../src/api/index.ts';
import { silentLogger } from '../../../src/core/log.ts';
import { Pipeline, PipelineView } from '../../../src/pipeline/index.ts';
import { VoterStream, voter } from '../../support/voters-records.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'lh-thread-'));
let pipeline: Pipeline;
let server: ServerThread;
let base: string;
const stream = new VoterStream();

beforeAll(async () => {
  pipeline = await Pipeline.open({ gold: votersBookGold, dataDir, log: silentLogger });
  await pipeline.process([stream.change('c', 1, null, voter(1, 'Avalon')), stream.change('c', 2, null, voter(2, 'Brightwater'))]);
  const view = new PipelineView(pipeline, { status: 'ok', source: { kind: 'file' }, startedAt: Date.now(), lag: () => 0 });
  server = await startServerThread(view, { host: '127.0.0.1', port: 0, heartbeatMs: 50 });
  base = `http://127.0.0.1:${server.port}`;
});
afterAll(async () => {
  await server.stop();
  pipeline.close();
  rmSync(dataDir, { recursive: true, force: true });
});

test('every endpoint answers from the server thread: pushed health, main-thread tables and rows, local SQL', async () => {
  expect(await (await fetch(`${base}/health`)).json()).toMatchObject({ status: 'ok', versions: { silver: { voters: expect.any(Number) } } });
  expect(await (await fetch(`${base}/metrics`)).text()).toContain('lakehouse_records_in_total');
  const tables = (await (await fetch(`${base}/api/tables`)).json()) as { tables: { name: string }[] };
  expect(tables.tables.map((t) => t.name)).toContain('voters_per_city');
  const rows = (await (await fetch(`${base}/api/tables/voters_per_city/rows`)).json()) as { rows: unknown[] };
  expect(rows.rows).toEqual([
    { city: 'Avalon', voters: '1' },
    { city: 'Brightwater', voters: '1' },
  ]);
  const missing = await fetch(`${base}/api/tables/nope`);
  expect(missing.status).toBe(404);
  expect(await missing.json()).toMatchObject({ error: { code: 'not_found' } });
  const sql = await fetch(`${base}/api/query`, { method: 'POST', body: 'SELECT count(*) AS n FROM voters' });
  expect(await sql.json()).toMatchObject({ rows: [{ n: 2 }] });
});

test('live changes reach a change stream served by the thread', async () => {
  const res = await fetch(`${base}/api/changes?table=voters`);
  const reader = res.body!.getReader();
  await Bun.sleep(50);
  await pipeline.process([stream.change('u', 3, voter(1, 'Avalon'), voter(1, 'Cedar Falls'))]);
  let text = '';
  while (!text.includes('Cedar Falls')) text += new TextDecoder().decode((await reader.read()).value);
  await reader.cancel();
  expect(text).toContain('event: change');
});

test('SQL is answered while the main thread is busy', async () => {
  const curl = Bun.spawn([
    'curl',
    '-s',
    '-o',
    '/dev/null',
    '-w',
    '%{http_code} %{time_total}',
    '--data-binary',
    'SELECT count(*) FROM voters_per_city',
    `${base}/api/query`,
  ]);
  const until = performance.now() + 1500;
  while (performance.now() < until); // what a long synchronous stretch of a batch does to this thread
  const [status, seconds] = (await new Response(curl.stdout).text()).split(' ');
  expect(status).toBe('200');
  expect(Number(seconds)).toBeLessThan(1);
});
