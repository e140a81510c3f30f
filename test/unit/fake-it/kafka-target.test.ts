/**
 * The Kafka target against a real broker. Needs LAKEHOUSE_TEST_KAFKA_BROKERS (host:port[,...]); without
 * it the test is skipped, saying so. Topics get a fresh prefix per run, so a shared broker is fine.
 */
import { describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { ChangeDecoder } from '../../../src/cdc/index.ts';
import { KafkaTarget, VotersBook, runFakeIt } from '../../../fake-it/index.ts';

const brokers = process.env.LAKEHOUSE_TEST_KAFKA_BROKERS?.split(',');

describe.skipIf(!brokers)('fake-it Kafka target (set LAKEHOUSE_TEST_KAFKA_BROKERS to run)', () => {
  test('produces the outbox to Kafka, in order, and resends nothing twice', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fake-it-kafka-'));
    const serverName = `fakeit_${Date.now().toString(36)}`;
    const bookPath = join(dir, 'book.db');
    const options = {
      target: { kind: 'kafka' as const, brokers: brokers!, bookPath },
      rate: 0,
      ops: 60,
      seed: 2,
      serverName,
      replicaIdentity: 'full' as const,
      tombstones: true,
    };
    try {
      await runFakeIt(options, new KafkaTarget(brokers!, bookPath, { serverName, seed: 2 }));
      await runFakeIt({ ...options, ops: 20 }, new KafkaTarget(brokers!, bookPath, { serverName }));
      const book = VotersBook.open(bookPath);
      const outbox = book.readOutbox(0, 100_000).map((e) => e.record);
      book.close();

      const kafka = new Kafka({ clientId: 'fake-it-test', brokers: brokers!, logLevel: logLevel.NOTHING });
      const consumer = kafka.consumer({ groupId: `${serverName}-check` });
      await consumer.connect();
      const topics = [...new Set(outbox.map((r) => r.topic))];
      await consumer.subscribe({ topics, fromBeginning: true });
      const received: { topic: string; key: string | null; value: string | null }[] = [];
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`received ${received.length} of ${outbox.length} records`)), 30_000);
        consumer.run({
          eachMessage: async ({ topic, message }) => {
            received.push({ topic, key: message.key?.toString() ?? null, value: message.value?.toString() ?? null });
            if (received.length >= outbox.length) {
              clearTimeout(timer);
              resolve();
            }
          },
        });
      });
      await consumer.disconnect();
      for (const topic of topics) {
        const want = outbox.filter((r) => r.topic === topic).map((r) => ({ topic, key: r.key, value: r.value }));
        expect(received.filter((r) => r.topic === topic)).toEqual(want);
      }
      const decoder = new ChangeDecoder();
      for (const r of received) expect(decoder.decode({ ...r, partition: 0, offset: '0', timestamp: 0 }).kind).not.toBe('invalid');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
