/**
 * Who reads what: every kind of table lakehouse writes, read by other engines at their defaults
 * (delta-rs's own scan, delta-rs's pyarrow dataset, Polars, Spark + delta-spark), compared row for row
 * with `lakehouse cat --format ndjson`. A reader either returns exactly cat's rows or refuses the table;
 * wrong rows fail the test. The measured matrix must be the one README.md publishes.
 */
import { beforeAll, describe, expect, test } from 'bun:test';
import { appendFileSync, cpSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { LocalStorage } from '../../src/storage/local.ts';
import { Snapshot } from '../../src/delta/snapshot.ts';
import { describeReaderRequirements } from '../../src/delta/features.ts';
import { votersNdjson } from '../bench/voters-ndjson.ts';
import { installPythonDeps } from './moto-server.ts';

const root = resolve(import.meta.dir, '../..');
const main = join(root, 'src/cli/main.ts');
const work = mkdtempSync(join(tmpdir(), 'lh-reader-matrix-'));

function lakehouse(...args: string[]): string {
  const r = Bun.spawnSync([process.execPath, main, ...args], { cwd: work, env: { ...process.env, NO_COLOR: '1' } });
  if (r.exitCode !== 0) throw new Error(`lakehouse ${args.join(' ')} failed: ${r.stderr.toString()}`);
  return r.stdout.toString();
}

const READERS = [
  { engine: 'deltalake', title: 'delta-rs' },
  { engine: 'deltalake-pyarrow', title: 'delta-rs → pyarrow dataset' },
  { engine: 'polars', title: 'Polars' },
  { engine: 'spark', title: 'Spark + delta-spark' },
] as const;

interface Kind {
  kind: string;
  paths: string[];
}
const kinds: Kind[] = [];
const expected = new Map<string, string[]>();

const canonical = (rows: unknown[]) => rows.map((r) => JSON.stringify(r, Object.keys(r as object).sort())).sort();

beforeAll(async () => {
  installPythonDeps('spark');
  const input = join(work, 'voters.ndjson');
  await votersNdjson(3000, 7, input);
  // One record that cannot be decoded, so the dead letters table has a row.
  appendFileSync(
    input,
    JSON.stringify({ topic: 'votersbook.public.voters', partition: 0, offset: 999_999, timestamp: 1_767_600_000_000, key: '{"id":1}', value: 'not json' }) +
      '\n',
  );

  const mor = join(work, 'merge-on-read');
  const cow = join(work, 'copy-on-write');
  const maintained = join(work, 'maintained');
  // The voters book's gold, as the embedded demo keeps it: a folder fed from a file gets only configured gold.
  lakehouse('ingest', '--data', mor, '--config', join(root, 'src/gold/voters-book.toml'), '--history', 'voters', '--batch', '300', input);
  lakehouse('ingest', '--data', cow, '--write-mode', 'copy-on-write', '--batch', '300', input);
  cpSync(mor, maintained, { recursive: true });
  for (const table of ['voters', 'bronze']) {
    if (table !== 'bronze') lakehouse('optimize', table, '--data', maintained);
    lakehouse('vacuum', table, '--data', maintained, '--retention-hours', '0', '--force');
    lakehouse('checkpoint', table, '--data', maintained);
  }

  const silver = ['voters', 'polls', 'ballots'];
  const gold = ['poll_results', 'poll_results_by_city', 'voters_per_city', 'ballots_per_precinct', 'change_activity'];
  kinds.push(
    { kind: 'silver, merge-on-read (the default)', paths: silver.map((t) => join(mor, 'silver', t)) },
    { kind: 'silver, `--write-mode copy-on-write`', paths: silver.map((t) => join(cow, 'silver', t)) },
    { kind: 'silver history (`--history`)', paths: [join(mor, 'silver', 'voters__history')] },
    { kind: 'gold', paths: gold.map((t) => join(mor, 'gold', t)) },
    { kind: 'bronze', paths: [join(mor, 'bronze')] },
    { kind: 'dead letters', paths: [join(mor, 'dead_letters')] },
    { kind: 'silver after optimize, vacuum, checkpoint', paths: [join(maintained, 'silver', 'voters')] },
    { kind: 'bronze after vacuum, checkpoint', paths: [join(maintained, 'bronze')] },
  );
  for (const { paths } of kinds) {
    for (const path of paths) {
      const rows = lakehouse('cat', path, '--format', 'ndjson')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l));
      expect(rows.length).toBeGreaterThan(0);
      expected.set(path, canonical(rows));
    }
  }
}, 600_000);

/** One engine reads every table in one process (one Spark session): rows, or the engine's error. */
function readAll(engine: string, paths: string[]): (unknown[] | { error: string })[] {
  const proc = Bun.spawnSync(['python3', join(import.meta.dir, 'read_delta.py'), engine, JSON.stringify(paths.map((path) => ({ path })))], {
    stdout: 'pipe',
    stderr: 'pipe',
  });
  if (proc.exitCode !== 0) throw new Error(`${engine} failed: ${proc.stderr.toString().slice(-3000)}`);
  return JSON.parse(proc.stdout.toString());
}

/** The feature an engine names when it refuses a table, or its first words. */
function refusal(error: string): string {
  const feature = /deletionVectors|timestampNtz|columnMapping|v2Checkpoint|inCommitTimestamp|vacuumProtocolCheck|domainMetadata/.exec(error);
  return feature ? `no (${feature[0]})` : `no (${error.slice(0, 60)})`;
}

describe('reader matrix', () => {
  test("each reader returns cat's rows or refuses, and README.md publishes this matrix", async () => {
    const paths = kinds.flatMap((k) => k.paths);
    const cells = new Map<string, string[]>(kinds.map((k) => [k.kind, []]));
    const wrong: string[] = [];
    for (const { engine } of READERS) {
      const results = readAll(engine, paths);
      let i = 0;
      for (const { kind, paths: tablePaths } of kinds) {
        const outcomes = new Set<string>();
        for (const path of tablePaths) {
          const result = results[i++]!;
          if (!Array.isArray(result)) outcomes.add(refusal(result.error));
          else if (JSON.stringify(canonical(result)) !== JSON.stringify(expected.get(path))) {
            wrong.push(`${engine} ${path}: ${result.length} rows, cat ${expected.get(path)!.length}`);
            outcomes.add('WRONG ROWS');
          } else outcomes.add('yes');
        }
        cells.get(kind)!.push([...outcomes].join(', '));
      }
    }
    const protocols = new Map<string, string>();
    for (const { kind, paths: tablePaths } of kinds) {
      const needs = new Set<string>();
      for (const path of tablePaths) needs.add(describeReaderRequirements((await Snapshot.open(new LocalStorage(path))).protocol));
      protocols.set(kind, [...needs].join('; '));
    }
    const matrix = [
      `| table | readers need | ${READERS.map((r) => r.title).join(' | ')} |`,
      `| --- | --- | ${READERS.map(() => '---').join(' | ')} |`,
      ...kinds.map((k) => `| ${k.kind} | ${protocols.get(k.kind)} | ${cells.get(k.kind)!.join(' | ')} |`),
    ].join('\n');
    console.log(matrix);
    expect(wrong).toEqual([]);
    const readme = readFileSync(join(root, 'README.md'), 'utf8').split('\n');
    const start = readme.findIndex((l) => l.startsWith('| table | readers need |'));
    const end = readme.findIndex((l, i) => i > start && !l.startsWith('|'));
    expect(readme.slice(start, end).join('\n')).toEqual(matrix);
  }, 900_000);
});
