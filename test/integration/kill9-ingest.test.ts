import { votersBookGold } from '../../src/gold/index.ts';
/**
 * Exactly once under crashes: `lakehouse ingest` is killed with SIGKILL at 50 random moments of a long
 * ingest and started again each time (re-reading the whole input, as a consumer restarting from an
 * older committed offset would). At the end silver equals the source truth, with no row missing or
 * duplicated, and gold equals a recomputation.
 */
import { afterAll, expect, test } from 'bun:test';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { VotersBook, Prng, type TableName } from '../../fake-it/index.ts';
import { silentLogger } from '../../src/core/log.ts';
import { Pipeline } from '../../src/pipeline/index.ts';
import { bookPathOf, votersNdjson } from '../bench/voters-ndjson.ts';
import { asSortedLines, canonicalSourceRow, silverRows } from '../support/source-truth.ts';

const root = resolve(import.meta.dir, '../..');
const work = mkdtempSync(join(tmpdir(), 'lh-kill9-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const command = existsSync(join(root, 'lakehouse')) ? [join(root, 'lakehouse')] : ['bun', join(root, 'src/cli/main.ts')];
const KILLS = 50;

test(`silver equals the source after ${KILLS} kill -9 restarts`, async () => {
  const input = await votersNdjson(10_000, 11, join(work, 'voters.ndjson'));
  const data = join(work, 'data');
  // The demo's gold, as its config file: kept through every kill too.
  const ingest = () =>
    Bun.spawn([...command, 'ingest', '--data', data, '--config', join(root, 'src/gold/voters-book.toml'), '--batch', '100', '--no-progress', input], {
      stdout: 'pipe',
      stderr: 'pipe',
    });
  const bronzeCommits = () => {
    try {
      return readdirSync(join(data, 'bronze', '_delta_log')).filter((f) => f.endsWith('.json')).length;
    } catch {
      return 0;
    }
  };
  const seed = Number(process.env.KILL9_SEED ?? Date.now() % 100_000);
  const prng = new Prng(seed);
  let completedEarly = 0;
  for (let i = 0; i < KILLS; i++) {
    // Kill at a random moment inside the ingest: after 1-3 more bronze commits, then 0-40 ms into the
    // next batch (bronze written, silver half-committed, the index not yet updated, ...).
    const target = bronzeCommits() + 1 + Math.floor(prng.next() * 3);
    const proc = ingest();
    while (proc.exitCode === null && bronzeCommits() < target) await Bun.sleep(2);
    await Bun.sleep(Math.floor(prng.next() * 40));
    if (proc.exitCode !== null) completedEarly++;
    proc.kill('SIGKILL');
    await proc.exited;
  }
  const last = ingest();
  const code = await last.exited;
  const err = await new Response(last.stderr).text();
  expect({ code, errors: err.split('\n').filter((l) => /ERROR|error /.test(l)) }).toEqual({ code: 0, errors: [] });
  // The kills must land mid-ingest, or the test proves little.
  expect({ seed, completedEarly }).toEqual({ seed, completedEarly: 0 });

  const book = VotersBook.open(bookPathOf(input), {});
  try {
    for (const table of ['voters', 'polls', 'ballots'] as TableName[]) {
      const truth = book.rows(table).map((r) => canonicalSourceRow(table, r));
      expect({ seed, table, rows: asSortedLines(await silverRows(data, table)) }).toEqual({ seed, table, rows: asSortedLines(truth) });
    }
  } finally {
    book.close();
  }
  const pipeline = await Pipeline.open({ gold: votersBookGold, dataDir: data, log: silentLogger });
  try {
    for (const g of pipeline.gold) {
      const longs = new Set(g.columns.filter((c) => c.type === 'long').map((c) => c.name));
      const recomputed = g.recompute().map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, longs.has(k) && v !== null ? String(v) : v])));
      expect(g.rows()).toEqual(recomputed);
    }
  } finally {
    pipeline.close();
  }
}, 300_000);
