/**
 * The silver acceptance test on our own corpora: Debezium streams shaped like real ones (see
 * test/support/debezium-corpus.ts) are ingested by the compiled ./lakehouse, and `cat` of every silver
 * table must equal the simulated source databases, metadata columns aside, whether the stream comes
 * in one file, in two files and two runs (with the SCD2 history, whose current versions must match
 * too), or in batches of 7 that cut transactions (copy-on-write). Every malformed record must be in
 * dead_letters.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { binary, ensureBinary } from '../support/binary.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateCorpus, normalizedRows, type CorpusSpec } from '../support/debezium-corpus.ts';

const work = mkdtempSync(join(tmpdir(), 'lh-corpus-'));

beforeAll(ensureBinary, 120_000);
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
    name: 'postgres-envelopes',
    seed: 11,
    connector: 'postgresql',
    shape: 'envelope',
    schemas: true,
    partitions: 3,
    transactions: 200,
    sources: [
      { server: 'pg_eu', db: 'shop', replicaIdentity: 'default' },
      { server: 'pg_us', db: 'shop', replicaIdentity: 'full' },
      { server: 'pg_apac', db: 'shop', replicaIdentity: 'default' },
    ],
    schemaChanges: true,
    truncates: true,
    malformed: true,
    metadata: true,
  },
  {
    name: 'mysql-envelopes',
    seed: 22,
    connector: 'mysql',
    shape: 'envelope',
    schemas: true,
    partitions: 4,
    transactions: 200,
    sources: [
      { server: 'mysql_a', db: 'shop_eu' },
      { server: 'mysql_a', db: 'shop_us' },
      { server: 'mysql_b', db: 'shop_eu' },
    ],
    schemaChanges: true,
    truncates: false,
    malformed: true,
    metadata: true,
  },
  {
    name: 'postgres-schemaless',
    seed: 33,
    connector: 'postgresql',
    shape: 'envelope',
    schemas: false,
    partitions: 2,
    transactions: 220,
    sources: [
      { server: 'pg_eu', db: 'shop', replicaIdentity: 'default' },
      { server: 'pg_us', db: 'shop', replicaIdentity: 'full' },
    ],
    schemaChanges: true,
    truncates: true,
    malformed: true,
  },
  {
    name: 'postgres-flattened',
    seed: 44,
    connector: 'postgresql',
    shape: 'flat',
    schemas: true,
    partitions: 3,
    transactions: 220,
    sources: [
      { server: 'pg_eu', db: 'shop', replicaIdentity: 'default' },
      { server: 'pg_us', db: 'shop', replicaIdentity: 'full' },
    ],
    schemaChanges: true,
    truncates: false,
    malformed: true,
  },
  {
    name: 'postgres-flattened-drop-schemaless',
    seed: 55,
    connector: 'postgresql',
    shape: 'flat',
    flatDeletes: 'tombstone',
    schemas: false,
    partitions: 2,
    transactions: 160,
    sources: [
      { server: 'pg_eu', db: 'shop', replicaIdentity: 'default' },
      { server: 'pg_us', db: 'shop', replicaIdentity: 'full' },
    ],
    schemaChanges: true,
    truncates: false,
    malformed: true,
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
  const brief = (rows: string[]) =>
    rows
      .slice(0, 4)
      .map((r) => (r.length > 300 ? r.slice(0, 300) + '…' : r))
      .concat(rows.length > 4 ? [`… ${rows.length} in all`] : []);
  return { missing: brief(missing), unexpected: brief(unexpected) };
}

/**
 * How the records reach lakehouse: one run; two files in two runs, keeping the SCD2 history too
 * (whose current versions must then equal the truth as well); batches of 7 records, which cut
 * transactions, into copy-on-write tables.
 */
const deliveries: { name: string; files: 1 | 2; flags: string[]; history?: boolean }[] = [
  { name: 'one file', files: 1, flags: [] },
  { name: 'two files, two runs, with history', files: 2, flags: ['--history', 'customers,order_lines'], history: true },
  { name: 'batches of 7, copy-on-write', files: 1, flags: ['--batch', '7', '--write-mode', 'copy-on-write'] },
];

function ingest(data: string, lines: string[], files: 1 | 2, flags: string[]) {
  const cut = files === 1 ? [lines] : [lines.slice(0, Math.floor(lines.length * 0.45)), lines.slice(Math.floor(lines.length * 0.45))];
  cut.forEach((part, i) => {
    const file = `${data}.${i}.ndjson`;
    writeFileSync(file, part.join('\n') + '\n');
    lakehouse('ingest', '--data', data, ...flags, file);
  });
}

for (const spec of corpora) {
  test(`${spec.name}: silver equals the source databases, malformed records are dead letters`, () => {
    const corpus = generateCorpus(spec);
    expect(corpus.truth.size).toBeGreaterThan(0);
    for (const delivery of deliveries) {
      const data = join(work, `${spec.name}-${delivery.name.replace(/\W+/g, '-')}`);
      ingest(data, corpus.lines, delivery.files, delivery.flags);
      for (const [table, rows] of corpus.truth) {
        const expected = normalizedRows(rows);
        expect({ delivery: delivery.name, table, ...difference(normalizedRows(catRows(table, data)), expected) }).toEqual({
          delivery: delivery.name,
          table,
          missing: [],
          unexpected: [],
        });
        if (!delivery.history) continue;
        const current = catRows(`${table}__history`, data).filter((r) => r.__end_at === null);
        expect({ delivery: delivery.name, table: `${table}__history`, ...difference(normalizedRows(current), expected) }).toEqual({
          delivery: delivery.name,
          table: `${table}__history`,
          missing: [],
          unexpected: [],
        });
      }
      expect({ delivery: delivery.name, deadLetters: catRows('dead_letters', data).length }).toEqual({
        delivery: delivery.name,
        deadLetters: corpus.deadLetters,
      });
    }
  }, 300_000);
}
