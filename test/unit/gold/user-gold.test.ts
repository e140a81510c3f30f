/**
 * User gold over a non-demo source, through the pipeline: definitions from TOML and .sql files,
 * checked at start (unknown column: one line naming the definition, the column and the candidates),
 * waiting for a source that does not exist yet, degraded (not fatal) when a batch breaks one, recovering
 * by itself, rebuilt in one Delta version when changed, and left in place when removed.
 */
import { afterAll, expect, test } from 'bun:test';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, silentLogger } from '../../../src/core/log.ts';
import { LakehouseError } from '../../../src/core/errors.ts';
import { Pipeline } from '../../../src/pipeline/index.ts';
import { goldFromSqlFile, goldFromToml, orderGold, type GoldDefinition } from '../../../src/gold/index.ts';
import type { KafkaRecord } from '../../../src/cdc/index.ts';
import { LocalStorage } from '../../../src/storage/index.ts';
import { Snapshot, scan } from '../../../src/delta/index.ts';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'lh-user-gold-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

let offset = 0;
let lsn = 0;
/** A flattened PostgreSQL change (ExtractNewRecordState) of table `table` of a bank database. */
function change(table: string, op: 'c' | 'u' | 'd', row: Record<string, unknown>): KafkaRecord {
  lsn++;
  const value = { ...row, __op: op, __lsn: lsn, __source_ts_ms: 1_767_600_000_000 + lsn, __db: 'bank', __deleted: op === 'd' ? 'true' : 'false' };
  return {
    topic: `bank.public.${table}`,
    partition: 0,
    offset: String(offset++),
    timestamp: 1_767_600_000_000 + lsn,
    key: JSON.stringify({ id: row.id }),
    value: JSON.stringify(value),
  };
}

async function deltaRows(path: string): Promise<{ version: number; fields: string[]; rows: string[] }> {
  const storage = new LocalStorage(path);
  const snap = await Snapshot.open(storage);
  const rows: string[] = [];
  for await (const r of scan(snap, storage)) rows.push(JSON.stringify(r));
  return { version: snap.version, fields: snap.schema.fields.map((f) => `${f.name}:${String(f.type)}`), rows: rows.sort() };
}

const config = goldFromToml(
  Bun.TOML.parse(`
[gold.big_branches]
sql = "SELECT branch, balance FROM balance_per_branch WHERE balance > 100"
key = ["branch"]

[gold.balance_per_branch]
description = "balance per branch"
sql = """
SELECT branch, sum(balance) AS balance, count(*) AS accounts, avg(balance) AS mean
FROM accounts GROUP BY branch
"""
`) as Record<string, unknown>,
  'test.toml',
);

test('TOML and .sql definitions: settings, dependency order, errors that name the definition', () => {
  expect(orderGold(config).map((d) => d.name)).toEqual(['balance_per_branch', 'big_branches']);
  expect(config[0]!.key).toEqual(['branch']);
  const file = goldFromSqlFile('per_city', '-- key: city\n-- publish: false\nSELECT city, count(*) AS n FROM people GROUP BY city', 'per_city.sql');
  expect(file).toMatchObject({ name: 'per_city', key: ['city'], publish: false });
  expect(() => goldFromToml({ gold: { x: { sql: 'SELECT 1', keys: ['a'] } } }, 'f.toml')).toThrow("f.toml: [gold.x]: unknown setting 'keys'");
  expect(() =>
    orderGold([
      { name: 'a', sql: 'SELECT * FROM b' },
      { name: 'b', sql: 'SELECT * FROM a' },
    ]),
  ).toThrow('cycle: a -> b -> a');
});

test('user gold over a non-demo source: incremental rows equal the SELECT, typed from silver; a missing source waits', async () => {
  const dataDir = tempDir();
  const definitions: GoldDefinition[] = [
    ...orderGold(config),
    { name: 'accounts_with_owner', sql: 'SELECT a.id, a.branch, o.name FROM accounts a JOIN owners o ON o.id = a.owner', key: ['id'] },
    // SQL names are case-insensitive.
    { name: 'per_branch_spelled', sql: 'SELECT Branch, count(*) AS n FROM Accounts GROUP BY Branch' },
  ];
  const p = await Pipeline.open({ gold: definitions, dataDir, log: silentLogger });
  await p.process([
    change('accounts', 'c', { id: 1, branch: 'north', balance: 70, owner: 1 }),
    change('accounts', 'c', { id: 2, branch: 'north', balance: 50, owner: 2 }),
  ]);
  await p.process([
    change('accounts', 'c', { id: 3, branch: 'south', balance: 5, owner: 1 }),
    change('accounts', 'u', { id: 1, branch: 'north', balance: 90, owner: 1 }),
  ]);
  // owners does not exist yet: its definition waits, the others are kept.
  expect(p.gold.find((g) => g.name === 'accounts_with_owner')!.computed).toBe(false);
  await p.process([change('accounts', 'd', { id: 2, branch: 'north', balance: 50, owner: 2 }), change('owners', 'c', { id: 1, name: 'ann' })]);
  p.close();

  const balance = await deltaRows(join(dataDir, 'gold', 'balance_per_branch'));
  expect(balance.fields).toEqual(['branch:string', 'balance:long', 'accounts:long', 'mean:double']);
  expect(balance.rows).toEqual([
    JSON.stringify({ branch: 'north', balance: '90', accounts: '1', mean: 90 }),
    JSON.stringify({ branch: 'south', balance: '5', accounts: '1', mean: 5 }),
  ]);
  expect((await deltaRows(join(dataDir, 'gold', 'big_branches'))).rows).toEqual([]);
  expect((await deltaRows(join(dataDir, 'gold', 'per_branch_spelled'))).rows).toEqual([
    JSON.stringify({ Branch: 'north', n: '1' }),
    JSON.stringify({ Branch: 'south', n: '1' }),
  ]);
  expect((await deltaRows(join(dataDir, 'gold', 'accounts_with_owner'))).rows).toEqual([
    JSON.stringify({ id: '1', branch: 'north', name: 'ann' }),
    JSON.stringify({ id: '3', branch: 'south', name: 'ann' }),
  ]);
}, 120_000);

