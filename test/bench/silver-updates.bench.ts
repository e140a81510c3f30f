/**
 * Issue 4's cost target: 1,000 random updates to a 10M-row silver table commit in < 250 ms and write
 * < 2 MB (merge-on-read: one new data file, deletion vectors on the old files, one log entry, never a
 * rewrite). Figures only, never asserted.
 *   bun test/bench/silver-updates.bench.ts [rows=10000000] [updates=1000] [rounds=5] [mode=merge-on-read]
 * mode copy-on-write measures the same updates on a copy-on-write table, where each commit rewrites
 * the data files holding the updated rows instead (random updates touch nearly every file).
 * The table (a voters-like silver table with its SQLite key index) is built once, in batches of
 * 400,000 rows, under .cache/bench/silver-<rows>[-copy-on-write]/ (10M rows: several minutes, ~3 GB); every run then
 * adds `rounds` update commits to it and reports each: time of SilverTable.apply (key lookups, the
 * new file, the DVs, the commit, the index update) and the bytes that commit wrote; then the
 * compaction the pipeline runs after a batch, when it does anything.
 */
import { Database } from 'bun:sqlite';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { LocalStorage, type Storage } from '../../src/storage/index.ts';
import { SilverTable, WRITE_MODES, type WriteMode } from '../../src/silver/index.ts';
import type { ChangeEvent, ColumnSpec } from '../../src/cdc/index.ts';

const rows = Number(Bun.argv[2] ?? 10_000_000);
const updates = Number(Bun.argv[3] ?? 1_000);
const rounds = Number(Bun.argv[4] ?? 5);
const mode = (Bun.argv[5] ?? 'merge-on-read') as WriteMode;
if (!WRITE_MODES.includes(mode)) throw new Error(`mode must be one of ${WRITE_MODES.join(', ')}, got '${mode}'`);
const BUILD_BATCH = 400_000;
const root = resolve(import.meta.dir, '../..');
const dir = resolve(root, `.cache/bench/silver-${rows}${mode === 'merge-on-read' ? '' : `-${mode}`}`);

const columns: ColumnSpec[] = [
  { name: 'id', type: 'long', nullable: false, connectType: 'int64' },
  { name: 'first_name', type: 'string', nullable: false, connectType: 'string' },
  { name: 'last_name', type: 'string', nullable: false, connectType: 'string' },
  { name: 'city', type: 'string', nullable: false, connectType: 'string' },
  { name: 'score', type: 'double', nullable: true, connectType: 'float64' },
  { name: 'updated_at', type: 'string', nullable: false, connectType: 'string' },
] as ColumnSpec[];
const source = { connector: 'postgresql', name: 'bench', db: 'voters', schema: 'public', table: 'voters' };
const cities = ['Dunhaven', 'Marlow', 'Eastbridge', 'Kingsport', 'Ashford', 'Riverton', 'Oakmere', 'Fairholm'];

/** A PostgreSQL-style event for row `id`; `lsn` orders it after everything before. */
function event(id: number, lsn: bigint, op: 'c' | 'u'): ChangeEvent {
  const after = {
    id: String(id),
    first_name: `first${id % 9973}`,
    last_name: `last${id % 7919}`,
    city: cities[id % cities.length]!,
    score: (id % 1000) / 10,
    updated_at: new Date(1_767_600_000_000 + Number(lsn)).toISOString(),
  };
  return {
    kind: 'change',
    op,
    table: 'voters',
    source,
    key: { id: String(id) },
    keyColumns: ['id'],
    before: null,
    after,
    position: { kind: 'postgres', parts: [lsn, 0n] },
    tsMs: 1_767_600_000_000 + Number(lsn),
    columns,
    unavailable: new Set(),
    snapshot: false,
    flattened: false,
    record: { topic: 'bench.public.voters', partition: 0, offset: String(lsn) },
  };
}

async function open(at: string): Promise<{ table: SilverTable; db: Database; storage: Storage }> {
  const db = new Database(resolve(at, 'lakehouse.db'), { create: true });
  db.run('PRAGMA journal_mode = WAL');
  db.run('PRAGMA synchronous = NORMAL');
  const storage = new LocalStorage(resolve(at, 'silver'));
  return { table: await SilverTable.open(storage.at('voters'), db, 'voters', [], mode), db, storage };
}

if (!existsSync(resolve(dir, 'complete'))) {
  const building = `${dir}.building`;
  rmSync(building, { recursive: true, force: true });
  mkdirSync(building, { recursive: true });
  const { table, db } = await open(building);
  const started = performance.now();
  for (let start = 0, version = 1; start < rows; start += BUILD_BATCH, version++) {
    const events: ChangeEvent[] = [];
    for (let id = start; id < Math.min(rows, start + BUILD_BATCH); id++) events.push(event(id, BigInt(id + 1), 'c'));
    await table.apply(events, version);
    console.log(`built ${Math.min(rows, start + BUILD_BATCH).toLocaleString()} rows (${((performance.now() - started) / 1000).toFixed(0)} s)`);
  }
  db.close();
  await Bun.write(resolve(building, 'complete'), '');
  rmSync(dir, { recursive: true, force: true });
  renameSync(building, dir);
}

const { table, db, storage } = await open(dir);
const sizes = async () => new Map((await storage.list('voters', { recursive: true })).map((f) => [f.path, f.size]));
console.log(
  `${table.writeMode} table: ${table.rowCount.toLocaleString()} rows, ${table.snapshot.files().length} data files, version ${table.snapshot.version}`,
);
let lsn = BigInt(rows) * 10n + BigInt(table.snapshot.version) * 1_000_000n;
for (let round = 0; round < rounds; round++) {
  const ids = new Set<number>();
  while (ids.size < updates) ids.add(Math.floor(Math.random() * rows));
  const events = [...ids].map((id) => event(id, ++lsn, 'u'));
  const before = await sizes();
  const t0 = performance.now();
  const result = await table.apply(events, (table.bronzeVersion ?? 0) + 1);
  const ms = performance.now() - t0;
  // The pipeline runs compaction after every batch; it must not turn into a rewrite of the table.
  const t1 = performance.now();
  const compacted = await table.compact();
  const compactMs = performance.now() - t1;
  const written = [...(await sizes())].filter(([path, size]) => before.get(path) !== size);
  const bytes = written.reduce((n, [, size]) => n + size, 0);
  const kinds = (re: RegExp) => written.filter(([p]) => re.test(p)).reduce((n, [, s]) => n + s, 0);
  console.log(
    `${updates} random updates: commit v${result.version} in ${ms.toFixed(0)} ms, wrote ${(bytes / 1e6).toFixed(2)} MB in ${written.length} files ` +
      `(data ${(kinds(/\.parquet$/) / 1e3).toFixed(0)} KB, DVs ${(kinds(/deletion_vector/) / 1e3).toFixed(0)} KB, log ${(kinds(/_delta_log/) / 1e3).toFixed(0)} KB)` +
      (compacted === undefined ? '' : `; then compaction v${compacted} in ${compactMs.toFixed(0)} ms (bytes above include it)`),
  );
}
db.close();
