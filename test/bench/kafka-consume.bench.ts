/**
 * kafkajs consume throughput against a real broker. Figures only, never asserted.
 *   bun test/bench/kafka-consume.bench.ts [records]
 * Uses KAFKA_BROKERS when set, else brings up the local stack (compose/local/up) and uses its broker.
 * Produces `records` voters-book Debezium records (JsonConverter with schemas, ~1.5 KB) to a fresh
 * 3-partition topic, then times (1) a bare kafkajs consumer group that turns each message into a
 * KafkaRecord, and (2) KafkaSource with a no-op pipeline (its batching, backpressure and offset commits).
 */
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import type { KafkaRecord } from '../../src/cdc/index.ts';
import { KafkaSource } from '../../src/source/kafka/kafka.ts';
import { VotersBook, Workload } from '../../fake-it/index.ts';

const count = Number(process.argv[2] ?? 200_000);
const brokers = (process.env.KAFKA_BROKERS ?? (await stackBrokers())).split(',');
const kafka = new Kafka({ clientId: 'bench', brokers, logLevel: logLevel.NOTHING });
const topic = `bench.kafka-consume.${Date.now()}`;

// A pool of real records, cycled with fresh keys.
const book = VotersBook.open(':memory:', { seed: 1 });
const workload = new Workload(book.resumeState());
while (book.lastPosition() < 20_000) book.apply(workload.next());
const pool = book
  .readOutbox(0, 20_000)
  .map((e) => e.record.value)
  .filter((v): v is string => v !== null);
book.close();
const avgBytes = Math.round(pool.reduce((n, v) => n + v.length, 0) / pool.length);

const admin = kafka.admin();
await admin.connect();
await admin.createTopics({ topics: [{ topic, numPartitions: 3, replicationFactor: 1 }], waitForLeaders: true });

const producer = kafka.producer({ allowAutoTopicCreation: false });
await producer.connect();
let t0 = performance.now();
const chunk = 500;
for (let sent = 0; sent < count; sent += chunk) {
  const messages = [];
  for (let i = sent; i < Math.min(count, sent + chunk); i++) messages.push({ key: `{"id":${i}}`, value: pool[i % pool.length]! });
  await producer.send({ topic, acks: 1, messages });
}
await producer.disconnect();
report('produce (kafkajs, acks=1, 500 per request)', performance.now() - t0);

// (1) bare kafkajs
{
  const consumer = kafka.consumer({ groupId: `${topic}.raw`, maxBytesPerPartition: 8 << 20, maxBytes: 32 << 20, maxWaitTimeInMs: 200 });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  let seen = 0;
  let first = 0;
  let sink = 0;
  const done = Promise.withResolvers<void>();
  t0 = performance.now();
  await consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch }) => {
      if (first === 0) first = performance.now();
      for (const m of batch.messages) {
        const r: KafkaRecord = {
          topic,
          partition: batch.partition,
          offset: m.offset,
          timestamp: Number(m.timestamp),
          key: m.key?.toString() ?? null,
          value: m.value?.toString() ?? null,
        };
        sink += r.value!.length;
      }
      seen += batch.messages.length;
      if (seen >= count) done.resolve();
    },
  });
  await done.promise;
  const end = performance.now();
  await consumer.disconnect();
  report('kafkajs eachBatch -> KafkaRecord (from run)', end - t0);
  report('kafkajs eachBatch -> KafkaRecord (first batch to last)', end - first);
  if (sink === 0) console.log('(nothing consumed)');
}

// (2) KafkaSource with a no-op pipeline
{
  const source = KafkaSource.open({
    brokers,
    topics: new RegExp(topic.replace(/\./g, '\\.')),
    groupId: `${topic}.source`,
    flush: { maxLatencyMs: 250, maxRecords: 5_000 },
  });
  const stop = new AbortController();
  let seen = 0;
  let first = 0;
  t0 = performance.now();
  const running = source.run(
    async (records) => {
      if (first === 0) first = performance.now();
      seen += records.length;
      if (seen >= count) stop.abort();
    },
    new Map(),
    stop.signal,
  );
  await running;
  const end = performance.now();
  report('KafkaSource, no-op pipeline (from run)', end - t0);
  report('KafkaSource, no-op pipeline (first batch to last)', end - first);
}

await admin.deleteTopics({ topics: [topic] });
await admin.disconnect();

function report(what: string, ms: number): void {
  const perSec = Math.round((count / ms) * 1000).toLocaleString('en-US');
  const mib = ((count * avgBytes) / 2 ** 20 / (ms / 1000)).toFixed(0);
  console.log(`${what.padEnd(56)} ${perSec.padStart(9)} records/s ${mib.padStart(5)} MiB/s  (${(ms / 1000).toFixed(1)} s, ${count} x ~${avgBytes} B)`);
}

async function stackBrokers(): Promise<string> {
  const proc = Bun.spawn([join(import.meta.dir, '../../compose/local/up')], { stdout: 'pipe', stderr: 'inherit' });
  const out = await new Response(proc.stdout).text();
  if ((await proc.exited) !== 0) throw new Error('compose/local/up failed; see above');
  const line = out.split('\n').find((l) => l.startsWith('KAFKA_BROKERS='));
  if (!line) throw new Error(`compose/local/up printed no KAFKA_BROKERS=...:\n${out}`);
  return line.slice('KAFKA_BROKERS='.length);
}
