/**
 * The real stack end to end from MariaDB: fake-it --mysql writes the voters book into MariaDB, the
 * Debezium MariaDB connector on Kafka Connect captures its binlog into a KRaft Kafka broker, and
 * `lakehouse serve --kafka` turns it into silver, which must equal MariaDB's tables row for row:
 * after a plain run, after a real redelivery (the connector set back to an earlier binlog offset
 * mid-run, so it sends changes again with their original positions) while lakehouse is killed with
 * -9 and restarted, and across ALTER TABLE ... ADD COLUMN and INT -> BIGINT, which reach the
 * connector through its schema history topic.
 *
 * The stack runs on free ports with its state in the test's own directory, so it runs beside anything.
 * If it cannot start, the suite fails with the launcher's message.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SQL } from 'bun';
import { Kafka, logLevel } from 'kafkajs';
import { isTransientMysqlError } from '../../fake-it/mysql-target.ts';
import { retryingTransient } from '../../fake-it/source-database.ts';
import {
  LakehouseServer,
  expectSilverReaches,
  freePort,
  mariadbTable,
  privateStackEnv,
  stackDown,
  stackUp,
  startFakeIt,
  type Stack,
} from './real-stack-support.ts';

const connector = 'votersbook-mariadb'; // compose/debezium/votersbook-mariadb.json
const historyTopic = '__debezium-schema-history.votersbook';
const appTables = ['voters', 'polls', 'ballots'];
const workDir = mkdtempSync(join(tmpdir(), 'lh-mariadb-real-stack-'));
const stackEnv = privateStackEnv(workDir);
const dataDir = join(workDir, 'lake');

let stack: Stack;
/** One connection in a UTC session: TIMESTAMP columns read as the instants Debezium sends. */
let sql: SQL;
let server: LakehouseServer;
let failures = 0;

const tracked = (body: () => Promise<void>) => async () => {
  try {
    await body();
  } catch (err) {
    failures++;
    throw err;
  }
};

beforeAll(async () => {
  const started = performance.now();
  stack = await stackUp(stackEnv, 'mariadb');
  console.log(`[mariadb-real-stack] compose/local/up --source mariadb took ${((performance.now() - started) / 1000).toFixed(1)} s`);
  sql = new SQL(stack.MYSQL_URL, { max: 1 });
  await sql.unsafe("SET time_zone = '+00:00'");
  server = new LakehouseServer(dataDir, freePort(), stack.KAFKA_BROKERS, join(workDir, 'serve.log'));
  await server.start();
}, 20 * 60_000);

afterAll(async () => {
  await server?.stop().catch(() => {});
  await sql?.close();
  if (failures > 0) {
    await stackDown(stackEnv);
    console.log(`[mariadb-real-stack] kept for inspection: stack logs in ${stackEnv.LAKEHOUSE_STACK_DIR}/logs, lakehouse data and log in ${workDir}`);
  } else {
    await stackDown(stackEnv, '--purge');
    rmSync(workDir, { recursive: true, force: true });
  }
}, 180_000);

const fakeIt = (ops: number, seed: number, rate: number) => startFakeIt(['--mysql', stack.MYSQL_URL], ops, seed, rate);

const expectSilverEqualsSource = (): Promise<number> =>
  expectSilverReaches({
    tables: appTables,
    dataDir,
    brokers: stack.KAFKA_BROKERS,
    topicPrefix: 'votersbook.',
    source: (t) => mariadbTable(sql, t),
    server,
    timeoutMs: 240_000,
  });

/** Kafka Connect's REST API; throws with its answer unless it succeeds. */
async function connect(method: string, path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${stack.CONNECT_URL}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return text === '' ? null : JSON.parse(text);
}

async function waitForConnectorState(state: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const status = (await connect('GET', `/connectors/${connector}/status`)) as { connector: { state: string }; tasks: { state: string }[] };
    if (status.connector.state === state && (state === 'STOPPED' || status.tasks.every((t) => t.state === state))) return;
    if (Date.now() > deadline) throw new Error(`connector ${connector} is not ${state} after 60 s: ${JSON.stringify(status)}`);
    await Bun.sleep(250);
  }
}

