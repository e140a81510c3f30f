/**
 * Tables the benchmarks read, written once by our Delta writer into `.cache/bench/` (gitignored) and
 * reused: building them takes minutes, measuring them seconds. An interrupted build resumes.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { LocalStorage } from '../../src/storage/local.ts';
import { DeltaTable, Snapshot, field, struct } from '../../src/delta/index.ts';

export const BENCH_CACHE = resolve(import.meta.dir, '../../.cache/bench');

const log = (message: string) => process.stderr.write(`${message}\n`);

/**
 * A long-lived table: `commits` versions (CREATE TABLE, then one small append per commit, three rows in
 * one file), checkpointed every 10 commits by the writer, as a silver table fed by small batches is.
 */
export async function manyCommitsTable(commits: number): Promise<string> {
  const dir = join(BENCH_CACHE, `commits-${commits}`);
  mkdirSync(dir, { recursive: true });
  const storage = new LocalStorage(dir);
  const schema = struct([field('id', 'long'), field('city', 'string'), field('updated_at', 'timestamp')]);
  const table = await DeltaTable.openOrCreate(storage, { schema, name: 'many_commits' });
  const start = table.snapshot().version;
  const t0 = performance.now();
  for (let v = start + 1; v < commits; v++) {
    const tx = table.transaction({ operation: 'WRITE', operationParameters: { mode: 'Append' } });
    await tx.writeRows([0, 1, 2].map((k) => ({ id: v * 3 + k, city: `city-${v % 97}`, updated_at: '2026-01-05T08:00:00Z' })));
    await tx.commit();
    if (v % 500 === 0) log(`  building ${dir}: version ${v} of ${commits - 1} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
  }
  return dir;
}

const CITIES = ['Springfield', 'Riverside', 'Fairview', 'Franklin', 'Greenville', 'Bristol', 'Clinton', 'Salem', 'Madison', 'Georgetown'];
const PARTIES = ['blue', 'red', 'green', 'yellow', null];

/** A voters table as silver keeps it: `rows` voters in files of 250,000 rows, one append per file. */
export async function votersTable(rows: number): Promise<string> {
  const dir = join(BENCH_CACHE, `voters-${rows}`);
  if (existsSync(join(dir, '_delta_log')) && (await Snapshot.latestVersion(new LocalStorage(dir))) !== undefined) {
    const snapshot = await Snapshot.open(new LocalStorage(dir));
    const written = snapshot.files().reduce((n, a) => n + (JSON.parse(a.stats!).numRecords as number), 0);
    if (written === rows) return dir;
    throw new Error(`${dir} holds ${written} rows, not ${rows}: delete it and run again`);
  }
  const schema = struct([
    field('id', 'long', false),
    field('first_name', 'string'),
    field('last_name', 'string'),
    field('address', 'string'),
    field('city', 'string'),
    field('birth_date', 'date'),
    field('registered_at', 'timestamp'),
    field('email', 'string'),
    field('phone', 'string'),
    field('party_affinity', 'string'),
    field('updated_at', 'timestamp'),
  ]);
  const table = await DeltaTable.create(new LocalStorage(dir), { schema, name: 'voters' });
  const perFile = 250_000;
  for (let start = 0; start < rows; start += perFile) {
    const batch: Record<string, unknown>[] = [];
    for (let id = start; id < Math.min(rows, start + perFile); id++) {
      batch.push({
        id,
        first_name: `First${id % 5000}`,
        last_name: `Voter${id}`,
        address: `${id % 9999} Lantern Street`,
        city: CITIES[id % CITIES.length],
        birth_date: new Date(Date.UTC(1940 + (id % 60), id % 12, 1 + (id % 28))).toISOString().slice(0, 10),
        registered_at: new Date(Date.UTC(2020, 0, 1) + (id % 100_000) * 60_000).toISOString(),
        email: id % 3 === 0 ? null : `voter${id}@example.org`,
        phone: id % 4 === 0 ? null : `+1-555-${String(id % 10_000).padStart(4, '0')}`,
        party_affinity: PARTIES[id % PARTIES.length],
        updated_at: new Date(Date.UTC(2026, 0, 5) + (id % 86_400) * 1000).toISOString(),
      });
    }
    const tx = table.transaction({ operation: 'WRITE', operationParameters: { mode: 'Append' } });
    await tx.writeRows(batch);
    await tx.commit();
    log(`  building ${dir}: ${Math.min(rows, start + perFile)} of ${rows} rows`);
  }
  return dir;
}
