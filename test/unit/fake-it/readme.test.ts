/** fake-it's README shows the way to the voters book's gold through Debezium: the demo's config file. */
import { expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { goldFromToml, votersBookGold } from '../../../src/gold/index.ts';

const root = resolve(import.meta.dir, '../../..');

test("the README's serve example configures the embedded demo's own gold definitions", () => {
  const readme = readFileSync(resolve(root, 'fake-it/README.md'), 'utf8');
  const serve = readme.split('\n').find((line) => line.startsWith('./lakehouse serve --kafka'));
  const config = serve && /--config (\S+)/.exec(serve)?.[1];
  expect(config).toBe('src/gold/voters-book.toml');
  const definitions = goldFromToml(Bun.TOML.parse(readFileSync(resolve(root, config!), 'utf8')) as Record<string, unknown>, config!);
  expect(definitions.map((d) => d.name).sort()).toEqual(votersBookGold.map((d) => d.name).sort());
  expect(readme).toContain('gold.poll_results');
});
