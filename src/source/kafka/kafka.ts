/**
 * The Kafka source: a kafkajs consumer group on the topics whose whole name matches a regex.
 *
 * Positions: bronze is the source of truth. The source keeps, per `topic:partition`, the last offset it
 * has accepted (seeded from bronze's `resume` map) and, whenever the group assigns partitions, seeks
 * each to that offset + 1, or to the partition's earliest offset when bronze has none. Offsets are
 * committed to Kafka only after the pipeline has committed a batch, and only so that Kafka tooling can
 * show the group's lag; they are never read back.
 *
 * New topics and partitions: the topic list is re-read every `metadataRefreshMs`; when the matching
 * set changes, the consumer is flushed and restarted on the new set.
 *
 * Failures: kafkajs retries requests itself; when it gives up (broker down, group errors) the consumer
 * is closed and reopened with exponential backoff, forever, and `status()` says why. Records already
 * fetched are delivered, records not yet fetched are fetched again, so nothing is lost or repeated.
 * Only a failing delivery (the pipeline itself) ends `run`.
 */
import { Kafka, logLevel, type Admin, type Consumer, type EachBatchPayload, type KafkaConfig, type KafkaMessage, type SASLOptions } from 'kafkajs';
import type { KafkaRecord } from '../../cdc/index.ts';
import { LakehouseError, ErrorCode } from '../../core/errors.ts';
import { silentLogger, type Logger } from '../../core/log.ts';
import type { SourceInfo } from '../../pipeline/lakehouse-view.ts';
import { Backoff, sleep } from '../backoff.ts';
import { RecordBatcher } from '../record-batcher.ts';
import './kafkajs-negative-timeout.ts';
import { kafkaFlushPolicy, type FlushPolicy, type RecordSource, type SourceHealth } from '../source.ts';

export interface KafkaSourceOptions {
  /** Bootstrap brokers, `host:port`. */
  brokers: readonly string[];
  /** Topics to consume: the whole name must match. Names starting with `__` (internal topics) never do. */
  topics: RegExp;
  /** Consumer group (default `lakehouse`). Its committed offsets are for lag monitoring only. */
  groupId?: string;
  clientId?: string;
  ssl?: KafkaConfig['ssl'];
  sasl?: SASLOptions;
  flush?: FlushPolicy;
  /** How often to look for new matching topics or partitions and refresh high watermarks (default 5 s). */
  metadataRefreshMs?: number;
  log?: Logger;
}

export const KafkaSourceState = {
  starting: 'starting',
  waitingForTopics: 'waiting-for-topics',
  consuming: 'consuming',
  retrying: 'retrying',
  stopped: 'stopped',
} as const;
export type KafkaSourceState = (typeof KafkaSourceState)[keyof typeof KafkaSourceState];

export interface KafkaSourceStatus {
  state: KafkaSourceState;
  /** Why the source waits or retries. */
  message?: string;
  /** The topics consumed now. */
  topics: readonly string[];
  /** How many times the consumer was reopened after a failure. */
  restarts: number;
}

/** The matching topics and their partition counts: a change means resubscribing. */
interface TopicSet {
  names: string[];
  signature: string;
}

export class KafkaSource implements RecordSource {
  readonly info: SourceInfo;
  private readonly flushPolicy: FlushPolicy;
  private readonly topicPattern: RegExp;
  private readonly refreshMs: number;
  private readonly log: Logger;
  private readonly kafka: Kafka;

  /** Last offset handed to the batcher (or stored in bronze), per `topic:partition`. */
  private readonly accepted = new Map<string, bigint>();
  /** Last offset the pipeline has committed, per `topic:partition`. */
  private readonly delivered = new Map<string, bigint>();
  private readonly low = new Map<string, bigint>();
  private readonly high = new Map<string, bigint>();

  private current: KafkaSourceStatus = { state: KafkaSourceState.starting, topics: [], restarts: 0 };
  private consumer: Consumer | undefined;
  private pipelineFailure: { error: unknown } | undefined;

  private constructor(private readonly options: KafkaSourceOptions) {
    this.flushPolicy = options.flush ?? kafkaFlushPolicy;
    this.topicPattern = new RegExp(`^(?:${options.topics.source})$`, options.topics.flags.replace(/[gy]/g, ''));
    this.refreshMs = options.metadataRefreshMs ?? 5_000;
    this.log = (options.log ?? silentLogger).child({ source: 'kafka' });
    this.info = { kind: 'kafka', brokers: options.brokers.join(','), topics: options.topics.source };
    this.kafka = new Kafka({
      clientId: options.clientId ?? 'lakehouse',
      brokers: [...options.brokers],
      ssl: options.ssl,
      sasl: options.sasl,
      logLevel: logLevel.WARN,
      logCreator:
        () =>
        ({ namespace, log }) =>
          this.log.debug(`kafkajs: ${log.message}`, { namespace }),
    });
  }

