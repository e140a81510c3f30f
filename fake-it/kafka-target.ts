/**
 * Target: Kafka. The embedded voters book still decides the before images, LSNs and offsets (one
 * envelope builder for all targets); its outbox is then produced to the brokers. The last position
 * the brokers acknowledged is kept in the book, so after a crash the unsent tail is produced again
 * (at-least-once, like Kafka Connect).
 */
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { LakehouseError, ErrorCode } from '../src/core/errors.ts';
import type { SourceDatabase } from './source-database.ts';
import { VotersBook, type VotersBookOptions } from './voters-book.ts';
import type { FakeOp, WorkloadState } from './workload.ts';

const SENT_POSITION = 'kafka_sent_position';
const SEND_BATCH = 500;

export class KafkaTarget implements SourceDatabase {
  readonly description: string;
  private book: VotersBook | undefined;
  private producer: Producer | undefined;

  constructor(
    private readonly brokers: string[],
    private readonly bookPath: string,
    private readonly options: VotersBookOptions,
  ) {
    this.description = `Kafka ${brokers.join(',')} (outbox ${bookPath})`;
  }

  async open(): Promise<WorkloadState> {
    this.book = VotersBook.open(this.bookPath, this.options);
    this.producer = new Kafka({ clientId: 'lakehouse-fake-it', brokers: this.brokers, logLevel: logLevel.NOTHING }).producer({
      allowAutoTopicCreation: true,
      idempotent: true,
      maxInFlightRequests: 1,
    });
    try {
      await this.producer.connect();
    } catch (err) {
      throw new LakehouseError(ErrorCode.unavailable, `cannot connect to Kafka at ${this.brokers.join(',')}: ${(err as Error).message}`, {
        hint: 'check --kafka host:port and that the broker is running',
        retryable: true,
        cause: err,
      });
    }
    await this.sendPending();
    return this.book.resumeState();
  }

  async apply(op: FakeOp): Promise<void> {
    this.book!.apply(op);
    await this.sendPending();
  }

  async close(): Promise<void> {
    await this.producer?.disconnect();
    this.book?.close();
  }

  private async sendPending(): Promise<void> {
    const book = this.book!;
    let sent = Number(book.getMeta(SENT_POSITION) ?? 0);
    for (;;) {
      const entries = book.readOutbox(sent, SEND_BATCH);
      if (entries.length === 0) return;
      const byTopic = new Map<string, { partition: number; key: string | null; value: string | null; timestamp: string }[]>();
      for (const { record } of entries) {
        let messages = byTopic.get(record.topic);
        if (!messages) byTopic.set(record.topic, (messages = []));
        // The outbox's partition (0), not a key hash: one total order per topic, as in the outbox.
        messages.push({ partition: record.partition, key: record.key, value: record.value, timestamp: String(record.timestamp) });
      }
      await this.producer!.sendBatch({ topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
      sent = entries[entries.length - 1]!.position;
      book.setMeta(SENT_POSITION, String(sent));
    }
  }
}
