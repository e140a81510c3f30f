/**
 * Helpers for gold tests: run the embedded simulator through a pipeline until drained, and recompute
 * gold from scratch over the silver Delta tables (not the serving copy) in a fresh SQLite database.
 */
import { Database } from 'bun:sqlite';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { silentLogger } from '../../../src/core/log.ts';
import { Pipeline } from '../../../src/pipeline/index.ts';
import { EmbeddedSource } from '../../../src/source/embedded/embedded.ts';
import { LocalStorage } from '../../../src/storage/index.ts';
import { Snapshot, scan, type DataType } from '../../../src/delta/index.ts';
import { votersBookGold, CHANGE_LEDGER } from '../../../src/gold/index.ts';

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** Runs `ops` simulator operations through a pipeline in `dataDir` and waits until all are applied. */
export async function simulate(dataDir: string, ops: number, seed = 7): Promise<void> {
  const pipeline = await Pipeline.open({ gold: votersBookGold, dataDir, log: silentLogger });
  const source = await EmbeddedSource.open({
    dbPath: join(dataDir, 'embedded', 'voters-book.db'),
    rate: 0,
    seed,
    ops,
    flush: { maxLatencyMs: 20, maxRecords: 300 },
  });
  const stop = new AbortController();
  const running = source.run((records) => pipeline.process(records).then(() => {}), pipeline.resumePositions(), stop.signal);
  let simulatorDone = false;
  source.simulator!.then(() => (simulatorDone = true));
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline && !(simulatorDone && source.lag() === 0)) await Bun.sleep(25);
  stop.abort();
  await running;
  pipeline.close();
}

const affinity = (t: DataType) =>
  t === 'long' || t === 'integer' || t === 'short' || t === 'byte' || t === 'boolean' ? 'INTEGER' : t === 'double' || t === 'float' ? 'REAL' : 'TEXT';

/** Loads a Delta table's rows at its latest version into a SQLite table named `name`. */
export async function loadDelta(db: Database, name: string, path: string): Promise<void> {
  const storage = new LocalStorage(path);
  const snap = await Snapshot.open(storage);
  const fields = snap.schema.fields;
  db.run(`CREATE TABLE ${quote(name)} (${fields.map((f) => `${quote(f.name)} ${affinity(f.type)}`).join(', ')})`);
  const insert = db.query(`INSERT INTO ${quote(name)} VALUES (${fields.map(() => '?').join(', ')})`);
  for await (const row of scan(snap, storage)) {
    insert.run(
      ...(fields.map((f) => {
        const v = row[f.name];
        return v !== null && typeof v === 'object' ? JSON.stringify(v) : typeof v === 'boolean' ? Number(v) : (v ?? null);
      }) as never[]),
    );
  }
}

/** Rows of a Delta table, as canonical JSON lines sorted. */
export async function deltaLines(path: string): Promise<string[]> {
  const storage = new LocalStorage(path);
  const rows: string[] = [];
  for await (const r of scan(await Snapshot.open(storage), storage)) rows.push(JSON.stringify(r));
  return rows.sort();
}

/**
 * Every published gold table recomputed from scratch: silver's Delta tables loaded into a fresh
 * database, intermediate steps as views over their SELECT, and the change ledger copied (it is the
 * history change_activity aggregates, which silver's latest state cannot tell).
 */
export async function recomputeGold(dataDir: string): Promise<Map<string, string[]>> {
  const db = new Database(':memory:');
  try {
    for (const name of ['voters', 'polls', 'ballots']) {
      if (existsSync(join(dataDir, 'silver', name))) await loadDelta(db, name, join(dataDir, 'silver', name));
    }
    db.run(`ATTACH DATABASE ? AS live`, [join(dataDir, 'lakehouse.db')]);
    db.run(`CREATE TABLE ${quote(CHANGE_LEDGER)} AS SELECT * FROM live.${quote(CHANGE_LEDGER)}`);
    db.run('DETACH DATABASE live');
    const out = new Map<string, string[]>();
    for (const def of votersBookGold) {
      if (def.publish === false) {
        db.run(`CREATE VIEW ${quote(def.name)} AS ${def.sql}`);
        continue;
      }
      const rows = db.query(`SELECT * FROM (${def.sql})`).all() as Record<string, unknown>[];
      const columns = (await Snapshot.open(new LocalStorage(join(dataDir, 'gold', def.name)))).schema.fields;
      out.set(
        def.name,
        rows
          .map((r) =>
            JSON.stringify(Object.fromEntries(columns.map((c) => [c.name, c.type === 'long' && r[c.name] != null ? String(r[c.name]) : (r[c.name] ?? null)]))),
          )
          .sort(),
      );
    }
    return out;
  } finally {
    db.close();
  }
}
