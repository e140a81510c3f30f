/** Messages between `lakehouse ingest` and its reader thread (ingest-reader-worker.ts). */
import type { KafkaRecord } from '../cdc/index.ts';

export type ToIngestReader =
  | { type: 'start'; path: string; batchSize: number }
  /** The main thread took a batch: the reader may send one more. */
  | { type: 'more' };

export type FromIngestReader =
  | { type: 'batch'; records: KafkaRecord[] }
  | { type: 'end' }
  | { type: 'failed'; error: { code: string; message: string; hint?: string } };
