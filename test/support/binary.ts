/** The compiled ./lakehouse the end-to-end tests run, built first when it is missing. */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const root = resolve(import.meta.dir, '../..');
export const binary = join(root, 'lakehouse');

/** For a beforeAll (give it ~2 minutes): `npm test` builds first, a lone `bun test` may not have. */
export function ensureBinary(): void {
  if (existsSync(binary)) return;
  const built = Bun.spawnSync(['bun', join(root, 'src/cli/build.ts')], { stdout: 'inherit', stderr: 'inherit' });
  if (built.exitCode !== 0) throw new Error('building ./lakehouse failed');
}
