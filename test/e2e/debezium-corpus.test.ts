/**
 * The silver acceptance test on our own corpora: Debezium streams shaped like real ones (see
 * test/support/debezium-corpus.ts) are ingested by the compiled ./lakehouse, and `cat` of every silver
 * table must equal the simulated source databases, metadata columns aside, whether the stream comes
 * in one file, in two files and two runs, or in small batches that cut transactions. Every malformed
 * record must be in dead_letters.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { generateCorpus, normalizedRows, type CorpusSpec } from '../support/debezium-corpus.ts';

const root = resolve(import.meta.dir, '../..');
const binary = join(root, 'lakehouse');
const work = mkdtempSync(join(tmpdir(), 'lh-corpus-'));

beforeAll(() => {
  if (!existsSync(binary)) {
    const built = Bun.spawnSync(['bun', join(root, 'src/cli/build.ts')], { stdout: 'inherit', stderr: 'inherit' });
    if (built.exitCode !== 0) throw new Error('building ./lakehouse failed');
  }
}, 120_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

function lakehouse(...args: string[]): string {
  const r = Bun.spawnSync([binary, ...args], { cwd: work, env: { ...process.env, NO_COLOR: '1' } });
  if (r.exitCode !== 0) throw new Error(`lakehouse ${args.join(' ')} exited ${r.exitCode}: ${r.stderr.toString()}`);
  return r.stdout.toString();
}

const catRows = (table: string, data: string) =>
  lakehouse('cat', table, '--data', data, '--format', 'ndjson')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

const corpora: CorpusSpec[] = [
  {
    name: 'postgres-envelopes', seed: 11, connector: 'postgresql', shape: 'envelope', schemas: true, partitions: 3, transactions: 200,
    sources: [{ server: 'pg_eu', db: 'shop', replicaIdentity: 'default' }, { server: 'pg_us', db: 'shop', replicaIdentity: 'full' }, { server: 'pg_apac', db: 'shop', replicaIdentity: 'default' }],
    schemaChanges: true, truncates: true, malformed: true, metadata: true,
  },
  {
    name: 'mysql-envelopes', seed: 22, connector: 'mysql', shape: 'envelope', schemas: true, partitions: 4, transactions: 200,
    sources: [{ server: 'mysql_a', db: 'shop_eu' }, { server: 'mysql_a', db: 'shop_us' }, { server: 'mysql_b', db: 'shop_eu' }],
    schemaChanges: true, truncates: false, malformed: true, metadata: true,
  },
  {
    name: 'postgres-schemaless', seed: 33, connector: 'postgresql', shape: 'envelope', schemas: false, partitions: 2, transactions: 220,
    sources: [{ server: 'pg_eu', db: 'shop', replicaIdentity: 'default' }, { server: 'pg_us', db: 'shop', replicaIdentity: 'full' }],
    schemaChanges: true, truncates: true, malformed: true,
  },
  {
    name: 'postgres-flattened', seed: 44, connector: 'postgresql', shape: 'flat', schemas: true, partitions: 3, transactions: 220,
    sources: [{ server: 'pg_eu', db: 'shop', replicaIdentity: 'default' }, { server: 'pg_us', db: 'shop', replicaIdentity: 'full' }],
    schemaChanges: true, truncates: false, malformed: true,
  },
  {
    name: 'postgres-flattened-drop-schemaless', seed: 55, connector: 'postgresql', shape: 'flat', flatDeletes: 'tombstone', schemas: false, partitions: 2, transactions: 160,
    sources: [{ server: 'pg_eu', db: 'shop', replicaIdentity: 'default' }, { server: 'pg_us', db: 'shop', replicaIdentity: 'full' }],
    schemaChanges: true, truncates: false, malformed: true,
  },
];

/** Rows silver lacks and rows it has beyond the truth (multisets of normalized rows), a few of each. */
function difference(actual: string[], expected: string[]): { missing: string[]; unexpected: string[] } {
  const count = new Map<string, number>();
  for (const r of expected) count.set(r, (count.get(r) ?? 0) + 1);
  const unexpected: string[] = [];
  for (const r of actual) {
    const n = count.get(r) ?? 0;
    if (n > 0) count.set(r, n - 1);
    else unexpected.push(r);
  }
  const missing = [...count].flatMap(([r, n]) => Array<string>(n).fill(r));
  const brief = (rows: string[]) => rows.slice(0, 4).map((r) => (r.length > 300 ? r.slice(0, 300) + '…' : r)).concat(rows.length > 4 ? [`… ${rows.length} in all`] : []);
  return { missing: brief(missing), unexpected: brief(unexpected) };
}

/** How the records reach lakehouse: one run, two files in two runs, or batches that cut transactions. */
const deliveries: { name: string; ingest: (data: string, lines: string[], file: string) => void }[] = [
  {
    name: 'one file',
    ingest: (data, lines, file) => {
      writeFileSync(file, lines.join('\n') + '\n');
      lakehouse('ingest', '--data', data, file);
    },
  },
  {
    name: 'two files, two runs',
    ingest: (data, lines, file) => {
      const half = Math.floor(lines.length * 0.45);
      writeFileSync(`${file}.1`, lines.slice(0, half).join('\n') + '\n');
      writeFileSync(`${file}.2`, lines.slice(half).join('\n') + '\n');
      lakehouse('ingest', '--data', data, `${file}.1`);
      lakehouse('ingest', '--data', data, `${file}.2`);
    },
  },
  {
    name: 'batches of 7',
    ingest: (data, lines, file) => {
      writeFileSync(file, lines.join('\n') + '\n');
      lakehouse('ingest', '--data', data, '--batch', '7', file);
    },
  },
];

for (const spec of corpora) {
  test(`${spec.name}: silver equals the source databases, malformed records are dead letters`, () => {
    const corpus = generateCorpus(spec);
    expect(corpus.truth.size).toBeGreaterThan(0);
    for (const delivery of deliveries) {
      const data = join(work, `${spec.name}-${delivery.name.replace(/\W+/g, '-')}`);
      delivery.ingest(data, corpus.lines, `${data}.ndjson`);
      for (const [table, rows] of corpus.truth) {
        expect({ delivery: delivery.name, table, ...difference(normalizedRows(catRows(table, data)), normalizedRows(rows)) }).toEqual({ delivery: delivery.name, table, missing: [], unexpected: [] });
      }
      expect({ delivery: delivery.name, deadLetters: catRows('dead_letters', data).length }).toEqual({ delivery: delivery.name, deadLetters: corpus.deadLetters });
    }
  }, 60_000);
}
