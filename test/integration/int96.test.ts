/**
 * INT96 timestamps over the whole Delta range (0001..9999): a Delta table whose Parquet files pyarrow
 * wrote with INT96 (top level, in a struct, in a list; dictionary-encoded; one and several row groups)
 * reads with `lakehouse cat` exactly as pyarrow reads them in microseconds.
 */
import { expect, test } from 'bun:test';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { installPythonDeps } from './moto-server.ts';

const main = resolve(import.meta.dir, '../../src/cli/main.ts');
const canonical = (rows: unknown[]) => rows.map((r) => JSON.stringify(r, Object.keys(r as object).sort())).sort();

test('INT96 timestamps at both ends of the range read as pyarrow reads them in microseconds', () => {
  installPythonDeps();
  const dir = join(mkdtempSync(join(tmpdir(), 'lh-int96-')), 'table');
  const made = Bun.spawnSync(['python3', join(import.meta.dir, 'int96_table.py'), dir], { stdout: 'pipe', stderr: 'pipe' });
  if (made.exitCode !== 0) throw new Error(`int96_table.py failed: ${made.stderr.toString()}`);
  const expected = JSON.parse(made.stdout.toString()) as Record<string, unknown>[];
  expect(expected.some((r) => r.at === '9999-12-31T23:59:59.999999')).toBe(true);
  expect(expected.some((r) => r.at === '0001-01-01T00:00:00.000000')).toBe(true);

  const cat = Bun.spawnSync([process.execPath, main, 'cat', dir, '--format', 'ndjson'], { stdout: 'pipe', stderr: 'pipe' });
  if (cat.exitCode !== 0) throw new Error(`lakehouse cat failed: ${cat.stderr.toString()}`);
  const ours = cat.stdout
    .toString()
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  expect(canonical(ours)).toEqual(canonical(expected));
}, 120_000);
