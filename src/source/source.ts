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
}

export const defaultFlushPolicy: FlushPolicy = { maxLatencyMs: 250, maxRecords: 5_000 };

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