  /** Checks the options; connecting happens in `run`, which waits for the brokers as long as it takes. */
  static open(options: KafkaSourceOptions): KafkaSource {
    if (options.brokers.length === 0 || options.brokers.some((b) => !/^[^\s:,]+:\d+$/.test(b))) {
      throw new LakehouseError(ErrorCode.config, `invalid Kafka brokers '${options.brokers.join(',')}'`, {
        hint: 'give host:port[,host:port...], e.g. --kafka 127.0.0.1:9092',
      });
    }
    return new KafkaSource(options);
  }

  status(): KafkaSourceStatus {
    return this.current;
  }

  health(): SourceHealth {
    const { state, message } = this.current;
    return { degraded: state === KafkaSourceState.retrying, message: state === KafkaSourceState.consuming ? undefined : message };
  }

  /** Records in Kafka not yet committed by the pipeline, per `topic:partition` (as of the last fetch or refresh). */
  partitionLag(): Map<string, number> {
    const out = new Map<string, number>();
    for (const [tp, high] of this.high) {
      const last = this.delivered.get(tp);
      const next = last === undefined ? (this.low.get(tp) ?? 0n) : last + 1n;
      out.set(tp, high > next ? Number(high - next) : 0);
    }
    return out;
  }

  lag(): number {
    let total = 0;
    for (const n of this.partitionLag().values()) total += n;
    return total;
  }

  async run(deliver: (records: KafkaRecord[]) => Promise<void>, resume: ReadonlyMap<string, bigint>, signal: AbortSignal): Promise<void> {
    for (const [tp, offset] of resume) {
      this.accepted.set(tp, offset);
      this.delivered.set(tp, offset);
    }
    const batcher = new RecordBatcher(this.flushPolicy, (records) => this.deliverAndCommit(deliver, records));
    const admin = this.kafka.admin();
    const backoff = new Backoff();
    try {
      while (!signal.aborted) {
        try {
          await admin.connect();
          const topics = await this.refreshTopics(admin);
          if (topics.names.length === 0) {
            this.setState(KafkaSourceState.waitingForTopics, `no topic matches /${this.options.topics.source}/ yet`);
            await sleep(this.refreshMs, signal);
            continue;
          }
          await this.consumeUntilChanged(admin, topics, batcher, signal, backoff);
        } catch (err) {
          if (this.pipelineFailure) throw this.pipelineFailure.error;
          const delay = backoff.next();
          this.current = { ...this.current, restarts: this.current.restarts + 1 };
          this.setState(KafkaSourceState.retrying, `${(err as Error).message ?? err}; retrying in ${(delay / 1000).toFixed(1)} s`);
          await admin.disconnect().catch(() => {});
          await sleep(delay, signal);
        }
      }
    } finally {
      await admin.disconnect().catch(() => {});
      this.setState(KafkaSourceState.stopped);
    }
  }

