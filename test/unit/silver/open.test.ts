/**
 * Opening silver after a crash cut a table's first commit short: its log holds only the commit's temp
 * file. That folder is not a table yet; the table is created with its columns by its first event.
 */
import { afterEach, expect, test } from 'bun:test';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pipeline } from '../../../src/pipeline/index.ts';
import { silentLogger } from '../../../src/core/log.ts';
import { VoterStream, voter } from '../../support/voters-records.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

test('a table folder whose log holds only a temp file is not opened as a table without columns', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'lh-silver-open-'));
  dirs.push(dataDir);
  const log = join(dataDir, 'silver', 'voters', '_delta_log');
  mkdirSync(log, { recursive: true });
  writeFileSync(join(log, '.0f0e0d0c-tmp.tmp'), '{"commitInfo":{}}');
  const p = await Pipeline.open({ dataDir, log: silentLogger });
  expect(p.silver.get('voters')).toBeUndefined();
  await p.process([new VoterStream().change('c', 1, null, voter(1, 'Avalon'))]);
  const fields = p.silver.get('voters')!.snapshot.schema.fields.map((f) => f.name);
  expect(fields).toContain('city');
  p.close();
});
