import { expect, test } from 'bun:test';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TableCatalog, parseTableName, resolveIn } from '../../../src/catalog/index.ts';
import { LocalStorage } from '../../../src/storage/index.ts';

test('a table name is a name, optionally with its layer; never a path', () => {
  expect(parseTableName('voters')).toEqual({ layer: undefined, name: 'voters' });
  expect(parseTableName('silver/voters')).toEqual({ layer: 'silver', name: 'voters' });
  expect(parseTableName('gold.poll_results')).toEqual({ layer: 'gold', name: 'poll_results' });
  for (const ref of ['../../other/silver/t', '/etc/passwd', 'silver/../x', 'a/b/c', '', 'gold/', 'x y', 'silver.a.b'])
    expect(parseTableName(ref)).toBeUndefined();
});

test('unqualified names look in bronze, then silver, then gold; qualified ones in their layer only', () => {
  const entries = [
    { name: 'bronze', layer: 'bronze' as const },
    { name: 'poll_results', layer: 'silver' as const },
    { name: 'poll_results', layer: 'gold' as const },
    { name: 'only_gold', layer: 'gold' as const },
  ];
  expect(resolveIn('poll_results', entries)?.layer).toBe('silver');
  expect(resolveIn('gold/poll_results', entries)?.layer).toBe('gold');
  expect(resolveIn('only_gold', entries)?.layer).toBe('gold');
  expect(resolveIn('silver/only_gold', entries)).toBeUndefined();
  expect(resolveIn('bronze', entries)?.layer).toBe('bronze');
});

test('a data folder lists its Delta tables and resolves names to their folders, nothing outside it', async () => {
  const root = mkdtempSync(join(tmpdir(), 'lh-catalog-'));
  try {
    const table = (path: string) => {
      mkdirSync(join(root, path, '_delta_log'), { recursive: true });
      writeFileSync(join(root, path, '_delta_log', '00000000000000000000.json'), '{}\n');
    };
    for (const p of ['bronze', 'dead_letters', 'silver/voters', 'silver/voters__history', 'gold/voters', 'gold/per_city']) table(p);
    mkdirSync(join(root, 'silver', 'not-a-table'), { recursive: true });
    const catalog = new TableCatalog(new LocalStorage(root));
    expect((await catalog.list()).map((e) => `${e.layer}:${e.name}:${e.path}`)).toEqual([
      'bronze:bronze:bronze',
      'bronze:dead_letters:dead_letters',
      'silver:voters:silver/voters',
      'silver:voters__history:silver/voters__history',
      'gold:per_city:gold/per_city',
      'gold:voters:gold/voters',
    ]);
    expect((await catalog.resolve('voters'))?.path).toBe('silver/voters');
    expect((await catalog.resolve('gold/voters'))?.path).toBe('gold/voters');
    expect((await catalog.resolve('per_city'))?.path).toBe('gold/per_city');
    expect(await catalog.resolve('nope')).toBeUndefined();
    expect(await catalog.resolve('../' + root.split('/').pop() + '/silver/voters')).toBeUndefined();
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
