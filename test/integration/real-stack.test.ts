/**
 * The real stack end to end: fake-it writes SQL to PostgreSQL, the Debezium PostgreSQL connector on
 * Kafka Connect captures it into a KRaft Kafka broker, and `lakehouse serve --kafka` turns it into
 * silver. The tests start the stack themselves with compose/local/up (on free ports with its state in
 * the test's own directory, so a stack you run by hand, or another test run, is left alone) and stop it
 * with compose/local/down.
 *
 * If the stack cannot start, the suite fails with the launcher's message: nothing is skipped.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SQL } from 'bun';
import { Kafka, logLevel } from 'kafkajs';
import type { KafkaRecord } from '../../src/cdc/index.ts';
import { KafkaSource } from '../../src/source/kafka/kafka.ts';
import {
  LakehouseServer,
  expectSilverReaches,
  freePort,
  postgresTable,
  privateStackEnv,
  stackDown,
  stackUp,
  startFakeIt,
  type Stack,
} from './real-stack-support.ts';

const workDir = mkdtempSync(join(tmpdir(), 'lh-real-stack-'));
const stackEnv = privateStackEnv(workDir);
const appTables = ['voters', 'polls', 'ballots'];
const dataDir = join(workDir, 'lake');

let stack: Stack;
let sql: SQL;
let server: LakehouseServer;
let failures = 0;

/** Wraps a test body so afterAll knows whether to keep the logs. */
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
  stack = await stackUp(stackEnv);
  console.log(`[real-stack] compose/local/up took ${((performance.now() - started) / 1000).toFixed(1)} s`);
  sql = new SQL(stack.PG_URL);
  server = new LakehouseServer(dataDir, freePort(), stack.KAFKA_BROKERS, join(workDir, 'serve.log'));
  await server.start();
}, 20 * 60_000);

afterAll(async () => {
  await server?.stop().catch(() => {});
  await sql?.close();
  if (failures > 0) {
    await stackDown(stackEnv);
    console.log(`[real-stack] kept for inspection: stack logs in ${stackEnv.LAKEHOUSE_STACK_DIR}/logs, lakehouse data and log in ${workDir}`);
  } else {
    await stackDown(stackEnv, '--purge');
    rmSync(workDir, { recursive: true, force: true });
  }
}, 180_000);

const fakeIt = (ops: number, seed: number, rate: number) => startFakeIt(['--postgres', stack.PG_URL], ops, seed, rate);

/** Polls until every silver table equals its PostgreSQL table, then checks lakehouse has consumed every record. */
const expectSilverEqualsSource = (tables = appTables, timeoutMs = 240_000): Promise<number> =>
  expectSilverReaches({ tables, dataDir, brokers: stack.KAFKA_BROKERS, topicPrefix: 'votersbook.', source: (t) => postgresTable(sql, t), server, timeoutMs });

test(
  '(a) 20,000 operations written to PostgreSQL reach silver through Debezium and Kafka, row for row',
  tracked(async () => {
    const started = performance.now();
    await fakeIt(20_000, 7, 0).done();
    const written = performance.now();
    const caughtUp = await expectSilverEqualsSource();
    console.log(
      `[real-stack] (a) fake-it wrote 20,000 ops in ${((written - started) / 1000).toFixed(1)} s; silver equal ${(caughtUp / 1000).toFixed(1)} s after the last write`,
    );
  }),
  10 * 60_000,
);

test(
  '(b) the same while lakehouse is killed with -9 and restarted three times and the broker restarts once',
  tracked(async () => {
    const writer = fakeIt(12_000, 8, 300); // about 40 s of changes
    await Bun.sleep(5_000);
    await server.kill9();
    await server.start();
    await Bun.sleep(6_000);
    await server.kill9();
    await server.start();

    await Bun.sleep(4_000);
    const kafkaPid = Number(readFileSync(join(stack.STACK_DIR, 'pids', 'kafka.pid'), 'utf8'));
    process.kill(kafkaPid, 'SIGTERM');
    while (isAlive(kafkaPid)) await Bun.sleep(200);
    await Bun.sleep(3_000); // lakehouse and Connect see the outage
    const health = (await (await fetch(`${server.url}/health`)).json()) as { status: string };
    console.log(`[real-stack] (b) /health during the broker outage: ${JSON.stringify(health)}`);
    await stackUp(stackEnv); // restarts the broker only: up is idempotent

    await Bun.sleep(4_000);
    await server.kill9();
    await server.start();
    await writer.done();
    const caughtUp = await expectSilverEqualsSource();
    expect(server.unexpectedExits).toEqual([]);
    console.log(`[real-stack] (b) silver equal ${(caughtUp / 1000).toFixed(1)} s after the last write`);
  }),
  10 * 60_000,
);

test(
  '(c) ALTER TABLE ... ADD COLUMN mid-stream',
  tracked(async () => {
    const writer = fakeIt(4_000, 9, 400);
    await Bun.sleep(3_000);
    await sql`ALTER TABLE voters ADD COLUMN nickname text`;
    await sql`UPDATE voters SET nickname = 'nick-' || id WHERE id % 5 = 0`;
    await writer.done();
    await sql`UPDATE voters SET nickname = 'late-' || id WHERE id % 11 = 0`;
    await expectSilverEqualsSource();
  }),
  10 * 60_000,
);

