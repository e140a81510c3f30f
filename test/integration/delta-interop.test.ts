/**
 * Tables written by our writer, read by other engines: delta-rs (python `deltalake`) and, when it can
 * start, Spark with delta-spark. Each engine must return exactly the rows our reader's scan returns,
 * at the latest version and at an older one. Tables cover: all data types, partitions (with nulls and
 * characters that need escaping), deletion vectors, OPTIMIZE, VACUUM, several checkpoints with log
 * cleanup, and column mapping with timestamp_ntz.
 */
import { beforeAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, utimesSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalStorage } from '../../src/storage/local.ts';
import { DeltaTable } from '../../src/delta/commit.ts';
import { Snapshot } from '../../src/delta/snapshot.ts';
import { scan, type Row } from '../../src/delta/scan.ts';
import { field, struct, type StructType } from '../../src/delta/schema.ts';
import { optimize, vacuum } from '../../src/delta/maintenance.ts';
import { cleanupExpiredLogs } from '../../src/delta/log-cleanup.ts';
import { installPythonDeps } from './moto-server.ts';

const allTypes: StructType = struct([
  field('id', 'long', false),
  field('name', 'string'),
  field('city', 'string'),
  field('birth', 'date'),
  field('registered', 'timestamp'),
  field('amount', 'decimal(10,2)'),
  field('big', 'decimal(25,3)'),
  field('score', 'double'),
  field('ratio', 'float'),
  field('active', 'boolean'),
  field('small', 'short'),
  field('tiny', 'byte'),
  field('count', 'integer'),
  field('blob', 'binary'),
  field('tags', { type: 'array', elementType: 'string', containsNull: true }),
  field('attrs', { type: 'map', keyType: 'string', valueType: 'integer', valueContainsNull: true }),
  field('address', struct([field('street', 'string'), field('zip', 'integer')])),
]);

const cities = ['Oslo', 'São Paulo', 'a/b=c%', null, 'New York'];
function voterRows(from: number, count: number): Record<string, unknown>[] {
  return Array.from({ length: count }, (_, k) => {
    const i = from + k;
    return {
      id: i,
      name: i % 7 === 3 ? null : `voter ${i} ${'x'.repeat(i % 40)}`,
      city: cities[i % cities.length],
      birth: `19${50 + (i % 50)}-0${1 + (i % 9)}-1${i % 10}`,
      registered: `2024-0${1 + (i % 9)}-02T03:04:05.${String(123456 + i).padStart(6, '0')}Z`,
      amount: `${i * 3}.${String(i % 100).padStart(2, '0')}`,
      big: i % 5 === 0 ? null : `-12345678901234567890.${String(i % 1000).padStart(3, '0')}`,
      score: i % 11 === 0 ? NaN : i / 3,
      ratio: i / 7,
      active: i % 3 === 0 ? null : i % 2 === 0,
      small: i % 30000,
      tiny: (i % 256) - 128,
      count: i * 1000,
      blob: i % 4 === 0 ? null : new Uint8Array([i & 255, 0, 255]),
      tags: i % 6 === 0 ? null : ['a', null, `t${i}`].slice(0, i % 4),
      attrs: i % 5 === 1 ? null : { k1: i, k2: null },
      address: i % 8 === 0 ? null : { street: `Main ${i}`, zip: i % 3 === 0 ? null : 10000 + i },
    };
  });
}

interface Case {
  name: string;
  path: string;
  versions: number[];
}
const cases: Case[] = [];
const root = mkdtempSync(join(tmpdir(), 'delta-interop-'));

async function append(table: DeltaTable, rows: Record<string, unknown>[]) {
  const tx = table.transaction({ operation: 'WRITE', operationParameters: { mode: 'Append' } });
  await tx.writeRows(rows);
  return tx.commit();
}

async function ourRows(path: string, version: number): Promise<Row[]> {
  const storage = new LocalStorage(path);
  const out: Row[] = [];
  for await (const row of scan(await Snapshot.open(storage, { version }), storage)) out.push(row);
  return out;
}

const canonicalSort = (rows: unknown[]) => rows.map((r) => JSON.stringify(r)).sort();

function readWith(engine: 'deltalake' | 'spark', requests: { path: string; version: number }[]): unknown[][] {
  const proc = Bun.spawnSync(['python3', join(import.meta.dir, 'read_delta.py'), engine, JSON.stringify(requests)], { stdout: 'pipe', stderr: 'pipe' });
  if (proc.exitCode !== 0) throw new Error(`${engine} failed: ${proc.stderr.toString().slice(-3000)}`);
  return JSON.parse(proc.stdout.toString());
}

