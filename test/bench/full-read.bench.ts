/**
 * Full read of a 1M-row voters table (11 columns, 4 files of 250,000 rows), ours against delta-rs.
 * Figures only, never asserted.
 *   npx bun test/bench/full-read.bench.ts [rows] [runs]
 * The table is written once by our writer into .cache/bench/. Ours is timed two ways: `scan`, which
 * decodes every row into a plain object (what `lakehouse cat` and the API use), and `scanFiles`, which
 * stops at Arrow tables, the same point delta-rs's to_pyarrow_table() reaches. delta-rs decodes files on
 * several threads; we decode on one.
 */
import { availableParallelism } from 'node:os';
import { LocalStorage } from '../../src/storage/local.ts';
import { Snapshot, scan, scanFiles } from '../../src/delta/index.ts';
import { votersTable } from './bench-tables.ts';
import { deltaRsTimings, median, ms } from './delta-rs.ts';

const rows = Number(process.argv[2] ?? 1_000_000);
const runs = Number(process.argv[3] ?? 5);
const dir = await votersTable(rows);
const storage = new LocalStorage(dir);

async function timeRuns(fn: () => Promise<number>): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const n = await fn();
    times.push(performance.now() - t0);
    if (n !== rows) throw new Error(`read ${n} rows, expected ${rows}`);
  }
  return times;
}

const report = (name: string, times: number[]) =>
  console.log(
    `${name.padEnd(44)} median ${ms(median(times)).padStart(10)}  best ${ms(Math.min(...times)).padStart(10)}  ${Math.round(rows / (median(times) / 1000))
      .toLocaleString('en-US')
      .padStart(11)} rows/s`,
  );

console.log(`full read of ${dir}: ${rows.toLocaleString('en-US')} rows, ${runs} runs each, ${availableParallelism()} CPUs`);
report(
  'ours: scan (rows as objects)',
  await timeRuns(async () => {
    let n = 0;
    for await (const _ of scan(await Snapshot.open(storage), storage)) n++;
    return n;
  }),
);
report(
  'ours: scanFiles (Arrow tables)',
  await timeRuns(async () => {
    let n = 0;
    for await (const f of scanFiles(await Snapshot.open(storage), storage)) n += f.table.numRows;
    return n;
  }),
);
const deltaRs = deltaRsTimings(dir, 'read', runs + 1);
if ('error' in deltaRs) console.log(`delta-rs: not measured (${deltaRs.error})`);
else report(`delta-rs ${deltaRs.version}: to_pyarrow_table()`, deltaRs.runs.slice(1));
