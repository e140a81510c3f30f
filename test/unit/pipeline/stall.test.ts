import { expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pipeline, PipelineView } from '../../../src/pipeline/index.ts';
import { silentLogger } from '../../../src/core/log.ts';
import { VoterStream, voter } from '../../support/voters-records.ts';

test('health says degraded, and why, while records wait and nothing commits; a commit makes it ok again', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'lh-stall-'));
  try {
    const p = await Pipeline.open({ dataDir, log: silentLogger });
    let lag = 0;
    const run = { status: 'ok' as const, source: { kind: 'file' as const }, startedAt: Date.now() - 120_000, lag: () => lag, stallAfterMs: 30_000 };
    const view = new PipelineView(p, run);
    expect(view.health().status).toBe('ok'); // idle, but nothing waits
    lag = 7_200;
    const stalled = view.health();
    expect(stalled.status).toBe('degraded');
    expect(stalled.message).toMatch(/^no commit for 1[12]\d s while the source has 7200 records waiting$/);
    const s = new VoterStream();
    await p.process([s.change('c', 1, null, voter(1, 'Avalon'))]);
    expect(view.health().status).toBe('ok');
    p.close();
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
