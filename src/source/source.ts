/**
 * Where records come from. A source delivers batches and waits for each delivery to finish before it
 * reads more (backpressure); it resumes after the positions bronze has stored, never from its own
 * bookkeeping, so a restart neither loses nor repeats a record.
 */
import type { KafkaRecord } from '../cdc/index.ts';
import type { SourceInfo } from '../pipeline/lakehouse-view.ts';

export interface FlushPolicy {
  /** A batch is delivered at most this long after its first record arrived. */
  maxLatencyMs: number;
  /** ... or as soon as it holds this many records. */
  maxRecords: number;
  /** ... or this many bytes of keys and values (no limit when absent). */
  maxBytes?: number;
}

export const defaultFlushPolicy: FlushPolicy = { maxLatencyMs: 250, maxRecords: 5_000 };

/**
 * Kafka's batches are larger, bounded by bytes too: a commit's fixed cost (a bronze file, a Delta
 * commit per table, small files to compact later) is then paid per 20,000 records rather than 5,000,
 * which halved the CPU of a 300,000-row pgbench catch-up (test/bench/pgbench-stack.bench.ts).
 */
export const kafkaFlushPolicy: FlushPolicy = { maxLatencyMs: 250, maxRecords: 20_000, maxBytes: 64 << 20 };

/**
 * The embedded demo commits once a second: at its 50 changes/s, a commit every 250 ms cost a demo
 * ~2.7 batches a second, each a bronze file and up to four Delta commits, which kept serve at ~15% of a
 * core (test/bench/serve-footprint.bench.ts) and its folder growing with small files. `--max-latency`
 * sets it back.
 */
export const embeddedFlushPolicy: FlushPolicy = { ...defaultFlushPolicy, maxLatencyMs: 1_000 };

export interface RecordSource {
  readonly info: SourceInfo;
  /** Runs until `signal` aborts. `resume` maps `topic:partition` to the last offset already stored. */
  run(deliver: (records: KafkaRecord[]) => Promise<void>, resume: ReadonlyMap<string, bigint>, signal: AbortSignal): Promise<void>;
  /** Records available at the source but not yet delivered. */
  lag(): number;
  /** The same per `topic:partition`, where the source knows it (for metrics). */
  partitionLag?(): ReadonlyMap<string, number>;
  /** Whether the source is retrying after a failure (the pipeline is then degraded), and why. */
  health?(): SourceHealth;
}

export interface SourceHealth {
  degraded: boolean;
  message?: string;
}
