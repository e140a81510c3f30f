/**
 * Data flows one way, and so do imports: a folder imports only from folders of a lower rank (or
 * itself), and no module reaches itself again through its imports (type-only and dynamic ones count).
 * The TUI talks to the server over HTTP and imports nothing from src/.
 */
import { expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = resolve(import.meta.dir, '../..');
const rank: Record<string, number> = {
  'src/core': 0,
  'src/storage': 1,
  'src/parquet': 1,
  'src/state': 1,
  'src/delta': 2,
  'src/cdc': 3,
  'fake-it': 4,
  'src/catalog': 4,
  'src/iceberg': 3,
  'src/bronze': 5,
  'src/silver': 5,
  'src/gold': 6,
  'src/pipeline': 7,
  'src/source': 8,
  'src/api': 8,
  'src/cli': 9,
  tui: 8,
};

const folderOf = (file: string) => {
  const rel = relative(root, file);
  return Object.keys(rank).find((f) => rel === f || rel.startsWith(f + '/'));
};

/** Every module under the ranked folders, with the modules it imports by relative path. */
const imports = new Map<string, string[]>();
for (const folder of Object.keys(rank)) {
  for (const rel of new Bun.Glob('**/*.{ts,tsx}').scanSync(join(root, folder))) {
    const file = join(root, folder, rel);
    const text = readFileSync(file, 'utf8');
    const targets = [];
    for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s+['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g)) {
      targets.push(resolve(dirname(file), m[1] ?? m[2]!));
    }
    imports.set(file, targets);
  }
}

test('imports point one way', () => {
  const violations: string[] = [];
  for (const [file, targets] of imports) {
    const folder = folderOf(file)!;
    for (const target of targets.map(folderOf)) {
      if (!target || target === folder) continue;
      const allowed = folder === 'tui' ? false : rank[target]! < rank[folder]!;
      if (!allowed) violations.push(`${relative(root, file)} imports ${target}`);
    }
  }
  expect(violations).toEqual([]);
});

test('no import cycles', () => {
  const cycles: string[] = [];
  const done = new Set<string>();
  const path: string[] = [];
  const visit = (file: string) => {
    const at = path.indexOf(file);
    if (at >= 0) {
      cycles.push([...path.slice(at), file].map((f) => relative(root, f)).join(' -> '));
      return;
    }
    if (done.has(file) || !imports.has(file)) return;
    path.push(file);
    for (const target of imports.get(file)!) visit(target);
    path.pop();
    done.add(file);
  };
  for (const file of imports.keys()) visit(file);
  expect(cycles).toEqual([]);
});
