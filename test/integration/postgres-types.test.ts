/**
 * Real Debezium output for every common PostgreSQL column type, checked value by value: PostgreSQL
 * (compose/local/up) holds a table with one column of each type and a table with a TOASTed column;
 * four Debezium connectors capture them: full envelopes and rows flattened by ExtractNewRecordState,
 * each with JsonConverter schemas and without (the envelope ones also send transaction metadata and
 * heartbeats, and every one a logical decoding message). Their topics are dumped to NDJSON and
 * `lakehouse ingest`ed; none may become a dead letter, and every silver row must equal what
 * PostgreSQL holds (postgres-types-expected.ts says what that is per type), through `lakehouse cat`
 * and through delta-rs.
 *
 * The stack runs on free ports with its state in the test's own directory, so it runs beside anything.
 * If it cannot start, the suite fails with the launcher's message.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SQL } from 'bun';
import { LakehouseServer, freePort, lakehouse, privateStackEnv, silverTable, stackDown, stackUp, tableDiff, type Stack } from './real-stack-support.ts';
import { expectedRows } from './postgres-types-expected.ts';
import { changeSourceRows, createSourceTables, registerConnector, toastTable, typesTable, writeEndMarker } from './postgres-types-support.ts';
import { deltaRsSilver, dumpTopics, kindOf, sortedJson, type ConnectorSpec, type DumpedRecord } from './debezium-support.ts';

const workDir = mkdtempSync(join(tmpdir(), 'lh-postgres-types-'));
const stackEnv = privateStackEnv(workDir);
const runs: readonly (ConnectorSpec & { title: string })[] = [
  { title: 'envelopes with schemas', name: 'pgtypes', topicPrefix: 'pgtypes', schemas: true, metadata: true },
  { title: 'envelopes without schemas', name: 'pgtypes-noschema', topicPrefix: 'pgtypes_noschema', schemas: false, metadata: true },
  { title: 'flattened with schemas, deletes as null values', name: 'pgtypes-flat', topicPrefix: 'pgtypes_flat', schemas: true, flatten: 'tombstone' },
  {
    title: 'flattened without schemas, deletes rewritten',
    name: 'pgtypes-flat-noschema',
    topicPrefix: 'pgtypes_flat_noschema',
    schemas: false,
    flatten: 'rewrite',
  },
];
const dataDir = (run: ConnectorSpec) => join(workDir, run.name);

let stack: Stack;
let sql: SQL;
/** `lakehouse serve --kafka` on the topics of the first run, beside its dump. */
let server: LakehouseServer;
const dumped = new Map<ConnectorSpec, DumpedRecord[]>();
let failures = 0;

beforeAll(async () => {
  stack = await stackUp(stackEnv);
  sql = new SQL(stack.PG_URL);
  await createSourceTables(sql);
  await Promise.all(runs.map((r) => registerConnector(stack.CONNECT_URL, stack.PG_URL, r)));
  server = new LakehouseServer(join(workDir, 'serve'), freePort(), stack.KAFKA_BROKERS, join(workDir, 'serve.log'), `${runs[0]!.topicPrefix}\\..*`);
  await server.start();
  await changeSourceRows(sql);
  await writeEndMarker(sql);
  const file = (r: ConnectorSpec) => join(workDir, `${r.topicPrefix}.ndjson`);
  await Promise.all(
    runs.map(async (r) => dumped.set(r, await dumpTopics(stack.KAFKA_BROKERS, r.topicPrefix, `${r.topicPrefix}.public.${toastTable}`, file(r)))),
  );
  for (const r of runs) await lakehouse(['ingest', '--data', dataDir(r), file(r)]);
}, 10 * 60_000);

afterAll(async () => {
  await server?.stop().catch(() => {});
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

/** What the captured stream of each run must hold for the test to be about it. */
function expectedKinds(run: ConnectorSpec): string[] {
  // Logical decoding messages pass ExtractNewRecordState unflattened.
  if (run.flatten) return ['r', 'c', 'u', 'm', run.flatten === 'tombstone' ? 'null' : 'deleted'];
  return ['r', 'c', 'u', 'd', 't', 'm', 'kafka-null', ...(run.metadata ? ['heartbeat', 'BEGIN', 'END'] : [])];
}

for (const run of runs) {
  describe(run.title, () => {
    test(
      'the captured stream has what the test is about: snapshot reads, changes, deletes, unavailable TOAST values',
      tracked(async () => {
        const values = dumped.get(run)!.map((r) => r.value);
        expect(new Set(dumped.get(run)!.map(kindOf))).toEqual(new Set(expectedKinds(run)));
        expect(values.filter((v) => v?.includes('__debezium_unavailable_value')).length).toBe(5); // each update of toasted_notes
      }),
    );

    for (const table of [typesTable, toastTable]) {
      test(
        `${table}: every column of every row equals PostgreSQL`,
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
        for (const [table, rows] of deltaRsSilver(dataDir(run), [typesTable, toastTable])) {
          const ours = await silverTable(dataDir(run), table);
          expect(rows.map(sortedJson).sort()).toEqual(ours.map(sortedJson).sort());
        }
      }),
      120_000,
    );
  });
}

test(
  `serve --kafka (${runs[0]!.title}): silver reaches what PostgreSQL holds`,
  tracked(async () => {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const problems: string[] = [];
      for (const table of [typesTable, toastTable]) {
        const expected = await expectedRows(sql, table, runs[0]!.schemas);
        const silver = await silverTable(server.dataDir, table).catch((err: Error) => err);
        if (silver instanceof Error) problems.push(`${table}: ${silver.message.split('\n')[1]}`);
        else problems.push(...tableDiff(expected.key, expected.rows, silver, 20).map((p) => `${table}: ${p}`));
      }
      if (problems.length === 0) break;
      if (Date.now() > deadline)
        throw new Error(`silver did not reach the PostgreSQL state within 60 s:\n${problems.join('\n')}\n--- lakehouse log:\n${server.logTail()}`);
      await Bun.sleep(1_000);
    }
    const deadLetters = await lakehouse(['cat', 'dead_letters', '--data', server.dataDir, '--format', 'ndjson']).catch((err: Error) => err.message);
    expect(deadLetters.includes('no Delta table') ? '' : deadLetters).toBe('');
    expect(server.unexpectedExits).toEqual([]);
  }),
  90_000,
);
