/**
 * `SELECT city, count(*) FROM voters GROUP BY city` over 1M silver rows. Figures only, never asserted.
 *   npx bun test/bench/api-sql-groupby.bench.ts [rows=1000000] [runs=7]
 * The serving copy is what `serve` keeps: silver's SQLite table with a live-rows view (plus the
 * metadata columns), built once from the 1M-row bench voters table into .cache/bench/, and the index
 * gold's voters_per_city declares on city. Timed three ways (median and best of `runs`, after a
 * warm-up): the statement on a read-only connection; through the query engine (a worker, JSON rows
 * streamed back); and end to end over HTTP (POST /api/query on loopback).
 */
import { Database } from 'bun:sqlite';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { LocalStorage } from '../../src/storage/local.ts';
import { Snapshot, scanFiles, readDataFile, readSchemaOf, struct } from '../../src/delta/index.ts';
import { ServingStore, metadataFields } from '../../src/silver/index.ts';
import { GoldTable, votersBookGold } from '../../src/gold/index.ts';
import { QueryEngine } from '../../src/api/sql-engine.ts';
import { createApp } from '../../src/api/index.ts';
import type { LakehouseView } from '../../src/pipeline/lakehouse-view.ts';
import { BENCH_CACHE, votersTable } from './bench-tables.ts';

const rows = Number(process.argv[2] ?? 1_000_000);
const runs = Number(process.argv[3] ?? 7);
const sql = 'SELECT city, count(*) FROM voters GROUP BY city';

async function servingCopy(): Promise<string> {
  const dataDir = join(BENCH_CACHE, `serving-voters-${rows}`);
  if (existsSync(join(dataDir, 'lakehouse.db'))) return dataDir;
  mkdirSync(dataDir, { recursive: true });
  const source = await votersTable(rows);
  const storage = new LocalStorage(source);
  const snap = await Snapshot.open(storage);
  const tmp = join(dataDir, 'building.db');
  rmSync(tmp, { force: true });
  const db = new Database(tmp, { create: true });
  db.run('PRAGMA journal_mode = WAL');
  const store = new ServingStore(db, 'voters', struct([...snap.schema.fields, ...metadataFields]));
  const schema = readSchemaOf(snap);
  db.run('BEGIN');
  for await (const file of scanFiles(snap, storage)) {
    let i = 0;
    for (const image of readDataFile(file.add, schema, undefined, file.table)) {
      store.put({
        key: `["voters",${image.id}]`,
        file: file.add.path,
        row: i++,
        position: '0',
        deleted: false,
        image: { ...image, __op: 'r', __source_ts_ms: '0' },
      });
    }
  }
  db.run('COMMIT');
  const def = votersBookGold.find((d) => d.name === 'voters_per_city')!;
  const gold = await GoldTable.open(new LocalStorage(join(dataDir, 'gold', def.name)), db, def, (r) => (r === 'voters' ? snap.schema.fields : undefined));
  gold.refreshAll(); // creates the index the definition declares
  db.close();
  renameSync(tmp, join(dataDir, 'lakehouse.db'));
  for (const ext of ['-wal', '-shm']) if (existsSync(tmp + ext)) renameSync(tmp + ext, join(dataDir, 'lakehouse.db') + ext);
  return dataDir;
}

async function time(name: string, fn: () => Promise<unknown> | unknown) {
  await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  console.log(`${name}: median ${times[Math.floor(times.length / 2)]!.toFixed(1)} ms, best ${times[0]!.toFixed(1)} ms`);
}

const dataDir = await servingCopy();
console.log(`${rows} silver voters in ${dataDir}; ${sql}`);
const db = new Database(join(dataDir, 'lakehouse.db'), { readonly: true });
console.log(`plan: ${(db.query(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[]).map((r) => r.detail).join('; ')}`);
await time('bun:sqlite, read-only connection', () => db.query(sql).all());
const engine = new QueryEngine(dataDir, 1);
await time('query engine (worker, JSON rows)', async () =>
  new Response((await engine.run(sql, { format: 'json', limit: 10_000, timeoutMs: 10_000 })).body).text(),
);
const view = { dataDir, status: () => 'ok' } as unknown as LakehouseView;
const app = createApp(view, { queryEngine: engine });
const server = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: app.fetch });
await time('HTTP POST /api/query (loopback)', async () => (await fetch(`http://127.0.0.1:${server.port}/api/query`, { method: 'POST', body: sql })).text());
server.stop(true);
engine.close();
db.close();
