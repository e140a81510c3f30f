/** `lakehouse vacuum`'s refusal names the command's own way past it. */
import { afterAll, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { silentLogger } from '../../../src/core/log.ts';
import { Pipeline } from '../../../src/pipeline/index.ts';
import { VoterStream, voter } from '../../support/voters-records.ts';

const main = resolve(import.meta.dir, '../../../src/cli/main.ts');
const dataDir = mkdtempSync(join(tmpdir(), 'lh-vacuum-cli-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

test('a retention below the table’s is refused with a hint that names --force', async () => {
  const pipeline = await Pipeline.open({ dataDir, log: silentLogger });
  await pipeline.process([new VoterStream().change('c', 1, null, voter(1, 'Avalon'))]);
  pipeline.close();
  const p = Bun.spawn([process.execPath, main, 'vacuum', '--data', dataDir, '--retention-hours', '0', 'voters'], { stdout: 'pipe', stderr: 'pipe' });
  const [stderr, code] = await Promise.all([new Response(p.stderr).text(), p.exited]);
  expect(code).toBe(1);
  expect(stderr).toContain('pass --force only if none exist');
  expect(stderr).not.toContain('enforceRetention');
});