test('an unknown column is one line naming the definition, the column and the candidates', async () => {
  const dataDir = tempDir();
  const p = await Pipeline.open({ gold: [], dataDir, log: silentLogger });
  await p.process([change('accounts', 'c', { id: 1, branch: 'north', balance: 70 })]);
  p.close();
  const bad = { name: 'per_region', sql: 'SELECT region, count(*) AS n FROM accounts GROUP BY region' };
  const err = await Pipeline.open({ gold: [bad], dataDir, log: silentLogger }).catch((e) => e);
  expect(err).toBeInstanceOf(LakehouseError);
  expect((err as LakehouseError).code).toBe('config');
  expect((err as Error).message).toBe("gold per_region: unknown column 'region' (columns: id, branch, balance)");
}, 120_000);

test('a batch that breaks a definition degrades only that table, which recovers by itself', async () => {
  const dataDir = tempDir();
  const lines: string[] = [];
  const log = createLogger({ write: (l) => lines.push(l) });
  const definitions: GoldDefinition[] = [
    { name: 'notes_per_branch', sql: "SELECT branch, sum(json_extract(note, '$.n')) AS n FROM accounts GROUP BY branch" },
    { name: 'count_per_branch', sql: 'SELECT branch, count(*) AS accounts FROM accounts GROUP BY branch' },
  ];
  const p = await Pipeline.open({ gold: definitions, dataDir, log });
  await p.process([change('accounts', 'c', { id: 1, branch: 'north', note: '{"n": 2}' })]);
  await p.process([
    change('accounts', 'c', { id: 2, branch: 'north', note: 'not json' }),
    change('accounts', 'c', { id: 3, branch: 'south', note: '{"n": 1}' }),
  ]);
  const notes = p.gold.find((g) => g.name === 'notes_per_branch')!;
  expect(notes.degraded).toContain('malformed JSON');
  await p.process([change('accounts', 'c', { id: 4, branch: 'south', note: 'still not json' })]);
  expect(lines.filter((l) => l.includes('gold notes_per_branch degraded')).length).toBe(1);
  // Silver and the other gold table went on.
  expect((await deltaRows(join(dataDir, 'gold', 'count_per_branch'))).rows).toEqual([
    JSON.stringify({ branch: 'north', accounts: '2' }),
    JSON.stringify({ branch: 'south', accounts: '2' }),
  ]);
  expect(p.silver.get('accounts')!.rowCount).toBe(4);
  // The bad rows are fixed at the source: the table recovers.
  await p.process([
    change('accounts', 'u', { id: 2, branch: 'north', note: '{"n": 5}' }),
    change('accounts', 'd', { id: 4, branch: 'south', note: 'still not json' }),
  ]);
  expect(notes.degraded).toBeUndefined();
  expect(lines.some((l) => l.includes('gold notes_per_branch recovered'))).toBe(true);
  p.close();
  expect((await deltaRows(join(dataDir, 'gold', 'notes_per_branch'))).rows).toEqual([
    JSON.stringify({ branch: 'north', n: 7 }),
    JSON.stringify({ branch: 'south', n: 1 }),
  ]);
}, 120_000);

test('a changed definition is rebuilt in one Delta version, an unchanged one is not recomputed, a removed one keeps its Delta table', async () => {
  const dataDir = tempDir();
  const kept = { name: 'count_per_branch', sql: 'SELECT branch, count(*) AS accounts FROM accounts GROUP BY branch' };
  const changed = { name: 'balance_per_branch', sql: 'SELECT branch, sum(balance) AS balance FROM accounts GROUP BY branch' };
  const removed = { name: 'max_per_branch', sql: 'SELECT branch, max(balance) AS top FROM accounts GROUP BY branch' };
  let p = await Pipeline.open({ gold: [kept, changed, removed], dataDir, log: silentLogger });
  await p.process([change('accounts', 'c', { id: 1, branch: 'north', balance: 70 }), change('accounts', 'c', { id: 2, branch: 'south', balance: 30 })]);
  p.close();
  const before = { kept: await deltaRows(join(dataDir, 'gold', kept.name)), changed: await deltaRows(join(dataDir, 'gold', changed.name)) };

  const lines: string[] = [];
  const edited = { ...changed, sql: 'SELECT branch, sum(balance) AS balance, min(balance) AS low FROM accounts GROUP BY branch' };
  p = await Pipeline.open({ gold: [kept, edited], dataDir, log: createLogger({ write: (l) => lines.push(l) }) });
  p.close();
  const after = { kept: await deltaRows(join(dataDir, 'gold', kept.name)), changed: await deltaRows(join(dataDir, 'gold', changed.name)) };
  expect(after.kept.version).toBe(before.kept.version);
  expect(after.changed.version).toBe(before.changed.version + 1);
  expect(after.changed.fields).toEqual(['branch:string', 'balance:long', 'low:long']);
  expect(after.changed.rows).toEqual([
    JSON.stringify({ branch: 'north', balance: '70', low: '70' }),
    JSON.stringify({ branch: 'south', balance: '30', low: '30' }),
  ]);
  expect(lines.some((l) => l.includes('gold max_per_branch is no longer defined') && l.includes('Delta table stays'))).toBe(true);
  expect(existsSync(join(dataDir, 'gold', 'max_per_branch', '_delta_log'))).toBe(true);
}, 120_000);
