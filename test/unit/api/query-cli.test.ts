import { votersBookGold } from '../../../src/gold/index.ts';
/** `lakehouse query` runs the API's SQL against a data folder or a server (the CLI is a thin client). */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startServer } from '../../../src/api/index.ts';
import { silentLogger } from '../../../src/core/log.ts';
import { Pipeline, PipelineView } from '../../../src/pipeline/index.ts';
import { VoterStream, voter } from '../../support/voters-records.ts';

const main = resolve(import.meta.dir, '../../../src/cli/main.ts');
const dataDir = mkdtempSync(join(tmpdir(), 'lh-query-cli-'));
let pipeline: Pipeline;

beforeAll(async () => {
  pipeline = await Pipeline.open({ gold: votersBookGold, dataDir, log: silentLogger });
  const s = new VoterStream();
  await pipeline.process([
    s.change('c', 1, null, voter(1, 'Avalon')),
    s.change('c', 2, null, voter(2, 'Avalon')),
    s.change('c', 3, null, voter(3, 'Brightwater')),
  ]);
});
afterAll(() => {
  pipeline.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function lakehouse(...args: string[]) {
  const p = Bun.spawn([process.execPath, main, 'query', ...args], { stdout: 'pipe', stderr: 'pipe' });
  const [stdout, stderr, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { stdout, stderr, code };
}

test('against a data folder: a table by default, NDJSON and CSV on request, time travel', async () => {
  const table = await lakehouse('--data', dataDir, 'SELECT city, voters FROM voters_per_city ORDER BY city');
  expect(table).toEqual({ stdout: 'city         voters\n-----------  ------\nAvalon       2\nBrightwater  1\n(2 rows)\n', stderr: '', code: 0 });
  const ndjson = await lakehouse('--data', dataDir, '--format', 'ndjson', 'SELECT id FROM voters@v1 ORDER BY id');
  expect(ndjson.stdout).toBe('{"id":1}\n{"id":2}\n{"id":3}\n');
  const csv = await lakehouse('--data', dataDir, '--format', 'csv', 'SELECT count(*) AS n FROM voters');
  expect(csv.stdout).toBe('n\n3\n');
});

test('against a server, and one-line errors with a non-zero exit', async () => {
  const server = startServer(new PipelineView(pipeline, { status: 'ok', source: { kind: 'file' }, startedAt: Date.now(), lag: () => 0 }), {
    host: '127.0.0.1',
    port: 0,
  });
  try {
    const remote = await lakehouse('--url', `http://127.0.0.1:${server.port}`, '--format', 'ndjson', 'SELECT city FROM voters WHERE id = 3');
    expect(remote.stdout).toBe('{"city":"Brightwater"}\n');
    const refused = await lakehouse('--url', `http://127.0.0.1:${server.port}`, 'DROP TABLE voters');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toStartWith('error invalid_input: only read-only queries are allowed');
  } finally {
    server.stop(true);
  }
  const missing = await lakehouse('--data', join(dataDir, 'nowhere'), 'SELECT 1');
  expect(missing.code).toBe(1);
  expect(missing.stderr).toContain('no SQLite serving copy (lakehouse.db)');
  expect(missing.stderr).toContain("hint: run 'lakehouse serve --data");
  const both = await lakehouse('--data', dataDir, '--url', 'http://127.0.0.1:1', 'SELECT 1');
  expect(both.code).toBe(2);
});

test('offline errors give hints a command-line user can follow: no HTTP endpoints', async () => {
  for (const sql of ['SELEC 1', 'SELECT * FROM nope', 'SELECT id FROM nope@v1', 'DROP TABLE voters']) {
    const failed = await lakehouse('--data', dataDir, sql);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('hint: ');
    expect([sql, failed.stderr]).not.toEqual([sql, expect.stringMatching(/GET |POST |\/api\//)]);
  }
  const unknown = await lakehouse('--data', dataDir, 'SELECT id FROM nope@v1');
  expect(unknown.stderr).toContain('tables: ');
  expect(unknown.stderr).toContain('voters');
});
