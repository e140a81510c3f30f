/** `lakehouse serve --host` refused by the token rule leaves --data untouched. */
import { afterAll, expect, test } from 'bun:test';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const main = resolve(import.meta.dir, '../../../src/cli/main.ts');
const parent = mkdtempSync(join(tmpdir(), 'lh-serve-host-'));
afterAll(() => rmSync(parent, { recursive: true, force: true }));

test('a --host that resolves to every interface, without a token, is refused before --data is created', async () => {
  const data = join(parent, 'data');
  // '0' is a name getaddrinfo resolves to 0.0.0.0.
  const p = Bun.spawn([process.execPath, main, 'serve', '--data', data, '--host', '0', '--port', '0'], { stdout: 'pipe', stderr: 'pipe' });
  const [stderr, code] = await Promise.all([new Response(p.stderr).text(), p.exited]);
  expect(code).toBe(2);
  expect(stderr).toContain('refusing to listen on 0 (0.0.0.0) without a token');
  expect(existsSync(data)).toBe(false);
});
