/**
 * Maintenance on a live data folder, as an operator runs it: `optimize`, `vacuum` and `checkpoint` in
 * a loop, then a `rebuild` (the compiled binary) while `serve` ingests the embedded demo. Every command succeeds (the
 * running server does the job between two batches), the pipeline keeps committing, and once the
 * outbox is drained every silver table equals the simulator's own tables.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { binary, ensureBinary } from '../support/binary.ts';
import { silentLogger } from '../../src/core/log.ts';
import { Pipeline } from '../../src/pipeline/index.ts';
import { EmbeddedSource } from '../../src/source/embedded/embedded.ts';
import { votersBookGold } from '../../src/gold/index.ts';
import { VotersBook, type TableName } from '../../fake-it/index.ts';
import { asSortedLines, canonicalSourceRow, silverRows } from '../support/source-truth.ts';
import { freePort } from '../integration/real-stack-support.ts';

const work = mkdtempSync(join(tmpdir(), 'lh-e2e-live-maintenance-'));
beforeAll(ensureBinary, 120_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

const data = join(work, 'data');

function lakehouse(...args: string[]) {
  const r = Bun.spawnSync([binary, ...args], { cwd: work, env: { ...process.env, NO_COLOR: '1' } });
  return {
    args: args.join(' '),
    code: r.exitCode,
    err: r.stderr
      .toString()
      .split('\n')
      .filter((l) => l.startsWith('error')),
  };
}

interface Health {
  status: string;
  versions: { bronze: number; silver: Record<string, number> };
}

/** Delivers what the simulator left in the outbox (it stops with serve), then closes. */
async function drainOutbox(): Promise<void> {
  const pipeline = await Pipeline.open({ gold: votersBookGold, dataDir: data, log: silentLogger });
  const source = await EmbeddedSource.open({ dbPath: join(data, 'embedded', 'voters-book.db'), rate: 0, seed: 1, ops: 0 });
  const stop = new AbortController();
  const running = source.run((records) => pipeline.process(records).then(() => {}), pipeline.resumePositions(), stop.signal);
  while (source.lag() > 0) await Bun.sleep(50);
  stop.abort();
  await running;
  pipeline.close();
}

test('optimize, vacuum and checkpoint in a loop beside serve: all succeed, ingestion goes on, silver equals the source', async () => {
  const port = freePort();
  const url = `http://127.0.0.1:${port}`;
  const serve = Bun.spawn([binary, 'serve', '--data', data, '--port', String(port), '--rate', '200'], { cwd: work, stdout: 'ignore', stderr: 'pipe' });
  const health = async () => (await (await fetch(`${url}/health`)).json()) as Health;
  try {
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline && !(await health().catch(() => undefined))?.versions?.silver?.voters) await Bun.sleep(200);
    const before = await health();

    for (let round = 0; round < 6; round++) {
      for (const command of [
        ['optimize', 'voters'],
        ['vacuum', 'voters', '--retention-hours', '0', '--force'],
        ['optimize', 'polls'],
        ['checkpoint', 'ballots'],
        ['optimize', join(data, 'silver', 'ballots')], // a path inside the live folder
      ]) {
        expect(lakehouse(...command, '--data', data)).toEqual({ args: [...command, '--data', data].join(' '), code: 0, err: [] });
      }
    }
    // A rebuild too: the server recomputes the table from bronze between two batches.
    expect(lakehouse('rebuild', 'ballots', '--data', data)).toEqual({ args: `rebuild ballots --data ${data}`, code: 0, err: [] });
    const after = await health();
    expect(after.status).toBe('ok');
    expect(after.versions.bronze).toBeGreaterThan(before.versions.bronze);
    // Still committing after the last round.
    const bronzeNow = after.versions.bronze;
    const until = Date.now() + 30_000;
    while (Date.now() < until && (await health()).versions.bronze === bronzeNow) await Bun.sleep(200);
    expect((await health()).versions.bronze).toBeGreaterThan(bronzeNow);
  } finally {
    serve.kill('SIGINT');
  }
  expect(await serve.exited).toBe(0);

  await drainOutbox();
  const book = VotersBook.open(join(data, 'embedded', 'voters-book.db'), {});
  try {
    for (const table of ['voters', 'polls', 'ballots'] as TableName[]) {
      const source = book.rows(table).map((r) => canonicalSourceRow(table, r));
      expect(source.length).toBeGreaterThan(0);
      expect(asSortedLines(await silverRows(data, table))).toEqual(asSortedLines(source));
    }
  } finally {
    book.close();
  }
}, 300_000);
