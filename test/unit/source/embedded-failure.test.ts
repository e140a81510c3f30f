import { expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedSource } from '../../../src/source/embedded/embedded.ts';

test('a delivery that fails ends the embedded source with that error, rather than stalling until a stop', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lh-embedded-'));
  try {
    const source = await EmbeddedSource.open({ dbPath: join(dir, 'book.db'), rate: 200, seed: 3 });
    const never = new AbortController(); // nobody asks it to stop
    let deliveries = 0;
    const run = source.run(
      async () => {
        deliveries++;
        throw new Error('conflict: concurrent commit removed the file');
      },
      new Map(),
      never.signal,
    );
    await expect(run).rejects.toThrow('conflict: concurrent commit removed the file');
    expect(deliveries).toBe(1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
