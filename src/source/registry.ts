/**
 * The sources `serve` can run from, one folder each. A source's entry says when the settings choose
 * it and how to open it (importing its folder only then, so kafkajs loads only for Kafka); the first
 * entry whose settings are given wins, and the embedded simulator, last, is the default. A new source
 * is a folder with its entry, added here.
 */
import { resolve } from 'node:path';
import type { Logger } from '../core/log.ts';
import type { SourceInfo } from '../pipeline/lakehouse-view.ts';
import { embeddedFlushPolicy, kafkaFlushPolicy, type FlushPolicy, type RecordSource } from './source.ts';

/** Everything any source reads from the command line and the environment. */
export interface SourceSettings {
  /** Kafka brokers, host:port[,...]. */
  kafka?: string;
  /** Topics to consume, a regular expression (Kafka). */
  topics: string;
  /** An NDJSON file of Kafka records. */
  file?: string;
  /** Simulator changes per second, 0 = as fast as possible (embedded). */
  rate: number;
  seed: number;
  /** The longest a record waits for its batch to be delivered (default: the source's own). */
  maxLatencyMs?: number;
  /** The local state folder (the embedded simulator keeps its book there). */
  stateDir: string;
  env: Record<string, string | undefined>;
  log: Logger;
}

export interface SourceEntry {
  kind: SourceInfo['kind'];
  /** Whether these settings ask for this source. */
  chosen(settings: SourceSettings): boolean;
  /** What the welcome line says it reads. */
  describe(settings: SourceSettings): string;
  open(settings: SourceSettings): Promise<RecordSource>;
}

export const SOURCES: readonly SourceEntry[] = [
  {
    kind: 'kafka',
    chosen: (s) => s.kafka !== undefined,
    describe: (s) => `Kafka ${s.kafka} topics /${s.topics}/`,
    async open(s) {
      const [{ KafkaSource }, { kafkaConnection }] = await Promise.all([import('./kafka/kafka.ts'), import('./kafka/kafka-config.ts')]);
      return KafkaSource.open({ ...kafkaConnection(s.kafka!, s.topics, s.env), log: s.log, flush: withLatency(kafkaFlushPolicy, s.maxLatencyMs) });
    },
  },
  {
    kind: 'file',
    chosen: (s) => s.file !== undefined,
    describe: (s) => `records from ${s.file}`,
    async open(s) {
      const { FileSource } = await import('./file/file-source.ts');
      return new FileSource(s.file!);
    },
  },
  {
    kind: 'embedded',
    chosen: () => true,
    describe: () => 'embedded voters-book simulator',
    async open(s) {
      const { EmbeddedSource } = await import('./embedded/embedded.ts');
      return EmbeddedSource.open({
        dbPath: resolve(s.stateDir, 'embedded', 'voters-book.db'),
        rate: s.rate,
        seed: s.seed,
        flush: withLatency(embeddedFlushPolicy, s.maxLatencyMs),
      });
    },
  },
];

const withLatency = (policy: FlushPolicy, maxLatencyMs: number | undefined): FlushPolicy => (maxLatencyMs === undefined ? policy : { ...policy, maxLatencyMs });

/** The source the settings choose, opened, and how to describe it. */
export async function openSource(settings: SourceSettings): Promise<{ source: RecordSource; description: string }> {
  const entry = SOURCES.find((e) => e.chosen(settings))!;
  return { source: await entry.open(settings), description: entry.describe(settings) };
}
