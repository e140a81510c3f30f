/**
 * Opening the latest snapshot of a 10,000-commit table (checkpoints every 10 commits, one small file
 * added per commit, so 9,999 live files): log replay, the SQLite log index, and delta-rs.
 * Figures only, never asserted.
 *   npx bun test/bench/snapshot-open.bench.ts [commits] [runs]
 * The table is written once by our writer into .cache/bench/ (about 30 minutes for 10,000 commits: each
 * commit re-opens the table by log replay, so the build is quadratic).
 */
import { cpSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalStorage } from '../../src/storage/local.ts';
import { LOG_DIR, LogIndex, Snapshot, parseLogFileName } from '../../src/delta/index.ts';
import { manyCommitsTable } from './bench-tables.ts';
import { deltaRsTimings, median, ms } from './delta-rs.ts';

const commits = Number(process.argv[2] ?? 10_000);
const runs = Number(process.argv[3] ?? 20);
const dir = await manyCommitsTable(commits);
const storage = new LocalStorage(dir);
const scratch = mkdtempSync(join(tmpdir(), 'bench-snapshot-open-'));

async function timeRuns(fn: () => Promise<unknown>, n = runs): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return times;
}
const report = (name: string, times: number[]) =>
  console.log(`${name.padEnd(52)} median ${ms(median(times)).padStart(10)}  best ${ms(Math.min(...times)).padStart(10)}`);

const plain = await Snapshot.open(storage);
console.log(
  `${dir}: version ${plain.version}, ${plain.files().length} live files, checkpoint ${plain.logSegment.checkpoint?.version}, ${readdirSync(join(dir, LOG_DIR)).length} files in ${LOG_DIR}/`,
);

report('listing _delta_log/ (part of log replay)', await timeRuns(() => storage.list(LOG_DIR)));
report('log replay: Snapshot.open(storage)', await timeRuns(() => Snapshot.open(storage)));

const dbPath = join(scratch, 'lakehouse.db');
let index = LogIndex.open(dbPath);
report('index, first open (builds the index)', await timeRuns(() => index.snapshot(storage), 1));
report('index, up to date: Snapshot.open(storage, { index })', await timeRuns(() => Snapshot.open(storage, { index })));
index.close();
report(
  'index, new connection + open (a CLI run)',
  await timeRuns(async () => {
    const fresh = LogIndex.open(dbPath);
    await Snapshot.open(storage, { index: fresh });
    fresh.close();
  }),
);

// Catching up: a copy of the log with its last 10 commits hidden is indexed, then they come back.
const copy = join(scratch, 'table');
cpSync(join(dir, LOG_DIR), join(copy, LOG_DIR), { recursive: true });
const hidden = join(scratch, 'hidden');
mkdirSync(hidden);
const behind = plain.version - 10;
const later = readdirSync(join(copy, LOG_DIR)).filter((name) => (parseLogFileName(name)?.version ?? -1) > behind);
const catchUps: number[] = [];
for (let i = 0; i < Math.min(runs, 5); i++) {
  for (const name of later) renameSync(join(copy, LOG_DIR, name), join(hidden, name));
  index = LogIndex.open(join(scratch, `catch-up-${i}.db`));
  await index.snapshot(new LocalStorage(copy));
  for (const name of later) renameSync(join(hidden, name), join(copy, LOG_DIR, name));
  const t0 = performance.now();
  await index.snapshot(new LocalStorage(copy));
  catchUps.push(performance.now() - t0);
  index.close();
}
report('index, 10 commits behind: catch up', catchUps);

const deltaRs = deltaRsTimings(dir, 'open', 6);
if ('error' in deltaRs) console.log(`delta-rs: not measured (${deltaRs.error})`);
else report(`delta-rs ${deltaRs.version}: DeltaTable(path)`, deltaRs.runs.slice(1));
rmSync(scratch, { recursive: true, force: true });
