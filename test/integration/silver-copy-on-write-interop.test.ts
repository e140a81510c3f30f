/**
 * A copy-on-write silver table, made by `lakehouse ingest --write-mode copy-on-write` over inserts,
 * updates, deletes with tombstones, a truncate and redeliveries (in two runs), is read by delta-rs
 * exactly as `lakehouse cat` prints it: by its DataFusion scan and by its pyarrow reader, which knows
 * no reader table features (so no deletion vectors) and refuses the merge-on-read table of the same
 * stream.
 */
import { beforeAll, expect, test } from 'bun:test';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { mixedVoterBatches } from '../support/voters-records.ts';
import { installPythonDeps } from './moto-server.ts';

const main = resolve(import.meta.dir, '../../src/cli/main.ts');
const work = mkdtempSync(join(tmpdir(), 'lh-cow-interop-'));

function lakehouse(...args: string[]): string {
  const r = Bun.spawnSync([process.execPath, main, ...args], { cwd: work, env: { ...process.env, NO_COLOR: '1' } });
  if (r.exitCode !== 0) throw new Error(`lakehouse ${args.join(' ')} failed: ${r.stderr.toString()}`);
  return r.stdout.toString();
}

function readWith(engine: 'deltalake' | 'deltalake-pyarrow', path: string): unknown {
  const proc = Bun.spawnSync(['python3', join(import.meta.dir, 'read_delta.py'), engine, JSON.stringify([{ path }])], { stdout: 'pipe', stderr: 'pipe' });
  if (proc.exitCode !== 0) throw new Error(`${engine} failed: ${proc.stderr.toString().slice(-3000)}`);
  return JSON.parse(proc.stdout.toString())[0];
}

const canonicalSort = (rows: unknown) => (rows as unknown[]).map((r) => JSON.stringify(r)).sort();

beforeAll(() => {
  installPythonDeps();
  const records = mixedVoterBatches().flat();
  const firstHalf = join(work, 'first.ndjson');
  const all = join(work, 'all.ndjson');
  writeFileSync(
    firstHalf,
    records
      .slice(0, records.length / 2)
      .map((r) => JSON.stringify(r))
      .join('\n') + '\n',
  );
  writeFileSync(all, records.map((r) => JSON.stringify(r)).join('\n') + '\n');
  // The second run redelivers the first half and goes on; it does not repeat the mode: the table keeps it.
  lakehouse('ingest', '--data', 'cow', '--batch', '9', '--write-mode', 'copy-on-write', firstHalf);
  lakehouse('ingest', '--data', 'cow', '--batch', '9', all);
  lakehouse('ingest', '--data', 'mor', '--batch', '9', all);
}, 120_000);

test('delta-rs reads the copy-on-write table exactly as lakehouse cat prints it, even without deletion-vector support', () => {
  const printed = lakehouse('cat', 'voters', '--data', 'cow', '--format', 'ndjson')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  // east: 40 - 6 deleted + 2 (ids 9 and 37) updated back after their delete; west: truncated, then 6 inserted.
  expect(printed.length).toBe(42);
  const path = join(work, 'cow', 'silver', 'voters');
  expect(canonicalSort(readWith('deltalake', path))).toEqual(canonicalSort(printed));
  expect(canonicalSort(readWith('deltalake-pyarrow', path))).toEqual(canonicalSort(printed));
  const described = JSON.parse(lakehouse('describe', 'voters', '--data', 'cow', '--format', 'json'));
  // Writer features only: nothing a reader needs.
  expect(described).toMatchObject({
    protocol: { minReaderVersion: 1, minWriterVersion: 7 },
    features: ['appendOnly', 'invariants', 'inCommitTimestamp'],
    readerNeeds: { minReaderVersion: 1, features: [] },
  });
  expect(described.properties['lakehouse.writeMode']).toBe('copy-on-write');

  // The same stream in merge-on-read: the same rows, which the pyarrow reader cannot read.
  const morPrinted = lakehouse('cat', 'voters', '--data', 'mor', '--format', 'ndjson')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  expect(canonicalSort(morPrinted)).toEqual(canonicalSort(printed));
  expect(JSON.stringify(readWith('deltalake-pyarrow', join(work, 'mor', 'silver', 'voters')))).toContain('deletionVectors');
}, 120_000);
