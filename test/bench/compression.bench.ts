/**
 * zstd against snappy for the Parquet files lakehouse writes: every live file of silver/voters and of
 * bronze in a data folder, each table written as one file with each codec (as the writer writes it:
 * bronze's key/value text without statistics). Size, write time and read time, best of 3. Figures only.
 *   bun test/bench/compression.bench.ts [data=.cache/bench/readable-silver-merge-on-read]
 * (readable-silver.bench.ts leaves that folder: 50,000 voters records.)
 */
import { resolve } from 'node:path';
import type { Table } from 'apache-arrow';
import { LocalStorage } from '../../src/storage/index.ts';
import { Snapshot, readFileTable } from '../../src/delta/index.ts';
import { readParquet, writeParquet } from '../../src/parquet/index.ts';

const root = resolve(import.meta.dir, '../..');
const data = resolve(Bun.argv[2] ?? resolve(root, '.cache/bench/readable-silver-merge-on-read'));

async function liveTable(path: string): Promise<Table> {
  const storage = new LocalStorage(path);
  const snapshot = await Snapshot.open(storage);
  const tables: Table[] = [];
  for (const add of snapshot.files()) tables.push(await readFileTable(storage, add));
  return tables.slice(1).reduce((a, t) => a.concat(t), tables[0]!);
}

const best = (f: () => void) => {
  let min = Infinity;
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    f();
    min = Math.min(min, performance.now() - t);
  }
  return min;
};

for (const [name, withoutStatistics] of [
  ['silver/voters', []],
  ['bronze', ['key', 'value']],
] as const) {
  const table = await liveTable(resolve(data, name));
  console.log(`${name}: ${table.numRows} rows`);
  for (const compression of ['snappy', 'zstd'] as const) {
    let bytes: Uint8Array = new Uint8Array();
    const write = best(() => (bytes = writeParquet(table, { compression, withoutStatistics: [...withoutStatistics] })));
    const read = best(() => readParquet(bytes));
    console.log(`  ${compression.padEnd(6)} ${(bytes.length / 1e6).toFixed(2)} MB, write ${write.toFixed(0)} ms, read ${read.toFixed(0)} ms`);
  }
}
