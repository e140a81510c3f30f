/**
 * Data flows one way, and so do imports: a folder imports only from folders of a lower rank (or
 * itself). The TUI talks to the server over HTTP and imports nothing from src/.
 */
import { expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = resolve(import.meta.dir, '../..');
const rank: Record<string, number> = {
  'src/core': 0,
  'src/storage': 1,
  'src/parquet': 1,
  'src/delta': 2,
  'src/cdc': 3,
  'fake-it': 4,
  'src/bronze': 5,
  'src/silver': 5,
  'src/gold': 6,
  'src/pipeline': 7,
  'src/source': 8,
  'src/api': 8,
  'src/catalog': 8,
  'src/cli': 9,
  tui: 8,
};

const folderOf = (file: string) => {
  const rel = relative(root, file);
  return Object.keys(rank).find((f) => rel === f || rel.startsWith(f + '/'));
};

test('imports point one way', () => {
  const violations: string[] = [];
  for (const folder of Object.keys(rank)) {
    for (const rel of new Bun.Glob('**/*.{ts,tsx}').scanSync(join(root, folder))) {
      const file = join(root, folder, rel);
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s+['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g)) {
        const target = folderOf(resolve(dirname(file), m[1] ?? m[2]!));
        if (!target || target === folder) continue;
        const allowed = folder === 'tui' ? false : rank[target]! < rank[folder]!;
        if (!allowed) violations.push(`${relative(root, file)} imports ${target}`);
      }
    }
  }
  expect(violations).toEqual([]);
});
