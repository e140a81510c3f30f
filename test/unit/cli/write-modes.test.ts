/** `--write-mode [TABLE=]MODE`: one mode for every new silver table, or per table. */
import { expect, test } from 'bun:test';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseWriteModes } from '../../../src/cli/write-modes.ts';
import { LocalStorage } from '../../../src/storage/index.ts';
import { Snapshot } from '../../../src/delta/index.ts';
import { votersNdjson } from '../../bench/voters-ndjson.ts';

test('parses a mode for all, per table, repeated or comma-separated; refuses anything else', () => {
  expect(parseWriteModes(undefined)).toBeUndefined();
  expect(parseWriteModes('copy-on-write')).toEqual({ all: 'copy-on-write', tables: {} });
  expect(parseWriteModes(['voters=copy-on-write', 'polls=merge-on-read,copy-on-write'])).toEqual({
    all: 'copy-on-write',
    tables: { voters: 'copy-on-write', polls: 'merge-on-read' },
  });
  for (const bad of ['voters=cow', '=copy-on-write', 'fast']) expect(() => parseWriteModes(bad)).toThrow(/--write-mode '.*': expected MODE or TABLE=MODE/);
});

test('ingest --write-mode voters=copy-on-write makes voters copy-on-write and leaves the other tables merge-on-read', async () => {
  const work = mkdtempSync(join(tmpdir(), 'lh-write-modes-'));
  const input = await votersNdjson(300, 3, join(work, 'voters.ndjson'));
  const main = resolve(import.meta.dir, '../../../src/cli/main.ts');
  const run = (...args: string[]) => Bun.spawnSync([process.execPath, main, ...args], { cwd: work, env: { ...process.env, NO_COLOR: '1' } });
  const ok = run('ingest', '--data', join(work, 'data'), '--write-mode', 'voters=copy-on-write', input);
  expect(ok.exitCode).toBe(0);
  const mode = async (t: string) => (await Snapshot.open(new LocalStorage(join(work, 'data', 'silver', t)))).tableProperties['lakehouse.writeMode'];
  expect(await mode('voters')).toBe('copy-on-write');
  expect(await mode('polls')).toBe('merge-on-read');
  const bad = run('ingest', '--data', join(work, 'other'), '--write-mode', 'voters=fast', input);
  expect(bad.exitCode).not.toBe(0);
  expect(bad.stderr.toString()).toContain("--write-mode 'voters=fast': expected MODE or TABLE=MODE");
}, 60_000);