/** Every record value of the topics starting with `prefix`, read from the start. */
async function topicValues(prefix: string): Promise<string[]> {
  const kafka = new Kafka({ brokers: [stack.KAFKA_BROKERS], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const consumer = kafka.consumer({ groupId: `read-${Date.now()}-${Math.random()}` });
  try {
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
    const ends = new Map<string, number>();
    for (const topic of topics) for (const p of await admin.fetchTopicOffsets(topic)) ends.set(`${topic}:${p.partition}`, Number(p.high));
    const total = [...ends.values()].reduce((a, b) => a + b, 0);
    const values: string[] = [];
    await consumer.connect();
    await consumer.subscribe({ topics, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void values.push(message.value?.toString('utf8') ?? '') });
    const deadline = Date.now() + 120_000;
    while (values.length < total) {
      if (Date.now() > deadline) throw new Error(`read ${values.length} of ${total} records of ${prefix}*`);
      await Bun.sleep(200);
    }
    return values;
  } finally {
    await consumer.disconnect();
    await admin.disconnect();
  }
}

test(
  '(a) 10,000 operations written to MariaDB reach silver through Debezium and Kafka, row for row',
  tracked(async () => {
    const started = performance.now();
    await fakeIt(10_000, 7, 0).done();
    const written = performance.now();
    const caughtUp = await expectSilverEqualsSource();
    console.log(
      `[mariadb-real-stack] (a) fake-it wrote 10,000 ops in ${((written - started) / 1000).toFixed(1)} s; silver equal ${(caughtUp / 1000).toFixed(1)} s after the last write`,
    );
  }),
  10 * 60_000,
);

test(
  '(b) a real redelivery: the connector set back to an earlier binlog offset mid-run, lakehouse killed with -9 and restarted twice',
  tracked(async () => {
    const writer = fakeIt(8_000, 8, 250); // about 30 s of changes
    await Bun.sleep(5_000);
    const earlier = (await connect('GET', `/connectors/${connector}/offsets`)) as { offsets: unknown[] };
    expect(earlier.offsets.length).toBe(1);
    await Bun.sleep(5_000);
    await server.kill9();
    await server.start();

    await Bun.sleep(4_000);
    await connect('PUT', `/connectors/${connector}/stop`);
    await waitForConnectorState('STOPPED');
    await connect('PATCH', `/connectors/${connector}/offsets`, earlier);
    await connect('PUT', `/connectors/${connector}/resume`);
    await waitForConnectorState('RUNNING');

    await Bun.sleep(3_000);
    await server.kill9();
    await server.start();
    await writer.done();
    const caughtUp = await expectSilverEqualsSource();
    expect(server.unexpectedExits).toEqual([]);

    // The redelivery was real: changes sit in the topics twice, with the same binlog position (snapshot
    // reads, which share one position, left out).
    type Source = { file: string; pos: number; row: number; snapshot?: string };
    const positions = (await topicValues('votersbook.')).flatMap((v) => {
      const source = v === '' ? undefined : (JSON.parse(v) as { payload?: { source?: Source } }).payload?.source;
      return source && (source.snapshot ?? 'false') === 'false' ? [`${source.file}:${source.pos}:${source.row}`] : [];
    });
    const redelivered = positions.length - new Set(positions).size;
    console.log(
      `[mariadb-real-stack] (b) ${redelivered} of ${positions.length} change records were delivered twice; silver equal ${(caughtUp / 1000).toFixed(1)} s after the last write`,
    );
    expect(redelivered).toBeGreaterThan(0);
  }),
  10 * 60_000,
);

test(
  '(c) ALTER TABLE ... ADD COLUMN and INT -> BIGINT mid-stream, through the schema history topic',
  tracked(async () => {
    const writer = fakeIt(4_000, 9, 400);
    await Bun.sleep(3_000);
    // The statements run beside fake-it's transactions: a deadlock or lock wait is the server's to
    // report and the writer's to retry, as fake-it does.
    const run = (statement: string) => retryingTransient(async () => void (await sql.unsafe(statement)), isTransientMysqlError);
    await run('ALTER TABLE voters ADD COLUMN score int');
    await run('UPDATE voters SET score = id % 1000 WHERE id % 5 = 0');
    await Bun.sleep(2_000);
    await run('ALTER TABLE voters MODIFY score bigint');
    await run('UPDATE voters SET score = 5000000000 + id WHERE id % 7 = 0');
    await writer.done();
    await run('UPDATE voters SET score = -5000000000 - id WHERE id % 11 = 0');
    await expectSilverEqualsSource();

    const ddl = (await topicValues(historyTopic)).map((v) => (JSON.parse(v) as { ddl?: string }).ddl ?? '');
    expect(ddl.some((d) => /ADD COLUMN score int/i.test(d))).toBe(true);
    expect(ddl.some((d) => /MODIFY score bigint/i.test(d))).toBe(true);
  }),
  10 * 60_000,
);
