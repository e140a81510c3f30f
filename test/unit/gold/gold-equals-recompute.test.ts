import { afterAll, expect, test } from 'bun:test';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../../src/core/log.ts';
import { Pipeline } from '../../../src/pipeline/index.ts';
import { votersBookGold } from '../../../src/gold/index.ts';
import { deltaLines, recomputeGold, simulate } from './gold-support.ts';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'lh-gold-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const published = votersBookGold.filter((d) => d.publish !== false).map((d) => d.name);

test('every gold Delta table equals a from-scratch recomputation over the silver Delta tables, across restarts', async () => {
  const dataDir = tempDir();
  await simulate(dataDir, 1200);
  await simulate(dataDir, 1200); // a restart in the middle of the workload
  const expected = await recomputeGold(dataDir);
  for (const name of published) {
    const actual = await deltaLines(join(dataDir, 'gold', name));
    expect({ name, rows: actual }).toEqual({ name, rows: expected.get(name)! });
    expect(actual.length).toBeGreaterThan(0);
  }
  // The incremental path did the work: the from-scratch recomputation ran once per table (first batch).
  const activity = (await deltaLines(join(dataDir, 'gold', 'change_activity'))).map((l) => JSON.parse(l) as Record<string, string>);
  const total = (k: string) => activity.reduce((n, r) => n + Number(r[k]), 0);
  expect(total('inserts')).toBeGreaterThan(0);
  expect(total('updates')).toBeGreaterThan(0);
  expect(total('deletes')).toBeGreaterThan(0);
}, 120_000);

test('replaying bronze into an empty folder rebuilds the same gold tables, activity included', async () => {
  const dataDir = tempDir();
  await simulate(dataDir, 800, 11);
  const replay = tempDir();
  cpSync(join(dataDir, 'bronze'), join(replay, 'bronze'), { recursive: true });
  (await Pipeline.open({ gold: votersBookGold, dataDir: replay, log: silentLogger })).close();
  for (const name of published) {
    expect({ name, rows: await deltaLines(join(replay, 'gold', name)) }).toEqual({ name, rows: await deltaLines(join(dataDir, 'gold', name)) });
  }
}, 120_000);

/**
 * A simulated workload's bronze versions (the records of each), and a reference data folder where
 * the pipeline replayed them in one go.
 */
async function simulatedBatches() {
  const source = tempDir();
  await simulate(source, 600, 5);
  const reference = tempDir();
  cpSync(join(source, 'bronze'), join(reference, 'bronze'), { recursive: true });
  (await Pipeline.open({ gold: votersBookGold, dataDir: reference, log: silentLogger })).close();
  const from = await Pipeline.open({ gold: votersBookGold, dataDir: source, log: silentLogger });
  const versions = [];
  for (let v = 1; v <= from.bronze.version; v++) versions.push(await from.bronze.recordsAt(v));
  from.close();
  return { reference, versions };
}

async function expectSameGold(dataDir: string, reference: string) {
  for (const name of published) {
    expect({ name, rows: await deltaLines(join(dataDir, 'gold', name)) }).toEqual({ name, rows: await deltaLines(join(reference, 'gold', name)) });
  }
}

test('a crash right after silver commits loses no change activity: the replay that skips silver still has it', async () => {
  const { reference, versions } = await simulatedBatches();
  expect(versions.length).toBeGreaterThanOrEqual(3);

  const crashed = tempDir();
  let p = await Pipeline.open({ gold: votersBookGold, dataDir: crashed, log: silentLogger });
  const crashAt = Math.floor(versions.length / 2);
  for (const [i, records] of versions.slice(0, crashAt + 1).entries()) {
    if (i === crashAt) {
      // The process dies after every silver table committed this batch, before gold ran.
      const apply = p.silver.apply.bind(p.silver);
      p.silver.apply = async (...args) => {
        await apply(...args);
        throw new Error('simulated crash');
      };
      await expect(p.process(records)).rejects.toThrow('simulated crash');
    } else {
      await p.process(records);
    }
  }
  p.close();
  p = await Pipeline.open({ gold: votersBookGold, dataDir: crashed, log: silentLogger }); // replays the crashed batch
  for (const records of versions.slice(crashAt + 1)) await p.process(records);
  p.close();
  await expectSameGold(crashed, reference);
}, 120_000);

test('with batches waiting, gold publishing is deferred, and a run that stops before publishing is published on the next open', async () => {
  const { reference, versions } = await simulatedBatches();

  const stopped = tempDir();
  const p = await Pipeline.open({ gold: votersBookGold, dataDir: stopped, log: silentLogger });
  for (const records of versions) await p.process(records, { backlog: true });
  const goldVersions = await Promise.all(p.gold.filter((g) => g.table).map((g) => g.table!.snapshot().version));
  // Published once (the first batch), then deferred: the batches came well within a second.
  expect(Math.max(...goldVersions)).toBeLessThan(versions.length - 1);
  p.close(); // stops without publishPendingGold, as a killed run would
  (await Pipeline.open({ gold: votersBookGold, dataDir: stopped, log: silentLogger })).close();
  await expectSameGold(stopped, reference);
}, 120_000);

test("serve's interval: gold's Delta tables are published at most every goldPublishEveryMs, and what waits is published when serve stops", async () => {
  const { reference, versions } = await simulatedBatches();
  const dir = tempDir();
  const p = await Pipeline.open({ gold: votersBookGold, dataDir: dir, log: silentLogger, goldPublishEveryMs: 60_000 });
  const published = async () => Math.max(...(await Promise.all(p.gold.filter((g) => g.table).map((g) => g.table!.snapshot().version))));
  for (const records of versions) await p.process(records);
  const first = await published();
  // The first batch published (nothing had been); the later ones waited for the interval.
  expect(first).toBeLessThan(versions.length - 1);
  await p.publishDueGold();
  expect(await published()).toBe(first); // not due yet
  await p.publishPendingGold(); // as serve does when it stops
  expect(await published()).toBe(first + 1);
  p.close();
  await expectSameGold(dir, reference);
}, 120_000);
