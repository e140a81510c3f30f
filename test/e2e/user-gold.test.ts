/**
 * User gold through the compiled ./lakehouse: a source whose tables are named like the demo's
 * (voters, polls, ballots) but hold other columns gets no demo gold and no error; the same records
 * with a config file's [gold.NAME] tables and a --gold folder get exactly those, equal to their
 * SELECT; a definition naming an unknown column stops the run with one line and exit 2; `gold check`
 * says each definition's strategy.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { binary, ensureBinary } from '../support/binary.ts';

const work = mkdtempSync(join(tmpdir(), 'lh-e2e-gold-'));
beforeAll(ensureBinary, 120_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

function lakehouse(...args: string[]) {
  const r = Bun.spawnSync([binary, ...args], { cwd: work, env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.exitCode, out: r.stdout.toString(), err: r.stderr.toString() };
}

/** Flattened Debezium records (ExtractNewRecordState) of a shop that happens to name tables like the demo. */
function records(): string {
  let offset = 0;
  const lines: string[] = [];
  const put = (table: string, op: 'c' | 'u' | 'd', row: Record<string, unknown>) => {
    const value = { ...row, __op: op, __lsn: offset + 1, __source_ts_ms: 1_767_600_000_000 + offset, __db: 'shop', __deleted: op === 'd' ? 'true' : 'false' };
    lines.push(
      JSON.stringify({
        topic: `shop.public.${table}`,
        partition: 0,
        offset: String(offset++),
        timestamp: 1_767_600_000_000,
        key: JSON.stringify({ id: row.id }),
        value: JSON.stringify(value),
      }),
    );
  };
  for (let i = 1; i <= 40; i++) put('voters', 'c', { id: i, shoe_size: 36 + (i % 9), store: `s${i % 4}` });
  for (let i = 1; i <= 60; i++) put('polls', 'c', { id: i, voter: 1 + (i % 40), amount: i * 3 });
  for (let i = 1; i <= 10; i++) put('polls', 'u', { id: i, voter: 1 + (i % 40), amount: 1000 + i });
  for (let i = 11; i <= 15; i++) put('polls', 'd', { id: i, voter: 1 + (i % 40), amount: i * 3 });
  for (let i = 1; i <= 5; i++) put('ballots', 'c', { id: i, colour: i % 2 ? 'red' : 'blue' });
  return lines.join('\n') + '\n';
}

test('tables named like the demo with other columns: exit 0, correct silver, no demo gold', () => {
  const file = join(work, 'shop.ndjson');
  writeFileSync(file, records());
  const data = join(work, 'plain');
  const r = lakehouse('ingest', '--data', data, file);
  expect(r.err).toBe('');
  expect(r.code).toBe(0);
  expect(lakehouse('query', '--data', data, 'SELECT count(*) AS n, sum(amount) AS total FROM polls', '--format', 'ndjson').out.trim()).toBe(
    JSON.stringify({
      n: 55,
      total:
        [...Array(60).keys()]
          .map((i) => i + 1)
          .filter((i) => i > 15)
          .reduce((s, i) => s + i * 3, 0) + [...Array(10).keys()].reduce((s, i) => s + 1001 + i, 0),
    }),
  );
  expect(existsSync(join(data, 'gold')) ? readdirSync(join(data, 'gold')) : []).toEqual([]);
}, 120_000);

test('gold from the config file and a --gold folder equals its SELECT; gold check says the strategies; a bad column is one line, exit 2', () => {
  const file = join(work, 'shop.ndjson');
  writeFileSync(file, records());
  const config = join(work, 'lakehouse.toml');
  writeFileSync(
    config,
    `[gold.spend_per_store]
sql = "SELECT v.store, sum(p.amount) AS spend, count(*) AS orders FROM polls p JOIN voters v ON v.id = p.voter GROUP BY v.store"
description = "order amounts per store"
`,
  );
  const dir = join(work, 'gold-sql');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'sizes.sql'), 'SELECT shoe_size, count(*) AS voters FROM voters GROUP BY shoe_size\n');
  const data = join(work, 'with-gold');
  const r = lakehouse('ingest', '--data', data, '--config', config, '--gold', dir, file);
  expect(r.err).toContain('gold sizes waits for voters'); // a fresh folder: its sources come with the records
  expect(r.code).toBe(0);
  expect(readdirSync(join(data, 'gold')).sort()).toEqual(['sizes', 'spend_per_store']);
  // Values compared as text: the gold table's long columns answer as text (int64's encoding), the SELECT's computed sums as numbers.
  const rows = (sql: string) =>
    lakehouse('query', '--data', data, sql, '--format', 'ndjson')
      .out.trim()
      .split('\n')
      .map((line) => JSON.stringify(Object.entries(JSON.parse(line) as Record<string, unknown>).map(([k, v]) => [k, String(v)])))
      .sort();
  expect(rows('SELECT * FROM spend_per_store')).toEqual(
    rows('SELECT v.store, sum(p.amount) AS spend, count(*) AS orders FROM polls p JOIN voters v ON v.id = p.voter GROUP BY v.store'),
  );
  const cat = lakehouse('cat', 'gold/spend_per_store', '--data', data, '--format', 'ndjson').out.trim().split('\n');
  expect(cat.length).toBe(4);

  const check = lakehouse('gold', 'check', '--data', data, '--config', config, '--gold', dir);
  expect(check.code).toBe(0);
  expect(check.out).toContain('spend_per_store: incremental, key (store), reads polls, voters');
  expect(check.out).toContain('sizes: incremental, key (shoe_size), reads voters');

  writeFileSync(join(dir, 'bad.sql'), 'SELECT colour, count(*) AS n, sum(price) AS p FROM ballots GROUP BY colour\n');
  const bad = lakehouse('ingest', '--data', data, '--gold', dir, file);
  expect(bad.code).toBe(2);
  expect(bad.err.split('\n')[0]).toBe("error config: gold bad: unknown column 'price' (columns: id, colour)");
}, 120_000);
