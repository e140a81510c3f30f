/**
 * Derived incremental maintenance equals recomputation: for generated tables and generated batches of
 * inserts, updates and deletes (several per batch, both tables at once), every gold table's rows after
 * each batch equal its SELECT run from scratch. Covers each shape derivation follows (single-table
 * GROUP BY with every aggregate, equi-join, latest row per key with a LEFT JOIN, gold over gold) and
 * one recomputed whole.
 */
import { Database } from 'bun:sqlite';
import { afterAll, expect, test } from 'bun:test';
import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { field } from '../../../src/delta/schema.ts';
import { GoldTable, refreshGold, type GoldDefinition } from '../../../src/gold/index.ts';
import { LocalStorage } from '../../../src/storage/index.ts';
import { migrate } from '../../../src/state/schema.ts';

const dir = mkdtempSync(join(tmpdir(), 'lh-gold-prop-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const definitions: GoldDefinition[] = [
  {
    name: 'per_g',
    sql: `SELECT g, count(*) AS n, sum(v) AS s, min(v) AS lo, max(v) AS hi, avg(v) AS mean, count(DISTINCT h) AS hs FROM a GROUP BY g`,
  },
  { name: 'per_g_h', sql: `SELECT g, h, sum(v) AS s FROM a WHERE v > 0 GROUP BY g, h HAVING count(*) > 1` },
  { name: 'per_name', sql: `SELECT b.name, count(*) AS n, sum(a.v) AS s FROM a JOIN b ON a.h = b.id GROUP BY b.name` },
  { name: 'rows_joined', sql: `SELECT a.id, a.g, b.name FROM a JOIN b ON b.id = a.h`, key: ['id'] },
  {
    name: 'latest',
    sql: `SELECT l.g, l.h, l.v, b.name FROM (SELECT g, h, v, row_number() OVER (PARTITION BY g, h ORDER BY v DESC, id DESC) AS rn FROM a) AS l
          LEFT JOIN b ON b.id = l.h WHERE l.rn = 1`,
  },
  {
    name: 'top_two',
    sql: `SELECT l.id, l.g, l.v FROM (SELECT id, g, v, rank() OVER (PARTITION BY g ORDER BY v DESC) AS rk FROM a) AS l WHERE l.rk <= 2`,
    key: ['id'],
  },
  { name: 'latest_per_name', sql: `SELECT name, count(*) AS n, max(v) AS top FROM latest GROUP BY name` },
  { name: 'whole', sql: `SELECT g, count(*) AS n FROM a WHERE h IN (SELECT id FROM b WHERE name <> 'x') GROUP BY g` },
];

const schemas = (relation: string) =>
  relation === 'a'
    ? [field('id', 'long'), field('g', 'string'), field('h', 'long'), field('v', 'long')]
    : relation === 'b'
      ? [field('id', 'long'), field('name', 'string')]
      : undefined;

type Op = { table: 'a'; id: number; row: { g: string; h: number; v: number } | null } | { table: 'b'; id: number; row: { name: string } | null };
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    table: fc.constant('a' as const),
    id: fc.integer({ min: 1, max: 30 }),
    row: fc.option(fc.record({ g: fc.constantFrom('p', 'q', 'r', 's'), h: fc.integer({ min: 1, max: 6 }), v: fc.integer({ min: -5, max: 20 }) }), { freq: 4 }),
  }),
  fc.record({
    table: fc.constant('b' as const),
    id: fc.integer({ min: 1, max: 6 }),
    row: fc.option(fc.record({ name: fc.constantFrom('x', 'y', 'z') }), { freq: 4 }),
  }),
);

let run = 0;
async function check(batches: Op[][]): Promise<void> {
  const db = new Database(':memory:');
  migrate(db);
  db.run('CREATE TABLE a (id INTEGER PRIMARY KEY, g TEXT, h INTEGER, v INTEGER)');
  db.run('CREATE TABLE b (id INTEGER PRIMARY KEY, name TEXT)');
  const tables: GoldTable[] = [];
  const lookup = (r: string) => tables.find((t) => t.name === r)?.columns ?? schemas(r);
  for (const def of definitions) tables.push(await GoldTable.open(new LocalStorage(join(dir, String(run++))), db, { ...def, publish: false }, lookup));
  for (const batch of batches) {
    const changes = [];
    db.run('BEGIN');
    for (const op of batch) {
      const before = db.query(`SELECT * FROM ${op.table} WHERE id = ?`).get(op.id) as Record<string, unknown> | null;
      db.query(`DELETE FROM ${op.table} WHERE id = ?`).run(op.id);
      if (op.row) {
        const row = { id: op.id, ...op.row } as Record<string, string | number>;
        const cols = Object.keys(row);
        db.query(`INSERT INTO ${op.table} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`).run(...cols.map((c) => row[c]!));
      }
      const after = db.query(`SELECT * FROM ${op.table} WHERE id = ?`).get(op.id) as Record<string, unknown> | null;
      changes.push({ table: op.table, op: after ? (before ? 'u' : 'c') : 'd', key: { id: op.id }, before, after, position: '0', tsMs: 0 } as const);
    }
    refreshGold(tables, { changes, ledger: [] });
    db.run('COMMIT');
    for (const g of tables) {
      const kept = (db.query(`SELECT * FROM "${g.name}"`).all() as unknown[]).map((r) => JSON.stringify(r)).sort();
      const recomputed = g
        .recompute()
        .map((r) => JSON.stringify(r))
        .sort();
      expect({ name: g.name, rows: kept }).toEqual({ name: g.name, rows: recomputed });
    }
  }
  db.close();
}

test('the derived strategies: every shape but the last is incremental', async () => {
  const db = new Database(':memory:');
  const strategies = await Promise.all(
    definitions.map(async (d) => (await GoldTable.open(new LocalStorage(join(dir, 'plan')), db, { ...d, publish: false }, schemas)).plan.strategy),
  );
  expect(strategies).toEqual(['incremental', 'incremental', 'incremental', 'incremental', 'incremental', 'incremental', 'incremental', 'whole']);
  db.close();
});

test('incremental refresh equals recomputation for generated batches over generated tables', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(fc.array(opArb, { minLength: 1, maxLength: 12 }), { minLength: 1, maxLength: 12 }), (batches) => check(batches)),
    { numRuns: 150 },
  );
}, 120_000);
