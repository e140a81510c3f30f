/**
 * `lakehouse history | describe | optimize | vacuum | checkpoint`, run as `bun src/cli/main.ts` on tables
 * the Delta writer produced.
 */
import { beforeAll, describe, expect, test } from 'bun:test';
import { existsSync, mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { LocalStorage } from '../../src/storage/local.ts';
import { DeltaTable } from '../../src/delta/commit.ts';
import { LogIndex } from '../../src/delta/log-index.ts';
import { Snapshot } from '../../src/delta/snapshot.ts';
import { field, struct } from '../../src/delta/schema.ts';

const main = resolve(import.meta.dir, '../../src/cli/main.ts');
const work = mkdtempSync(join(tmpdir(), 'lh-table-cmds-'));

function lakehouse(...args: string[]) {
  const r = Bun.spawnSync([process.execPath, main, ...args], { cwd: work, env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.exitCode, out: r.stdout.toString(), err: r.stderr.toString() };
}

const schema = struct([field('id', 'long', false), field('name', 'string'), field('region', 'string')]);

/**
 * A partitioned table with deletion vectors: create, `commits` appends of 4 rows (one file of 2 rows per
 * region), then a delete of row id 0 by deletion vector.
 */
async function writeTable(dir: string, commits: number): Promise<DeltaTable> {
  const table = await DeltaTable.create(new LocalStorage(dir), {
    schema,
    partitionColumns: ['region'],
    configuration: { 'delta.enableDeletionVectors': 'true' },
    name: 'people',
  });
  for (let i = 0; i < commits; i++) {
    const tx = table.transaction({ operation: 'WRITE', operationParameters: { mode: 'Append' } });
    await tx.writeRows([0, 1, 2, 3].map((k) => ({ id: 4 * i + k, name: `n${4 * i + k}`, region: k % 2 ? 'south' : 'north' })));
    await tx.commit();
  }
  const tx = table.transaction({ operation: 'DELETE', operationParameters: { predicate: 'id = 0' } });
  await tx.deleteRows(
    table
      .snapshot()
      .files()
      .find((a) => a.partitionValues.region === 'north')!,
    [0],
  );
  await tx.commit();
  return table;
}

let plainDir: string;
beforeAll(async () => {
  plainDir = join(work, 'plain');
  await writeTable(plainDir, 4); // versions 0..5
});

describe('history', () => {
  test('lists commits newest first as a table, and as NDJSON with --limit', () => {
    const table = lakehouse('history', plainDir);
    expect(table.code).toBe(0);
    const lines = table.out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^version\s+timestamp\s+operation\s+parameters\s+engine$/);
    expect(lines.slice(2).map((l) => Number(l.split(/\s+/)[0]))).toEqual([5, 4, 3, 2, 1, 0]);
    expect(lines[2]).toContain('DELETE');
    expect(lines[7]).toContain('CREATE TABLE');

    const nd = lakehouse('history', plainDir, '--limit', '2', '--format', 'ndjson');
    expect(nd.code).toBe(0);
    const entries = nd.out
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(entries.map((e) => [e.version, e.operation])).toEqual([
      [5, 'DELETE'],
      [4, 'WRITE'],
    ]);
    expect(entries[1].operationParameters).toEqual({ mode: 'Append' });
    expect(Date.parse(entries[0].timestamp)).toBeGreaterThan(Date.parse(entries[1].timestamp) - 1);
  });
});

describe('describe', () => {
  test('shows schema, protocol, features, partitioning, files, rows and properties', () => {
    const json = lakehouse('describe', plainDir, '--format', 'json');
    expect(json.code).toBe(0);
    const d = JSON.parse(json.out);
    expect(d).toMatchObject({
      name: 'people',
      version: 5,
      protocol: { minReaderVersion: 3, minWriterVersion: 7 },
      partitionColumns: ['region'],
      files: 8,
      rows: 15,
      checkpoint: null,
      properties: { 'delta.enableDeletionVectors': 'true' },
      schema: [
        { name: 'id', type: 'long', nullable: false },
        { name: 'name', type: 'string', nullable: true },
        { name: 'region', type: 'string', nullable: true },
      ],
    });
    expect(d.features).toContain('deletionVectors');
    expect(d.readerNeeds).toEqual({ minReaderVersion: 3, features: ['deletionVectors'] });
    expect(d.sizeInBytes).toBeGreaterThan(0);

    const text = lakehouse('describe', plainDir);
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/^protocol\s+reader 3, writer 7$/m);
    expect(text.out).toMatch(/^readers need\s+reader version 3: deletionVectors$/m);
    expect(text.out).toMatch(/^partitioned by\s+region$/m);
    expect(text.out).toMatch(/^files\s+8 \(\d+(\.\d)? KiB\)$/m);
    expect(text.out).toMatch(/^rows\s+15$/m);
    expect(text.out).toMatch(/^ {2}id\s+long NOT NULL$/m);
    expect(text.out).toContain('delta.enableDeletionVectors = true');
  });

  test('a table inside --data is opened through (and indexed into) <data>/log-index.db', async () => {
    const data = join(work, 'data');
    mkdirSync(join(data, 'silver'), { recursive: true });
    const table = await writeTable(join(data, 'silver', 'people'), 12); // a checkpoint at 10
    const d = JSON.parse(lakehouse('describe', 'people', '--data', data, '--format', 'json').out);
    expect(d).toMatchObject({ version: 13, files: 24, rows: 47, checkpoint: { version: 10, kind: 'classic', parts: 1, commitsSince: 3 } });
    const index = LogIndex.open(join(data, 'log-index.db')); // created by describe
    try {
      expect(index.describe(table.storage)).toMatchObject({ version: 13, files: 24, records: 47 });
    } finally {
      index.close();
    }
  });
});