beforeAll(async () => {
  installPythonDeps('spark');

  // Plain: three appends, compared at the latest version and at version 2.
  {
    const path = join(root, 'plain');
    const table = await DeltaTable.create(new LocalStorage(path), { schema: allTypes });
    for (let c = 0; c < 3; c++) await append(table, voterRows(c * 20, 20));
    cases.push({ name: 'plain', path, versions: [3, 2] });
  }
  // Partitioned by a string column with null and escaped values.
  {
    const path = join(root, 'partitioned');
    const table = await DeltaTable.create(new LocalStorage(path), { schema: allTypes, partitionColumns: ['city'] });
    await append(table, voterRows(0, 25));
    await append(table, voterRows(25, 25));
    cases.push({ name: 'partitioned', path, versions: [2, 1] });
  }
  // Deletion vectors; the same history then OPTIMIZEd; then also VACUUMed and appended to. Separate
  // copies, since VACUUM deletes the files that older versions of the same table need.
  const dvTable = async (name: string) => {
    const path = join(root, name);
    const table = await DeltaTable.create(new LocalStorage(path), {
      schema: allTypes,
      partitionColumns: ['active'],
      configuration: { 'delta.enableDeletionVectors': 'true' },
    });
    await append(table, voterRows(0, 30));
    await append(table, voterRows(30, 30));
    const tx = table.transaction({ operation: 'DELETE', operationParameters: { predicate: 'id % 4 = 1' } });
    for (const add of table.snapshot().files()) await tx.deleteRows(add, [0, 2, 3]);
    return { path, table, dvVersion: await tx.commit() };
  };
  {
    const { path, dvVersion } = await dvTable('dv');
    cases.push({ name: 'deletion vectors', path, versions: [dvVersion, dvVersion - 1] });
  }
  {
    const { path, table, dvVersion } = await dvTable('optimize');
    const { version } = await optimize(table, { targetFileSize: 64 * 1024 * 1024 });
    cases.push({ name: 'after OPTIMIZE', path, versions: [version!, dvVersion] });
  }
  {
    const { path, table } = await dvTable('vacuum');
    const { version: optimized } = await optimize(table, { targetFileSize: 64 * 1024 * 1024 });
    const { files } = await vacuum(table, { retentionHours: 0, enforceRetention: false });
    expect(files.length).toBeGreaterThan(0);
    const last = await append(table, voterRows(60, 10));
    cases.push({ name: 'after VACUUM', path, versions: [last, optimized!] });
  }
  // Several checkpoints (every 3 commits) with removes and txns, then log cleanup of aged commits.
  {
    const path = join(root, 'checkpoints');
    const storage = new LocalStorage(path);
    const table = await DeltaTable.create(storage, { schema: allTypes, configuration: { 'delta.checkpointInterval': '3' } });
    for (let c = 0; c < 10; c++) {
      const tx = table.transaction({ operation: 'WRITE' });
      await tx.writeRows(voterRows(c * 5, 5));
      if (c % 4 === 3) tx.remove(table.snapshot().files()[0]);
      tx.setTxn('interop', c);
      await tx.commit();
    }
    const logDir = join(path, '_delta_log');
    const old = (Date.now() - 40 * 86_400_000) / 1000;
    for (const f of readdirSync(logDir)) if (/^0{19}[0-3]\./.test(f)) utimesSync(join(logDir, f), old, old);
    await cleanupExpiredLogs(storage, await table.refresh());
    cases.push({ name: 'checkpoints + log cleanup', path, versions: [10, 4] });
  }
  // Column mapping (name) with timestamp_ntz: protocol (3,7) with features.
  {
    const path = join(root, 'column-mapping');
    const schema = struct([...allTypes.fields, field('local', 'timestamp_ntz')]);
    const table = await DeltaTable.create(new LocalStorage(path), { schema, configuration: { 'delta.columnMapping.mode': 'name' } });
    await append(
      table,
      voterRows(0, 10).map((r, i) => ({ ...r, local: `2020-02-0${1 + (i % 9)}T10:00:00.25` })),
    );
    await append(
      table,
      voterRows(10, 10).map((r) => ({ ...r, local: null })),
    );
    cases.push({ name: 'column mapping + timestamp_ntz', path, versions: [2, 1] });
  }
}, 600_000);

async function expectSameRows(engine: 'deltalake' | 'spark') {
  const requests = cases.flatMap((c) => c.versions.map((version) => ({ path: c.path, version })));
  const theirs = readWith(engine, requests);
  let i = 0;
  for (const c of cases) {
    for (const version of c.versions) {
      const ours = await ourRows(c.path, version);
      expect(ours.length).toBeGreaterThan(0);
      expect({ table: c.name, version, rows: canonicalSort(theirs[i++]) }).toEqual({ table: c.name, version, rows: canonicalSort(ours) });
    }
  }
}

describe('other engines read our tables', () => {
  test('delta-rs (python deltalake): every table, latest and older version, the same rows as our scan', async () => {
    await expectSameRows('deltalake');
  }, 120_000);

  test('Spark 4.2 + Delta 4.4: every table, latest and older version, the same rows as our scan', async () => {
    await expectSameRows('spark');
  }, 600_000);
});
