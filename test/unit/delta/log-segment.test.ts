import { describe, expect, test } from 'bun:test';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { LocalStorage } from '../../../src/storage/local.ts';
import { LogSegment, parseLogFileName } from '../../../src/delta/log-segment.ts';
import { Snapshot } from '../../../src/delta/snapshot.ts';
import { scan } from '../../../src/delta/scan.ts';
import { readParquet, writeParquet } from '../../../src/parquet/index.ts';
import { commitInfo, idSchema, metaData, protocol, tempStorage, writeCommit, writeIdFile } from './table-fixture.ts';

const FIXTURE = resolve(import.meta.dir, '../../../../shared/delta-conformance/golden/basic-with-inserts-deletes-checkpoint/delta');
const LOG = '_delta_log';
const pad = (v: number) => String(v).padStart(20, '0');

/** A copy of a fixture table (classic checkpoint at v10, commits 0..13) that a test may damage. */
function copyFixture(): string {
  const dir = mkdtempSync(join(tmpdir(), 'delta-log-'));
  cpSync(FIXTURE, dir, { recursive: true });
  return dir;
}

async function ids(storage: LocalStorage): Promise<string[]> {
  const out: string[] = [];
  for await (const row of scan(await Snapshot.open(storage), storage)) out.push(String(Object.values(row)[0]));
  return out.sort();
}

describe('parseLogFileName', () => {
  test('recognises commits and every checkpoint kind, ignores the rest', () => {
    expect(parseLogFileName(`${pad(7)}.json`)).toEqual({ type: 'commit', version: 7 });
    expect(parseLogFileName(`${pad(10)}.checkpoint.parquet`)).toEqual({ type: 'checkpoint', version: 10, kind: 'classic' });
    expect(parseLogFileName(`${pad(10)}.checkpoint.0000000002.0000000003.parquet`)).toEqual({
      type: 'checkpoint',
      version: 10,
      kind: 'multi-part',
      part: 2,
      parts: 3,
    });
    expect(parseLogFileName(`${pad(2)}.checkpoint.6374b053-df23-479b-b2cf-c9c550132b49.json`)).toEqual({
      type: 'checkpoint',
      version: 2,
      kind: 'v2',
      format: 'json',
    });
    for (const name of [`${pad(7)}.crc`, `.${pad(7)}.json.crc`, '_last_checkpoint', `${pad(7)}.json.tmp`, `${pad(1)}.${pad(3)}.compacted.json`]) {
      expect(parseLogFileName(name)).toBeUndefined();
    }
  });
});

describe('LogSegment', () => {
  test('uses the newest checkpoint and only the commits after it', async () => {
    const segment = await LogSegment.build(new LocalStorage(FIXTURE));
    expect(segment.version).toBe(13);
    expect(segment.checkpoint?.version).toBe(10);
    expect(segment.commits.map((c) => c.path)).toEqual([11, 12, 13].map((v) => `${LOG}/${pad(v)}.json`));
  });

  test('time travel below the checkpoint replays commits only', async () => {
    const segment = await LogSegment.build(new LocalStorage(FIXTURE), 9);
    expect(segment.checkpoint).toBeUndefined();
    expect(segment.commits).toHaveLength(10);
  });

  test('a missing commit after the checkpoint is a gap', async () => {
    const dir = copyFixture();
    rmSync(join(dir, LOG, `${pad(12)}.json`));
    await expect(LogSegment.build(new LocalStorage(dir))).rejects.toThrow('commit 12 is missing');
  });

  test('a log that starts after 0 with no checkpoint cannot be reconstructed', async () => {
    const dir = copyFixture();
    rmSync(join(dir, LOG, `${pad(10)}.checkpoint.parquet`));
    rmSync(join(dir, LOG, `${pad(0)}.json`));
    await expect(LogSegment.build(new LocalStorage(dir))).rejects.toThrow('cannot be reconstructed');
  });

  test('an empty or corrupt _last_checkpoint does not matter', async () => {
    const expected = await ids(new LocalStorage(FIXTURE));
    for (const content of ['', '{not json', '{"version": 99, "size": 1}']) {
      const dir = copyFixture();
      writeFileSync(join(dir, LOG, '_last_checkpoint'), content);
      expect(await ids(new LocalStorage(dir))).toEqual(expected);
    }
  });

  test('reads a complete multi-part checkpoint and skips an incomplete one', async () => {
    const expected = await ids(new LocalStorage(FIXTURE));
    const dir = copyFixture();
    const classic = join(dir, LOG, `${pad(10)}.checkpoint.parquet`);
    const table = readParquet(new Uint8Array(readFileSync(classic)));
    rmSync(classic);
    const part = (n: number) => join(dir, LOG, `${pad(10)}.checkpoint.000000000${n}.0000000002.parquet`);
    writeFileSync(part(1), writeParquet(table.slice(0, 5)));
    writeFileSync(part(2), writeParquet(table.slice(5)));
    const storage = new LocalStorage(dir);
    const segment = await LogSegment.build(storage);
    expect(segment.checkpoint?.kind).toBe('multi-part');
    expect(segment.checkpoint?.parts).toHaveLength(2);
    expect(await ids(storage)).toEqual(expected);

    // Without part 2 the checkpoint is unusable; the reader falls back to replaying commits 0..13.
    rmSync(part(2));
    const fallback = await LogSegment.build(storage);
    expect(fallback.checkpoint).toBeUndefined();
    expect(await ids(storage)).toEqual(expected);
  });

  test('.crc files and a stray .tmp/ commit are ignored', async () => {
    const storage = tempStorage();
    await writeCommit(storage, 0, [protocol(), metaData(idSchema), commitInfo(1000)]);
    await storage.write(`${LOG}/${pad(0)}.crc`, '{}');
    await storage.write(`${LOG}/.tmp/${pad(1)}.json`, 'garbage');
    const segment = await LogSegment.build(storage);
    expect(segment.version).toBe(0);
    expect(segment.commits).toHaveLength(1);
  });

  test('a missing table and a missing version are not_found', async () => {
    const storage = tempStorage();
    await expect(LogSegment.build(storage)).rejects.toMatchObject({ code: 'not_found' });
    await writeCommit(storage, 0, [protocol(), metaData(idSchema), await writeIdFile(storage, 'a.parquet', [1])]);
    await expect(LogSegment.build(storage, 3)).rejects.toMatchObject({ code: 'not_found', message: expect.stringContaining('the latest is 0') });
  });
});