describe('maintenance', () => {
  test('optimize compacts, vacuum --dry-run lists, vacuum --force deletes, checkpoint writes', async () => {
    const dir = join(work, 'maintained');
    await writeTable(dir, 4);
    const before = await Snapshot.open(new LocalStorage(dir));

    const optimized = lakehouse('optimize', dir);
    expect(optimized.code).toBe(0);
    expect(optimized.out).toMatch(/: 8 files rewritten into 2, version 6$/m);
    expect(lakehouse('optimize', dir).out).toMatch(/^nothing to optimize in .* \(version 6\)$/m);

    const refused = lakehouse('vacuum', dir, '--retention-hours', '0');
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/^error invalid_input: vacuum retention of 0 hours is shorter than the table's 168 hours/);

    const dry = lakehouse('vacuum', dir, '--retention-hours', '0', '--force', '--dry-run');
    expect(dry.code).toBe(0);
    const listed = dry.out.trimEnd().split('\n');
    expect(listed.at(-1)).toMatch(/^would delete 9 files from /); // 8 data files and the DV file
    const old = new Set(before.files().map((a) => decodeURIComponent(a.path)));
    for (const path of listed.slice(0, -1)) expect(old.has(path) || path.startsWith('deletion_vector_')).toBe(true);
    expect(existsSync(join(dir, listed[0]!))).toBe(true);

    const vacuumed = lakehouse('vacuum', dir, '--retention-hours', '0', '--force');
    expect(vacuumed.code).toBe(0);
    expect(vacuumed.out.trimEnd().split('\n').at(-1)).toMatch(/^deleted 9 files from /);
    expect(existsSync(join(dir, listed[0]!))).toBe(false);

    const checkpoint = lakehouse('checkpoint', dir);
    expect(checkpoint.code).toBe(0);
    expect(checkpoint.out).toMatch(/at version 6: _delta_log\/00000000000000000006\.checkpoint\.parquet \(\d+ actions, \d+ bytes\)$/m);
    expect(readdirSync(join(dir, '_delta_log'))).toContain('_last_checkpoint');
    const d = JSON.parse(lakehouse('describe', dir, '--format', 'json').out);
    expect(d).toMatchObject({ version: 6, files: 2, rows: 15, checkpoint: { version: 6, commitsSince: 0 } });

    const cat = lakehouse('cat', dir, '--format', 'ndjson');
    expect(
      cat.out
        .trimEnd()
        .split('\n')
        .map((l) => Number(JSON.parse(l).id))
        .sort((a, b) => a - b),
    ).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
  });
});

describe('errors', () => {
  test('a missing table is one line and exit 1; a bad flag is a usage error, exit 2', () => {
    for (const cmd of ['history', 'describe', 'optimize', 'vacuum', 'checkpoint']) {
      const r = lakehouse(cmd, join(work, 'nope'));
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/^error not_found: no Delta table '.*nope'/);
      expect(r.out).toBe('');
    }
    const bad = lakehouse('optimize', plainDir, '--target-size', 'big');
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--target-size expects a whole number');
  });
});
