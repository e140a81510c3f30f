/**
 * The compiled ./lakehouse, run as a user runs it: from a folder with no node_modules, serving the
 * embedded default, stopped with Ctrl-C, restarted, read back with `cat`, and replayed with `ingest`.
 */
import { beforeAll, afterAll, expect, test } from 'bun:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { binary, ensureBinary } from '../support/binary.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const work = mkdtempSync(join(tmpdir(), 'lh-e2e-'));

beforeAll(ensureBinary, 120_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

function lakehouse(...args: string[]) {
  const r = Bun.spawnSync([binary, ...args], { cwd: work, env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.exitCode, out: r.stdout.toString(), err: r.stderr.toString() };
}

const freePort = () => {
  const s = Bun.serve({ port: 0, fetch: () => new Response() });
  const port = s.port;
  s.stop(true);
  return port;
};

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    await Bun.sleep(200);
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function serveFor(dataDir: string, ms: number, onUp?: (url: string) => Promise<void>, source = ['--rate', '200']) {
  const port = freePort();
  const url = `http://127.0.0.1:${port}`;
  const proc = Bun.spawn([binary, 'serve', '--data', dataDir, '--port', String(port), ...source], { cwd: work, stdout: 'pipe', stderr: 'pipe' });
  await waitFor('/health', async () => ((await fetch(`${url}/health`)).status === 200 ? true : undefined));
  await onUp?.(url);
  await Bun.sleep(ms);
  proc.kill('SIGINT');
  const code = await proc.exited;
  return { code, out: await new Response(proc.stdout).text(), err: await new Response(proc.stderr).text() };
}

test('--help is fast and lists the commands; bad input is one line and a non-zero exit', () => {
  const help = lakehouse('--help');
  expect(help.code).toBe(0);
  for (const c of ['serve', 'ingest', 'cat', 'fake-it', 'tui']) expect(help.out).toContain(c);
  const badFlag = lakehouse('serve', '--prot', '80');
  expect(badFlag.code).toBe(2);
  expect(badFlag.err).toStartWith("error usage: unknown flag '--prot'");
  expect(badFlag.err).not.toContain('    at ');
  const badPort = lakehouse('serve', '--port', 'eighty');
  expect(badPort.code).toBe(2);
  expect(badPort.err).toContain('--port expects a whole number');
  const missing = lakehouse('cat', 'voters', '--data', join(work, 'nowhere'));
  expect(missing.code).toBe(1);
  expect(missing.err.trim().split('\n')[0]).toStartWith("error not_found: no Delta table 'voters'");
  for (const c of ['serve', 'ingest', 'cat', 'fake-it', 'tui']) expect(lakehouse(c, '--help').code).toBe(0);
});

test('serve fills silver and gold, stops cleanly on Ctrl-C, resumes, and cat and ingest agree', async () => {
  const data = join(work, 'data');
  let apiVoters = 0;
  const first = await serveFor(data, 4_000, async (url) => {
    const tables = await waitFor('silver voters and polls', async () => {
      const t = (await (await fetch(`${url}/api/tables`)).json()) as { tables: { name: string; rows: number }[] };
      const names = new Map(t.tables.map((x) => [x.name, x.rows]));
      return (names.get('voters') ?? 0) > 0 && (names.get('polls') ?? 0) > 0 ? t : undefined;
    });
    expect(tables.tables.map((t) => t.name)).toEqual(expect.arrayContaining(['bronze', 'voters', 'polls', 'poll_results']));
    const health = (await (await fetch(`${url}/health`)).json()) as { status: string };
    expect(health.status).toBe('ok');
    const rows = (await (await fetch(`${url}/api/tables/voters/rows?limit=5`)).json()) as { rows: unknown[] };
    expect(rows.rows.length).toBeGreaterThan(0);
    apiVoters = rows.rows.length;
    // Read commands on the same folder while serve writes: no lock errors, on either side.
    for (let i = 0; i < 5; i++) {
      expect(lakehouse('cat', 'voters', '--data', data, '--format', 'ndjson').err).toBe('');
      expect(lakehouse('describe', 'polls', '--data', data).err).toBe('');
    }
  });
  expect(first.code).toBe(0);
  expect(first.out).toContain('lakehouse is running');
  expect(first.err).toContain('stopped cleanly');
  expect(apiVoters).toBeGreaterThan(0);

  const second = await serveFor(data, 2_000);
  expect(second.code).toBe(0);

  const cat = lakehouse('cat', 'voters', '--data', data, '--format', 'ndjson');
  expect(cat.code).toBe(0);
  const voters = cat.out
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  expect(voters.length).toBeGreaterThan(0);
  const ids = voters.map((v) => `${v.__source_name}/${v.id}`);
  expect(new Set(ids).size).toBe(ids.length); // restarts neither duplicated nor lost keys

  // Bronze holds the raw Kafka records: replaying them into a fresh folder rebuilds the same silver.
  const bronze = lakehouse('cat', 'bronze', '--data', data, '--format', 'ndjson');
  const records = join(work, 'records.ndjson');
  writeFileSync(records, bronze.out);
  const replay = join(work, 'replay');
  const ingest = lakehouse('ingest', '--data', replay, '--timings', records);
  expect(ingest.code).toBe(0);
  expect(ingest.out).toContain('ingest done');
  expect(ingest.out).toMatch(/quarantined\s+0/);
  // --timings: CPU per stage, the reader thread's included, adding up to the process's total.
  expect(ingest.out).toMatch(/^stage CPU \(thread CPU time/m);
  for (const stage of ['bronze-commit', 'silver', 'silver/index', 'reader thread: decode', 'process total'])
    expect(ingest.out).toMatch(new RegExp(`^  ${stage} +\\d+\\.\\d+ s +\\d+\\.\\d µs/record`, 'm'));
  const replayed = lakehouse('cat', 'voters', '--data', replay, '--format', 'ndjson');
  const sorted = (text: string) => text.trim().split('\n').sort();
  expect(sorted(replayed.out)).toEqual(sorted(cat.out));

  // The same recording as serve's source: the API serves the same silver, and the source says it is a file.
  const served = join(work, 'served');
  const fromFile = await serveFor(
    served,
    0,
    async (url) => {
      await waitFor('every voter from the file', async () => {
        const t = (await (await fetch(`${url}/api/tables`)).json()) as { tables: { name: string; rows: number }[] };
        return t.tables.find((x) => x.name === 'voters')?.rows === voters.length ? true : undefined;
      });
      expect(((await (await fetch(`${url}/health`)).json()) as { source: { kind: string } }).source.kind).toBe('file');
    },
    ['--file', records],
  );
  expect(fromFile.code).toBe(0);
  expect(fromFile.out).toContain(`records from ${records}`);
  expect(sorted(lakehouse('cat', 'voters', '--data', served, '--format', 'ndjson').out)).toEqual(sorted(cat.out));

  // The same records without Kafka keys (as from tables without a primary key): --key names the
  // key columns (the reader thread decodes with them), and silver comes out the same.
  const keyless = join(work, 'keyless.ndjson');
  writeFileSync(
    keyless,
    bronze.out
      .trim()
      .split('\n')
      .map((l) => JSON.stringify({ ...JSON.parse(l), key: null }))
      .join('\n') + '\n',
  );
  const keyed = join(work, 'keyed');
  const withKeys = lakehouse('ingest', '--data', keyed, '--key', 'voters=id', '--key', 'polls=poll_id', '--key', 'ballots=voter_id,election_id', keyless);
  expect(withKeys.code).toBe(0);
  for (const table of ['voters', 'polls', 'ballots']) {
    const expected = sorted(lakehouse('cat', table, '--data', replay, '--format', 'ndjson').out);
    expect({ table, rows: sorted(lakehouse('cat', table, '--data', keyed, '--format', 'ndjson').out) }).toEqual({ table, rows: expected });
  }
}, 120_000);
