/**
 * No silent stall: when a batch's commit fails, the failure is logged at once and /health says
 * degraded with the reason. A lost race to another writer (here a foreign OPTIMIZE of silver, as Spark
 * would run it) is retried on top of that writer's commit and succeeds; a failure no retry can help
 * stops the run with its error.
 */
import { afterEach, expect, test } from 'bun:test';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pipeline, PipelineView, type RunStatus } from '../../../src/pipeline/index.ts';
import { createLogger } from '../../../src/core/log.ts';
import { LocalStorage } from '../../../src/storage/index.ts';
import { DeltaTable, Snapshot, optimize, scan } from '../../../src/delta/index.ts';
import { VoterStream, voter } from '../../support/voters-records.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A pipeline whose log lines are kept, each with the /health answer at the moment it was logged. */
async function openWatched() {
  const dataDir = mkdtempSync(join(tmpdir(), 'lh-commit-retry-'));
  dirs.push(dataDir);
  const lines: { line: string; health: { status: string; message?: string } }[] = [];
  let view: PipelineView | undefined;
  const log = createLogger({ level: 'warn', write: (line) => lines.push({ line, health: view!.health() }) });
  const pipeline = await Pipeline.open({ dataDir, log });
  const run: RunStatus = { status: 'ok', source: { kind: 'file' }, startedAt: Date.now(), lag: () => 0 };
  view = new PipelineView(pipeline, run);
  return { pipeline, view, lines };
}

async function cities(dataDir: string): Promise<string[]> {
  const storage = new LocalStorage(join(dataDir, 'silver', 'voters'));
  const rows: string[] = [];
  for await (const r of scan(await Snapshot.open(storage), storage)) rows.push(`${r.id}:${r.city}`);
  return rows.sort();
}

test('a commit that loses its race to a foreign OPTIMIZE is logged, shown by /health, retried and succeeds', async () => {
  const { pipeline, view, lines } = await openWatched();
  const s = new VoterStream();
  await pipeline.process([1, 2, 3, 4].map((id) => s.change('c', id, null, voter(id, 'Avalon'))));
  await pipeline.process([s.change('u', 10, null, voter(1, 'Brightwater')), s.change('c', 11, null, voter(5, 'Avalon'))]);

  // Another writer compacts silver voters: the files the next batch's deletion vectors touch are gone.
  const foreign = await DeltaTable.open(new LocalStorage(join(pipeline.dataDir, 'silver', 'voters')));
  expect((await optimize(foreign)).version).toBeDefined();

  const summary = await pipeline.process([s.change('u', 20, null, voter(2, 'Cedar Falls')), s.change('u', 21, null, voter(5, 'Dunmore'))]);
  expect(summary.applied).toBe(2);
  const warning = lines.find((l) => l.line.includes('commit failed; retrying'));
  expect(warning?.line).toContain('concurrent commit');
  expect(warning?.health.status).toBe('degraded');
  expect(warning?.health.message).toMatch(/^commit of bronze version \d+ failed \(attempt 1 of 5, retrying in 200 ms\): concurrent commit/);
  expect(view.health().status).toBe('ok'); // recovered
  expect(await cities(pipeline.dataDir)).toEqual(['1:Brightwater', '2:Cedar Falls', '3:Avalon', '4:Avalon', '5:Dunmore']);
  expect(
    pipeline.silver
      .get('voters')!
      .rows(10, 0)
      .map((r) => `${r.id}:${r.city}`)
      .sort(),
  ).toEqual(await cities(pipeline.dataDir));
  // The index followed the compacted files: later batches apply on them too.
  await pipeline.process([s.change('u', 30, null, voter(3, 'Elmstead')), s.change('d', 31, voter(4, 'Avalon'), null)]);
  expect(await cities(pipeline.dataDir)).toEqual(['1:Brightwater', '2:Cedar Falls', '3:Elmstead', '5:Dunmore']);
  pipeline.close();
});

test('a commit failure no retry can help stops the run with its error, logged when it happens and named by /health', async () => {
  const { pipeline, view, lines } = await openWatched();
  const s = new VoterStream();
  await pipeline.process([s.change('c', 1, null, voter(1, 'Avalon'))]);
  // The silver table's next commit file cannot be written: a folder stands where it would go.
  const log = join(pipeline.dataDir, 'silver', 'voters', '_delta_log');
  const next = pipeline.silver.get('voters')!.snapshot.version + 1;
  mkdirSync(join(log, `${String(next).padStart(20, '0')}.json`));
  const failed = await pipeline.process([s.change('u', 2, null, voter(1, 'Brightwater'))]).catch((err: Error) => err);
  expect(failed).toBeInstanceOf(Error);
  const logged = lines.find((l) => l.line.includes('commit failed; stopping'));
  expect(logged).toBeDefined();
  expect(view.health().status).toBe('degraded');
  expect(view.health().message).toStartWith('commit of bronze version');
  pipeline.close();
});
