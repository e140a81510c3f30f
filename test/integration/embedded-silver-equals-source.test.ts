import { votersBookGold } from '../../src/gold/index.ts';
/**
 * The embedded default end to end, in process: the simulator writes to its SQLite application
 * database, its Debezium outbox flows through bronze -> silver -> gold, the pipeline is stopped and
 * restarted several times mid-stream, and at a quiescent point every silver table equals the source
 * table row for row, and every gold table equals a recomputation from silver.
 */
import { afterAll, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../src/core/log.ts';
import { Pipeline } from '../../src/pipeline/index.ts';
import { EmbeddedSource } from '../../src/source/embedded/embedded.ts';
import { VotersBook, type TableName } from '../../fake-it/index.ts';
import { asSortedLines, canonicalSourceRow, silverRows } from '../support/source-truth.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'lh-embedded-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
const dbPath = join(dataDir, 'embedded', 'voters-book.db');

/** Runs serve's loop until the simulator has applied `ops` more operations and the outbox is drained. */
async function runUntilDrained(ops: number, stopEarly = false) {
  const pipeline = await Pipeline.open({ gold: votersBookGold, dataDir, log: silentLogger });
  const source = await EmbeddedSource.open({ dbPath, rate: 0, seed: 42, ops, flush: { maxLatencyMs: 20, maxRecords: 500 } });
  const stop = new AbortController();
  let batches = 0;
  const running = source.run(
    async (records) => {
      await pipeline.process(records);
      if (stopEarly && ++batches === 3) stop.abort(); // a stop in the middle of the stream
    },
    pipeline.resumePositions(),
    stop.signal,
  );
  let finished = false;
  running.finally(() => (finished = true));
  let simulatorDone = false;
  source.simulator!.then(() => (simulatorDone = true));
  const deadline = Date.now() + 60_000;
  while (!finished && Date.now() < deadline) {
    await Bun.sleep(50);
    if (!finished && simulatorDone && source.lag() === 0) break;
  }
  stop.abort();
  await running;
  pipeline.close();
}

test('at a quiescent point every silver table equals the source table, across restarts', async () => {
  await runUntilDrained(1500, true);
  await runUntilDrained(1500, true);
  await runUntilDrained(1500);
  await runUntilDrained(0); // drains whatever the early stops left in the outbox

  const book = VotersBook.open(dbPath, {});
  try {
    expect(book.lastPosition()).toBeGreaterThan(3000);
    for (const table of ['voters', 'polls', 'ballots'] as TableName[]) {
      const source = book.rows(table).map((r) => canonicalSourceRow(table, r));
      const silver = await silverRows(dataDir, table);
      expect(source.length).toBeGreaterThan(0);
      expect(asSortedLines(silver)).toEqual(asSortedLines(source));
    }
  } finally {
    book.close();
  }

  const pipeline = await Pipeline.open({ gold: votersBookGold, dataDir, log: silentLogger });
  try {
    for (const g of pipeline.gold) {
      const recomputed = g
        .recompute()
        .map((r) =>
          JSON.stringify(
            Object.fromEntries(
              Object.entries(r).map(([k, v]) => [k, typeof v === 'number' && g.columns.find((c) => c.name === k)?.type === 'long' ? String(v) : v]),
            ),
          ),
        );
      expect(g.rows().map((r) => JSON.stringify(r))).toEqual(recomputed);
    }
  } finally {
    pipeline.close();
  }
}, 180_000);
