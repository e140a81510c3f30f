/**
 * User gold over a non-demo source on the real stack: pgbench's tables in PostgreSQL, captured by the
 * Debezium PostgreSQL connector into Kafka, served by `lakehouse serve --kafka` with gold definitions
 * from a --gold folder. `pgbench -i` loads the tables (primary keys before the data),
 * `pgbench -T 30` runs its TPC-B-like transactions; after quiescence each published gold Delta table
 * equals the same SELECT run in PostgreSQL, the keyed tables hold PostgreSQL's rows, and
 * pgbench_history, which has no primary key (its records carry no Kafka key), is appended: one silver
 * row per inserted row, without a log line per record.
 *
 * If the stack cannot start, the suite fails with the launcher's message: nothing is skipped.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SQL } from 'bun';
import { LakehouseServer, freePort, lakehouse, pgbench as runPgbench, stackDown, stackUp, type Stack } from './real-stack-support.ts';

const stackEnv = {
  LAKEHOUSE_STACK_DIR: join(tmpdir(), 'lakehouse-pgbench-gold-test'),
  PG_PORT: '25462',
  KAFKA_PORT: '29122',
  KAFKA_CONTROLLER_PORT: '29123',
  CONNECT_PORT: '28113',
};
const dataDir = mkdtempSync(join(tmpdir(), 'lh-pgbench-gold-'));
const goldDir = join(dataDir, 'gold-sql');

/** Each definition, and the same question asked of PostgreSQL in the canonical encoding (longs as text). */
const definitions = {
  balance_per_branch: {
    gold: 'SELECT bid, sum(abalance) AS balance, count(*) AS accounts FROM pgbench_accounts GROUP BY bid',
    postgres: 'SELECT bid, sum(abalance)::text AS balance, count(*)::text AS accounts FROM pgbench_accounts GROUP BY bid',
  },
  tellers_with_branch: {
    gold: '-- key: tid\nSELECT t.tid, t.bid, t.tbalance, b.bbalance FROM pgbench_tellers t JOIN pgbench_branches b ON b.bid = t.bid',
    postgres: 'SELECT t.tid, t.bid, t.tbalance, b.bbalance FROM pgbench_tellers t JOIN pgbench_branches b ON b.bid = t.bid',
  },
};

let stack: Stack;
let sql: SQL;
let server: LakehouseServer;
let failed = false;

beforeAll(async () => {
  await stackDown(stackEnv, '--purge');
  stack = await stackUp(stackEnv);
  sql = new SQL(stack.PG_URL);
  mkdirSync(goldDir, { recursive: true });
  for (const [name, d] of Object.entries(definitions)) writeFileSync(join(goldDir, `${name}.sql`), d.gold + '\n');
  server = new LakehouseServer(dataDir, freePort(), stack.KAFKA_BROKERS, join(dataDir, 'serve.log'), 'votersbook\\..*', ['--gold', goldDir]);
  await server.start();
}, 20 * 60_000);

afterAll(async () => {
  await server?.stop().catch(() => {});
  await sql?.close();
  await stackDown(stackEnv, ...(failed ? [] : ['--purge']));
  if (failed) console.log(`[pgbench-gold] kept for inspection: ${dataDir}, stack logs in ${stackEnv.LAKEHOUSE_STACK_DIR}/logs`);
  else rmSync(dataDir, { recursive: true, force: true });
}, 180_000);

const pgbench = (...args: string[]) => runPgbench(stack.PG_URL, ...args);

const canonical = (rows: Record<string, unknown>[]) =>
  rows.map((r) => JSON.stringify(Object.fromEntries(Object.entries(r).sort(([a], [b]) => (a < b ? -1 : 1))))).sort();

async function goldRows(name: string): Promise<string[]> {
  const out = await lakehouse(['cat', `gold/${name}`, '--data', dataDir, '--format', 'ndjson']).catch(() => '');
  return canonical(
    out
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>),
  );
}

test(
  'after pgbench -i and pgbench -T 30, every gold table equals its SELECT in PostgreSQL',
  async () => {
    try {
      pgbench('-i', '-I', 'dtpg', '-s', '1');
      const run = pgbench('-T', '30', '-c', '2', '-j', '1', '-n');
      console.log(`[pgbench-gold] ${run.split('\n').find((l) => l.startsWith('number of transactions actually processed')) ?? run}`);
      const expected = new Map<string, string[]>();
      for (const [name, d] of Object.entries(definitions)) expected.set(name, canonical((await sql.unsafe(d.postgres)) as Record<string, unknown>[]));
      expect(expected.get('balance_per_branch')!.length).toBe(1);
      expect(expected.get('tellers_with_branch')!.length).toBe(10);
      // Quiescence: the source is idle; wait until lakehouse has caught up (or report the difference).
      const deadline = Date.now() + 10 * 60_000;
      let actual = new Map<string, string[]>();
      while (Date.now() < deadline) {
        actual = new Map(await Promise.all(Object.keys(definitions).map(async (n) => [n, await goldRows(n)] as const)));
        if ([...expected].every(([n, rows]) => JSON.stringify(actual.get(n)) === JSON.stringify(rows))) break;
        await Bun.sleep(2000);
      }
      for (const name of Object.keys(definitions)) expect({ name, rows: actual.get(name) }).toEqual({ name, rows: expected.get(name) });
      const health = (await (await fetch(`${server.url}/health`)).json()) as { degradedGold?: unknown };
      expect(health.degradedGold).toBeUndefined();
      const check = await lakehouse(['gold', 'check', '--data', dataDir, '--gold', goldDir]);
      expect(check).toContain('balance_per_branch: incremental');
      expect(check).toContain('tellers_with_branch: incremental');

      // Silver: each table's row count is PostgreSQL's (the gold above compares the values); the
      // keyless pgbench_history is appended, and the API says so.
      const counts = async () => {
        const { tables } = (await (await fetch(`${server.url}/api/tables`)).json()) as { tables: { name: string; rows: number; key?: unknown }[] };
        return new Map(tables.map((t) => [t.name, t]));
      };
      const pgCounts = new Map<string, number>();
      for (const t of ['pgbench_accounts', 'pgbench_tellers', 'pgbench_branches', 'pgbench_history'])
        pgCounts.set(t, Number(((await sql.unsafe(`SELECT count(*)::int AS n FROM ${t}`)) as { n: number }[])[0]!.n));
      expect(pgCounts.get('pgbench_history')).toBeGreaterThan(0);
      let silver = await counts();
      for (let i = 0; i < 60 && [...pgCounts].some(([t, n]) => silver.get(t)?.rows !== n); i++) {
        await Bun.sleep(2000);
        silver = await counts();
      }
      for (const [t, n] of pgCounts) expect({ table: t, rows: silver.get(t)?.rows }).toEqual({ table: t, rows: n });
      expect(silver.get('pgbench_history')?.key).toEqual({ mode: 'keyless', columns: [] });
      expect(silver.get('pgbench_accounts')?.key).toEqual({ mode: 'keyed', columns: ['aid'] });
      // No per-record flood: the serve log mentions the keyless table a handful of times at most.
      const mentions = readFileSync(join(dataDir, 'serve.log'), 'utf8')
        .split('\n')
        .filter((l) => l.includes('pgbench_history'));
      console.log(`[pgbench-gold] pgbench_history: ${silver.get('pgbench_history')?.rows} rows appended; ${mentions.length} serve log lines mention it`);
      expect(mentions.length).toBeLessThan(20);
    } catch (err) {
      failed = true;
      throw err;
    }
  },
  20 * 60_000,
);
