/** Messages between `lakehouse ingest` and its reader thread (reader-worker.ts). */
import type { DecoderOptions } from '../../cdc/index.ts';
import type { DataFileOptions } from '../../delta/index.ts';
import type { PreparedBatch } from '../../pipeline/index.ts';

export type ToIngestReader =
  | {
      type: 'start';
      path: string;
      batchSize: number;
      /** Where the Delta tables live (the reader writes bronze data files under `bronze/`). */
      tables: string;
      bronzeOptions: DataFileOptions;
      decoderOptions: DecoderOptions;
      /** topic:partition -> last offset bronze holds: records at or below it are redeliveries. */
      positions: Map<string, bigint>;
    }
  /** The main thread took a batch: the reader may send one more. */
  | { type: 'more' };

export type FromIngestReader =
  /** `stageNs`: the reader thread's CPU per stage since the last batch (core/stage-clock.ts). */
  | { type: 'batch'; batch: PreparedBatch; stageNs: Record<string, number> }
  | { type: 'end' }
  | { type: 'failed'; error: { code: string; message: string; hint?: string } };