  /** Runs one consumer on `topics` until the topic set changes, the consumer fails, or `stop` aborts. */
  private async consumeUntilChanged(admin: Admin, topics: TopicSet, batcher: RecordBatcher, stop: AbortSignal, backoff: Backoff): Promise<void> {
    const consumer = this.kafka.consumer({
      groupId: this.options.groupId ?? 'lakehouse',
      // A member killed without leaving holds its partitions until its session times out: keep it short.
      // Heartbeats continue while a delivery blocks (see accept), so a slow commit does not expire it.
      sessionTimeout: 10_000,
      heartbeatInterval: 1_000,
      maxWaitTimeInMs: 200,
      maxBytesPerPartition: 8 << 20,
      maxBytes: 32 << 20,
      retry: { retries: 5, restartOnFailure: async () => false },
    });
    const wake = new AbortController();
    const onStop = () => wake.abort();
    stop.addEventListener('abort', onStop);
    let crash: Error | undefined;
    consumer.on(consumer.events.CRASH, (e) => {
      crash = e.payload.error;
      wake.abort();
    });
    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      let partitions = 0;
      for (const [topic, assigned] of Object.entries(e.payload.memberAssignment)) {
        for (const partition of assigned) {
          const tp = `${topic}:${partition}`;
          const last = this.accepted.get(tp);
          consumer.seek({ topic, partition, offset: String(last === undefined ? (this.low.get(tp) ?? 0n) : last + 1n) });
          partitions++;
        }
      }
      backoff.reset();
      this.setState(KafkaSourceState.consuming, `${partitions} partitions assigned`);
    });

    this.consumer = consumer;
    this.current = { ...this.current, topics: topics.names };
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: topics.names, fromBeginning: true });
      await consumer.run({ autoCommit: false, eachBatch: (payload) => this.accept(payload, batcher, wake) });
      while (!wake.signal.aborted) {
        await sleep(this.refreshMs, wake.signal);
        if (wake.signal.aborted) break;
        const now = await this.refreshTopics(admin);
        if (now.signature !== topics.signature) {
          this.log.info('the matching topics changed; resubscribing', { topics: now.names.join(',') });
          break;
        }
      }
      if (crash) throw crash;
    } finally {
      stop.removeEventListener('abort', onStop);
      await consumer.stop().catch(() => {});
      await batcher.flush().finally(async () => {
        this.consumer = undefined;
        await consumer.disconnect().catch(() => {});
      });
    }
  }

  /** eachBatch: hands new records to the batcher, which waits while the pipeline is behind. */
  private async accept({ batch, heartbeat }: EachBatchPayload, batcher: RecordBatcher, wake: AbortController): Promise<void> {
    const tp = `${batch.topic}:${batch.partition}`;
    this.high.set(tp, BigInt(batch.highWatermark));
    const last = this.accepted.get(tp) ?? -1n;
    const messages = batch.messages;
    // Skip what was already accepted (a refetch after a rebalance); offsets increase within a batch.
    let first = 0;
    while (first < messages.length && BigInt(messages[first]!.offset) <= last) first++;
    if (first === messages.length) return;
    const records = new Array<KafkaRecord>(messages.length - first);
    for (let i = first; i < messages.length; i++) records[i - first] = toRecord(batch.topic, batch.partition, messages[i]!);
    this.accepted.set(tp, BigInt(records[records.length - 1]!.offset));
    const keepAlive = setInterval(() => void heartbeat().catch(() => {}), 1_000);
    try {
      await batcher.add(records, batch.offsetLag() === '0');
    } catch (err) {
      wake.abort();
      throw err;
    } finally {
      clearInterval(keepAlive);
    }
  }

  private async deliverAndCommit(deliver: (records: KafkaRecord[]) => Promise<void>, records: KafkaRecord[]): Promise<void> {
    try {
      await deliver(records);
    } catch (error) {
      this.pipelineFailure ??= { error };
      throw error;
    }
    const highest = new Map<string, KafkaRecord>();
    for (const r of records) highest.set(`${r.topic}:${r.partition}`, r);
    const commits = [];
    for (const [tp, r] of highest) {
      const offset = BigInt(r.offset);
      if (offset > (this.delivered.get(tp) ?? -1n)) this.delivered.set(tp, offset);
      commits.push({ topic: r.topic, partition: r.partition, offset: String(offset + 1n) });
    }
    this.consumer?.commitOffsets(commits).catch((err) => this.log.debug('offset commit for lag monitoring failed', { error: String(err) }));
  }

  /** Reads the matching topics and their watermarks. */
  private async refreshTopics(admin: Admin): Promise<TopicSet> {
    const names = (await admin.listTopics()).filter((n) => !n.startsWith('__') && this.topicPattern.test(n)).sort();
    const matching = new Set(names);
    for (const watermarks of [this.low, this.high]) {
      for (const tp of watermarks.keys()) if (!matching.has(tp.slice(0, tp.lastIndexOf(':')))) watermarks.delete(tp); // a deleted topic has no lag
    }
    const parts: string[] = [];
    for (const topic of names) {
      const offsets = await admin.fetchTopicOffsets(topic);
      for (const o of offsets) {
        this.low.set(`${topic}:${o.partition}`, BigInt(o.low));
        this.high.set(`${topic}:${o.partition}`, BigInt(o.high));
      }
      parts.push(`${topic}/${offsets.length}`);
    }
    return { names, signature: parts.join(',') };
  }

  private setState(state: KafkaSourceState, message?: string): void {
    const changed = state !== this.current.state || message !== this.current.message;
    this.current = { ...this.current, state, message };
    if (!changed) return;
    const fields = { state, message, brokers: this.info.brokers };
    if (state === KafkaSourceState.retrying) this.log.warn('Kafka source unavailable', fields);
    else this.log.info(`Kafka source ${state}`, fields);
  }
}

const toRecord = (topic: string, partition: number, m: KafkaMessage): KafkaRecord => ({
  topic,
  partition,
  offset: m.offset,
  timestamp: Number(m.timestamp),
  key: m.key === null ? null : m.key.toString('utf8'),
  value: m.value === null ? null : m.value.toString('utf8'),
});
