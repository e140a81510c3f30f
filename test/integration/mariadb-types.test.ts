/**
 * Real Debezium output for every common MariaDB column type, checked value by value: MariaDB
 * (compose/local/up --source mariadb) holds a table with one column of each type under a composite key
 * and a table that is truncated; four Debezium MariaDB connectors capture them: full envelopes and rows
 * flattened by ExtractNewRecordState, each with JsonConverter schemas and without (the envelope ones
 * also send transaction metadata, heartbeats and schema changes). Their topics are dumped to NDJSON
 * and `lakehouse ingest`ed; none may become a dead letter, and every silver row must equal what MariaDB
 * holds (mariadb-types-expected.ts says what that is per type), through `lakehouse cat` and through
 * delta-rs. The mechanisms are postgres-types.test.ts's (debezium-support.ts).
 *
 * The stack runs on free ports with its state in the test's own directory, so it runs beside anything.
 * If it cannot start, the suite fails with the launcher's message.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SQL } from 'bun';
import { lakehouse, privateStackEnv, silverTable, stackDown, stackUp, tableDiff, type Stack } from './real-stack-support.ts';
import { deltaRsSilver, dumpTopics, kindOf, sortedJson, type ConnectorSpec, type DumpedRecord } from './debezium-support.ts';
import { expectedRows } from './mariadb-types-expected.ts';
import { changeSourceRows, createSourceTables, database, registerConnector, truncatedTable, typesTable, writeEndMarker } from './mariadb-types-support.ts';

const workDir = mkdtempSync(join(tmpdir(), 'lh-mariadb-types-'));
const stackEnv = privateStackEnv(workDir);
const runs: readonly (ConnectorSpec & { title: string })[] = [
  { title: 'envelopes with schemas', name: 'mdbtypes', topicPrefix: 'mdbtypes', schemas: true, metadata: true },
  { title: 'envelopes without schemas', name: 'mdbtypes-noschema', topicPrefix: 'mdbtypes_noschema', schemas: false, metadata: true },
  { title: 'flattened with schemas, deletes as null values', name: 'mdbtypes-flat', topicPrefix: 'mdbtypes_flat', schemas: true, flatten: 'tombstone' },
  {
    title: 'flattened without schemas, deletes rewritten',
    name: 'mdbtypes-flat-noschema',
    topicPrefix: 'mdbtypes_flat_noschema',
    schemas: false,
    flatten: 'rewrite',
  },
];
const dataDir = (run: ConnectorSpec) => join(workDir, run.name);
const tables = [typesTable, truncatedTable];

let stack: Stack;
/** One connection in a UTC session: TIMESTAMP columns read as the instants Debezium sends. */
let sql: SQL;
const dumped = new Map<ConnectorSpec, DumpedRecord[]>();
let failures = 0;

beforeAll(async () => {
  stack = await stackUp(stackEnv, 'mariadb');
  sql = new SQL(stack.MYSQL_URL, { max: 1 });
  await sql.unsafe("SET time_zone = '+00:00'");
  await createSourceTables(sql);
  for (const r of runs) await registerConnector(stack.CONNECT_URL, sql, stack.KAFKA_BROKERS, r);
  await changeSourceRows(sql);
  await writeEndMarker(sql);
  const file = (r: ConnectorSpec) => join(workDir, `${r.topicPrefix}.ndjson`);
  for (const r of runs) dumped.set(r, await dumpTopics(stack.KAFKA_BROKERS, r.topicPrefix, `${r.topicPrefix}.${database}.${truncatedTable}`, file(r)));
  for (const r of runs) await lakehouse(['ingest', '--data', dataDir(r), file(r)]);
}, 10 * 60_000);

afterAll(async () => {
  await sql?.close();
  if (failures > 0) {
    await stackDown(stackEnv);
    console.log(`[mariadb-types] kept for inspection: stack logs in ${stackEnv.LAKEHOUSE_STACK_DIR}/logs, dumps and lakes in ${workDir}`);
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

/** What the captured stream of each run must hold for the test to be about it. */
function expectedKinds(run: ConnectorSpec): string[] {
  if (run.flatten) return ['r', 'c', 'u', run.flatten === 'tombstone' ? 'null' : 'deleted', 'schema-change'];
  return ['r', 'c', 'u', 'd', 't', 'kafka-null', 'schema-change', ...(run.metadata ? ['heartbeat', 'BEGIN', 'END'] : [])];
}

for (const run of runs) {
  describe(run.title, () => {
    test(
      'the captured stream has what the test is about: snapshot reads, changes, deletes, a truncate, schema changes',
      tracked(async () => {
        expect(new Set(dumped.get(run)!.map(kindOf))).toEqual(new Set(expectedKinds(run)));
      }),
    );

    for (const table of tables) {
      test(
        `${table}: every column of every row equals MariaDB`,
        tracked(async () => {
          const expected = await expectedRows(sql, table, run.schemas, run.flatten !== undefined);
          const silver = await silverTable(dataDir(run), table);
          expect(silver.length).toBeGreaterThan(0);
          expect(tableDiff(expected.key, expected.rows, silver, 20)).toEqual([]);
        }),
      );
    }

    test(
      'no record became a dead letter',
      tracked(async () => {
        const deadLetters = await lakehouse(['cat', 'dead_letters', '--data', dataDir(run), '--format', 'ndjson']).catch((err: Error) => err.message);
        expect(deadLetters.includes('no Delta table') ? '' : deadLetters).toBe('');
      }),
    );

    test(
      'delta-rs reads the silver tables as lakehouse does',
      tracked(async () => {
        for (const [table, rows] of deltaRsSilver(dataDir(run), tables)) {
          const ours = await silverTable(dataDir(run), table);
          expect(rows.map(sortedJson).sort()).toEqual(ours.map(sortedJson).sort());
        }
      }),
      120_000,
    );
  });
}
