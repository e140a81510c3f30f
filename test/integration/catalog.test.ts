/**
 * `lakehouse serve --catalog URL` against a real Iceberg REST catalog (Apache Iceberg's, from Maven
 * Central, test/setup/iceberg-rest.sh) on loopback: silver and gold tables appear in the catalog and
 * follow new Delta versions, and pyiceberg, finding them by name through the catalog, reads exactly
 * the rows `lakehouse cat` prints for the Delta version the entry names. A merge-on-read table
 * (deletion vectors, which Iceberg v2 cannot describe) stays out.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Subprocess } from 'bun';
import { installPythonDeps } from './moto-server.ts';

const root = resolve(import.meta.dir, '../..');
const main = join(root, 'src/cli/main.ts');
const work = mkdtempSync(join(tmpdir(), 'lh-catalog-'));
const data = join(work, 'data');
let catalogServer: Subprocess | undefined;
let serve: Subprocess | undefined;
let uri = '';

async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const srv = createServer();
    srv.once('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => done(port));
    });
  });
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 240_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(1000);
  }
}

interface CatalogAnswer {
  tables: string[];
  [name: string]: unknown;
}
function readCatalog(...tables: string[]): CatalogAnswer {
  const proc = Bun.spawnSync(['python3', join(import.meta.dir, 'read_catalog.py'), uri, ...tables], { stdout: 'pipe', stderr: 'pipe' });
  if (proc.exitCode !== 0) throw new Error(`read_catalog.py failed: ${proc.stderr.toString().slice(-2000)}`);
  return JSON.parse(proc.stdout.toString());
}

const canonical = (rows: unknown[]) => rows.map((r) => JSON.stringify(r, Object.keys(r as object).sort())).sort();

beforeAll(async () => {
  installPythonDeps();
  const setup = Bun.spawnSync(['bash', join(root, 'test/setup/iceberg-rest.sh')], { stdout: 'pipe', stderr: 'inherit' });
  if (setup.exitCode !== 0) throw new Error('test/setup/iceberg-rest.sh failed');
  const jars = setup.stdout.toString().trim();
  const port = await freePort();
  uri = `http://127.0.0.1:${port}`;
  const server = Bun.spawn(
    ['java', '-cp', `${jars}/*`, join(root, 'test/setup/iceberg-rest/LoopbackRestCatalog.java'), String(port), join(work, 'warehouse')],
    { stdout: 'pipe', stderr: 'ignore' },
  );
  catalogServer = server;
  const reader = server.stdout.getReader();
  let out = '';
  await waitFor(
    'the catalog server to listen',
    async () => {
      const { value, done } = await reader.read();
      if (done) throw new Error('the catalog server exited before listening');
      out += new TextDecoder().decode(value);
      return out.includes('listening') ? true : undefined;
    },
    120_000,
  );
  reader.releaseLock();
  serve = Bun.spawn(
    [
      process.execPath,
      main,
      'serve',
      '--data',
      data,
      '--port',
      String(await freePort()),
      '--rate',
      '40',
      '--write-mode',
      'voters=copy-on-write',
      '--catalog',
      uri,
    ],
    { cwd: work, stdout: 'ignore', stderr: 'pipe', env: { ...process.env, NO_COLOR: '1' } },
  );
}, 300_000);

afterAll(async () => {
  serve?.kill('SIGINT');
  await serve?.exited;
  catalogServer?.kill();
  await catalogServer?.exited;
});

test('serve registers silver and gold tables in the catalog, follows new versions, and pyiceberg reads them by name', async () => {
  const first = await waitFor('silver.voters and gold.poll_results in the catalog', () => {
    const answer = readCatalog();
    return answer.tables.includes('silver.voters') && answer.tables.includes('gold.poll_results') ? answer : undefined;
  });
  // polls is merge-on-read: deletion vectors keep it out of an Iceberg v2 catalog.
  expect(first.tables).not.toContain('silver.polls');

  const versions: number[] = [];
  await waitFor('two versions of silver.voters in the catalog', () => {
    const answer = readCatalog('silver.voters', 'gold.poll_results');
    for (const [name, dir] of [
      ['silver.voters', 'silver/voters'],
      ['gold.poll_results', 'gold/poll_results'],
    ] as const) {
      const entry = answer[name] as { deltaVersion: number; rows: unknown[] } | { error: string };
      if ('error' in entry) throw new Error(`pyiceberg could not read ${name}: ${entry.error}`);
      const cat = Bun.spawnSync([process.execPath, main, 'cat', join(data, dir), '--version', String(entry.deltaVersion), '--format', 'ndjson'], {
        stdout: 'pipe',
        stderr: 'pipe',
      });
      if (cat.exitCode !== 0) throw new Error(`lakehouse cat failed: ${cat.stderr.toString()}`);
      const expected = cat.stdout
        .toString()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l));
      expect({ name, version: entry.deltaVersion, rows: canonical(entry.rows) }).toEqual({ name, version: entry.deltaVersion, rows: canonical(expected) });
      if (name === 'silver.voters' && !versions.includes(entry.deltaVersion)) versions.push(entry.deltaVersion);
    }
    return versions.length >= 2 ? versions : undefined;
  });
  expect(versions[1]!).toBeGreaterThan(versions[0]!);
}, 600_000);
