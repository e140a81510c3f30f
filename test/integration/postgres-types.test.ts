/**
 * Real Debezium output for every common PostgreSQL column type, checked value by value: PostgreSQL
 * (compose/local/up) holds a table with one column of each type and a table with a TOASTed column;
 * two Debezium connectors capture them, one with JsonConverter schemas and one without; their topics
 * are dumped to NDJSON and `lakehouse ingest`ed, and every silver row must equal what PostgreSQL holds
 * (postgres-types-expected.ts says what that is per type), through `lakehouse cat` and through
 * delta-rs.
 *
 * The stack runs on its own ports and state directory (+20 from the defaults), so it can run beside
 * real-stack.test.ts. If it cannot start, the suite fails with the launcher's message.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SQL } from 'bun';
import { lakehouse, silverTable, stackDown, stackUp, tableDiff, type Stack } from './real-stack-support.ts';
import { expectedRows } from './postgres-types-expected.ts';
import {
  changeSourceRows, createSourceTables, dumpTopics, registerConnector, toastTable, typesTable, writeEndMarker, type DumpedRecord,
} from './postgres-types-support.ts';

const stackEnv = {
  LAKEHOUSE_STACK_DIR: join(tmpdir(), 'lakehouse-postgres-types-test'),
  PG_PORT: '25452',
  KAFKA_PORT: '29112',
  KAFKA_CONTROLLER_PORT: '29113',
  CONNECT_PORT: '28103',
};
const workDir = mkdtempSync(join(tmpdir(), 'lh-postgres-types-'));
const runs = [
  { name: 'with schemas', schemas: true, prefix: 'pgtypes', connector: 'pgtypes-schemas' },
  { name: 'without schemas', schemas: false, prefix: 'pgtypes_noschema', connector: 'pgtypes-noschema' },
] as const;
const dataDir = (schemas: boolean) => join(workDir, schemas ? 'lake-schemas' : 'lake-noschema');

let stack: Stack;
let sql: SQL;
const dumped = new Map<boolean, DumpedRecord[]>();
let failures = 0;

beforeAll(async () => {
  await stackDown(stackEnv, '--purge'); // no tables, topics or slots left from an earlier run
  stack = await stackUp(stackEnv);
  sql = new SQL(stack.PG_URL);
  await createSourceTables(sql);
  await Promise.all(runs.map((r) => registerConnector(stack.CONNECT_URL, stack.PG_URL, { name: r.connector, topicPrefix: r.prefix, schemas: r.schemas })));
  await changeSourceRows(sql);
  await writeEndMarker(sql);
  for (const r of runs) {
    const file = join(workDir, `${r.prefix}.ndjson`);
    dumped.set(r.schemas, await dumpTopics(stack.KAFKA_BROKERS, r.prefix, file));
    await lakehouse(['ingest', '--data', dataDir(r.schemas), file]);
  }
}, 10 * 60_000);

afterAll(async () => {
  await sql?.close();
  if (failures > 0) {
    await stackDown(stackEnv);
    console.log(`[postgres-types] kept for inspection: stack logs in ${stackEnv.LAKEHOUSE_STACK_DIR}/logs, dumps and lakes in ${workDir}`);
  } else {
    await stackDown(stackEnv, '--purge');
    rmSync(workDir, { recursive: true, force: true });
  }
}, 180_000);

/** Wraps a test body so afterAll knows whether to keep the stack's state. */
const tracked = (body: () => Promise<void>) => async () => {
  try {
    await body();
  } catch (err) {
    failures++;
    throw err;
  }
};

for (const run of runs) {
  describe(run.name, () => {
    test(
      'the captured stream has what the test is about: snapshot reads, unavailable TOAST values, a truncate, tombstones',
      tracked(async () => {
        const values = dumped.get(run.schemas)!.map((r) => r.value);
        const ops = values.map((v) => (v === null ? 'tombstone' : (JSON.parse(v) as { payload?: { op: string }; op?: string })));
        const opOf = (o: (typeof ops)[number]) => (typeof o === 'string' ? o : (o.payload ?? o).op);
        expect(new Set(ops.map(opOf))).toEqual(new Set(['r', 'c', 'u', 'd', 't', 'tombstone']));
        expect(values.filter((v) => v?.includes('__debezium_unavailable_value')).length).toBe(3);
      }),
    );

    for (const table of [typesTable, toastTable]) {
      test(
        `${table}: every column of every row equals PostgreSQL`,
        tracked(async () => {
          const expected = await expectedRows(sql, table, run.schemas);
          const silver = await silverTable(dataDir(run.schemas), table);
          expect(silver.length).toBeGreaterThan(0);
          expect(tableDiff(expected.key, expected.rows, silver, 20)).toEqual([]);
        }),
      );
    }

    test(
      'no record became a dead letter',
      tracked(async () => {
        const deadLetters = await lakehouse(['cat', 'dead_letters', '--data', dataDir(run.schemas), '--format', 'ndjson']).catch((err: Error) => err.message);
        expect(deadLetters.includes('no Delta table') ? '' : deadLetters).toBe('');
      }),
    );

    test(
      'delta-rs reads the silver tables as lakehouse does',
      tracked(async () => {
        const requests = [typesTable, toastTable].map((t) => ({ path: join(dataDir(run.schemas), 'silver', t) }));
        const proc = Bun.spawnSync(['python3', join(import.meta.dir, 'read_delta.py'), 'deltalake', JSON.stringify(requests)], { stdout: 'pipe', stderr: 'pipe' });
        if (proc.exitCode !== 0) throw new Error(`delta-rs failed: ${proc.stderr.toString().slice(-3000)}`);
        const read = JSON.parse(proc.stdout.toString()) as (Record<string, unknown>[] | { error: string })[];
        for (const [i, table] of [typesTable, toastTable].entries()) {
          const rows = read[i]!;
          if (!Array.isArray(rows)) throw new Error(`delta-rs could not read ${table}: ${rows.error}`);
          const withoutMetadata = rows.map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => !k.startsWith('__'))));
          const ours = await silverTable(dataDir(run.schemas), table);
          expect(withoutMetadata.map((r) => JSON.stringify(r, Object.keys(r).sort())).sort()).toEqual(ours.map((r) => JSON.stringify(r, Object.keys(r).sort())).sort());
        }
      }),
      120_000,
    );
  });
}