test(
  '(d) freshness benchmark: source COMMIT to visible through the HTTP API (figures, not asserted)',
  tracked(async () => {
    await sql`CREATE TABLE freshness_probe (id bigint PRIMARY KEY, note text NOT NULL)`;
    const seen = new Map<string, number>();
    const feed = new AbortController();
    const reading = followChanges('freshness_probe', feed.signal, (id) => {
      if (!seen.has(id)) seen.set(id, performance.now());
    });

    // Warm-up: the new topic is discovered and the table created before measuring.
    await sql`INSERT INTO freshness_probe VALUES (0, 'warm-up')`;
    await waitFor(() => seen.has('0'), 60_000, 'the warm-up row never appeared in /api/changes');

    const commits = 1_000;
    const ratePerSecond = 50;
    const committed = new Map<string, number>();
    const start = performance.now();
    for (let i = 1; i <= commits; i++) {
      await sql`INSERT INTO freshness_probe VALUES (${i}, ${'probe ' + i})`;
      committed.set(String(i), performance.now());
      const due = start + (i * 1000) / ratePerSecond;
      if (due > performance.now()) await Bun.sleep(due - performance.now());
    }
    await waitFor(() => [...committed.keys()].every((id) => seen.has(id)), 60_000, 'not every probe row appeared in /api/changes');
    feed.abort();
    await reading;

    const latencies = [...committed].map(([id, t]) => seen.get(id)! - t).sort((a, b) => a - b);
    const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!.toFixed(0);
    console.log(`[real-stack] (d) freshness over ${commits} commits at ${ratePerSecond}/s: p50 ${pct(50)} ms, p99 ${pct(99)} ms, max ${pct(100)} ms`);
    expect(latencies.length).toBe(commits);
  }),
  5 * 60_000,
);

test(
  'KafkaSource resumes after the stored positions, bounds its batches, and picks up topics created later',
  tracked(async () => {
    const kafka = new Kafka({ brokers: [stack.KAFKA_BROKERS], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    const producer = kafka.producer();
    await Promise.all([admin.connect(), producer.connect()]);
    const prefix = `lhtest.${Date.now()}`;
    try {
      await admin.createTopics({ topics: [{ topic: `${prefix}.early`, numPartitions: 1 }], waitForLeaders: true });
      await producer.send({ topic: `${prefix}.early`, messages: Array.from({ length: 30 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })) });

      const source = KafkaSource.open({
        brokers: [stack.KAFKA_BROKERS],
        topics: new RegExp(`${prefix.replace('.', '\\.')}\\..*`),
        groupId: `${prefix}.group`,
        flush: { maxLatencyMs: 100, maxRecords: 7 },
        metadataRefreshMs: 300,
      });
      const batches: KafkaRecord[][] = [];
      const stop = new AbortController();
      const running = source.run(async (records) => void batches.push(records), new Map([[`${prefix}.early:0`, 9n]]), stop.signal);
      const delivered = () => batches.flat();
      await waitFor(() => delivered().length >= 20, 30_000, 'the early topic was not consumed');
      expect(delivered().map((r) => r.offset)).toEqual(Array.from({ length: 20 }, (_, i) => String(10 + i)));
      expect(delivered()[0]).toMatchObject({ topic: `${prefix}.early`, partition: 0, key: 'k10', value: 'v10' });
      expect(Math.max(...batches.map((b) => b.length))).toBeLessThanOrEqual(7);
      await waitFor(() => source.lag() === 0, 10_000, `lag stayed at ${source.lag()}`);

      await admin.createTopics({ topics: [{ topic: `${prefix}.late`, numPartitions: 2 }], waitForLeaders: true });
      await producer.send({
        topic: `${prefix}.late`,
        messages: [
          { key: 'a', value: 'late-1' },
          { key: 'b', value: 'late-2' },
        ],
      });
      await waitFor(() => delivered().length === 22, 30_000, 'the topic created later was not consumed');
      expect(
        delivered()
          .slice(20)
          .map((r) => r.value)
          .sort(),
      ).toEqual(['late-1', 'late-2']);
      expect(source.status()).toMatchObject({ state: 'consuming', topics: [`${prefix}.early`, `${prefix}.late`] });
      stop.abort();
      await running;
      expect(source.status().state).toBe('stopped');
    } finally {
      await producer.disconnect();
      await admin.deleteTopics({ topics: [`${prefix}.early`, `${prefix}.late`] }).catch(() => {});
      await admin.disconnect();
    }
  }),
  120_000,
);

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitFor(done: () => boolean, timeoutMs: number, message: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`${message} (after ${timeoutMs / 1000} s)\n--- lakehouse log:\n${server.logTail()}`);
    await Bun.sleep(20);
  }
}

/**
 * Follows the SSE change feed of `table` and reports the key id of each change. A dropped connection is
 * resumed with Last-Event-ID (and said, since replayed changes arrive late).
 */
async function followChanges(table: string, signal: AbortSignal, onChange: (id: string) => void): Promise<void> {
  let lastEventId: string | undefined;
  while (!signal.aborted) {
    try {
      const headers: Record<string, string> = lastEventId === undefined ? {} : { 'last-event-id': lastEventId };
      const response = await fetch(`${server.url}/api/changes?table=${table}`, { signal, headers });
      const decoder = new TextDecoder();
      let buffer = '';
      for await (const chunk of response.body!) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const event = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          for (const line of event.split('\n')) {
            if (line.startsWith('id:')) lastEventId = line.slice(3).trim();
            if (!line.startsWith('data:')) continue;
            const change = JSON.parse(line.slice(5)) as { key: { id: unknown } };
            onChange(String(change.key.id));
          }
        }
      }
    } catch (err) {
      if (signal.aborted) return;
      console.log(`[real-stack] (d) the change feed dropped (${(err as Error).message}); resuming after event ${lastEventId}`);
      await Bun.sleep(100);
    }
  }
}
