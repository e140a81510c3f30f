/**
 * Per-batch cost of a derived incremental gold definition against the number of groups a batch
 * changes and the size of the source table. Tables of N rows (10 per group); each batch updates one
 * row in each of G groups; the figure is the median time of gold's refresh over 7 batches (SQLite,
 * in the batch's transaction), next to one full recomputation of the same SELECT. Publishing the
 * Delta table is not included (it rewrites the result, whose size is the number of groups). For the
 * join (groups = regions of 100 branches), the G changed branches reach min(G, regions) regions; a
 * batch reaching over a quarter of the result's groups is recomputed whole (gold.ts).
 *
 *   npx bun test/bench/gold-incremental.bench.ts
 */
import { Database } from 'bun:sqlite';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { field } from '../../src/delta/schema.ts';
import { GoldTable, refreshGold, type GoldDefinition } from '../../src/gold/index.ts';
import { migrate } from '../../src/state/index.ts';
import { LocalStorage } from '../../src/storage/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'lh-bench-gold-'));
const definitions: GoldDefinition[] = [
  { name: 'balance_per_branch', sql: 'SELECT branch, sum(balance) AS balance, count(*) AS accounts FROM accounts GROUP BY branch', publish: false },
  {
    name: 'balance_per_region',
    sql: 'SELECT b.region, sum(a.balance) AS balance FROM accounts a JOIN branches b ON b.id = a.branch GROUP BY b.region',
    publish: false,
  },
];
const schemas = (r: string) =>
  r === 'accounts'
    ? [field('id', 'long'), field('branch', 'long'), field('balance', 'long')]
    : r === 'branches'
      ? [field('id', 'long'), field('region', 'long')]
      : undefined;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function measure(rows: number, changedGroups: number[]) {
  const db = new Database(':memory:');
  migrate(db);
  const groups = rows / 10;
  db.run('CREATE TABLE accounts (id INTEGER PRIMARY KEY, branch INTEGER, balance INTEGER)');
  // Regions of 100 branches: the join definition's groups are 10x larger than its source's.
  db.run('CREATE TABLE branches (id INTEGER PRIMARY KEY, region INTEGER)');
  db.run('BEGIN');
  const ins = db.query('INSERT INTO accounts VALUES (?, ?, ?)');
  for (let i = 0; i < rows; i++) ins.run(i, i % groups, i % 1000);
  const insB = db.query('INSERT INTO branches VALUES (?, ?)');
  for (let b = 0; b < groups; b++) insB.run(b, Math.floor(b / 100));
  db.run('COMMIT');
  for (const def of definitions) {
    const tables: GoldTable[] = [];
    const lookup = (r: string) => tables.find((t) => t.name === r)?.columns ?? schemas(r);
    const g = await GoldTable.open(new LocalStorage(join(dir, def.name)), db, def, lookup);
    tables.push(g);
    let t = performance.now();
    g.refreshAll();
    const whole = performance.now() - t;
    for (const changed of changedGroups) {
      const times: number[] = [];
      for (let batch = 0; batch < 7; batch++) {
        const changes = [];
        db.run('BEGIN');
        for (let k = 0; k < changed; k++) {
          const id = (((k * groups) / changed + batch) % groups) | 0; // one row in each of `changed` groups
          const before = db.query('SELECT * FROM accounts WHERE id = ?').get(id) as Record<string, number>;
          const after = { ...before, balance: before.balance + 1 };
          db.query('UPDATE accounts SET balance = ? WHERE id = ?').run(after.balance, id);
          changes.push({ table: 'accounts', op: 'u' as const, key: { id }, before, after, position: '0', tsMs: 0 });
        }
        t = performance.now();
        refreshGold(tables, { changes, ledger: [] });
        times.push(performance.now() - t);
        db.run('COMMIT');
      }
      console.log(
        `${def.name.padEnd(20)} rows ${String(rows).padStart(9)}  changed groups ${String(changed).padStart(5)}  refresh ${median(times).toFixed(2).padStart(8)} ms  (whole recompute ${whole.toFixed(1)} ms)`,
      );
    }
  }
  db.close();
}

try {
  for (const rows of [100_000, 1_000_000]) await measure(rows, [1, 10, 100, 1000]);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
