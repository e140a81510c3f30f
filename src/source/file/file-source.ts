/**
 * A recorded stream as a source: an NDJSON file of Kafka records (what `lakehouse cat bronze --format
 * ndjson` writes), delivered in file order and then held open, so `serve --file` shows a recorded run
 * through the API and the TUI. Records bronze already holds are redeliveries the pipeline drops, so a
 * restart replays the file from its start without effect.
 */
import type { KafkaRecord } from '../../cdc/index.ts';
import type { SourceInfo } from '../../pipeline/lakehouse-view.ts';
import { defaultFlushPolicy, type RecordSource } from '../source.ts';
import { fileChunks, ndjsonBatches } from './ndjson-records.ts';

export class FileSource implements RecordSource {
  readonly info: SourceInfo = { kind: 'file' };
  private delivering = true;

  constructor(
    private readonly path: string,
    private readonly batchSize = defaultFlushPolicy.maxRecords,
  ) {}

  async run(deliver: (records: KafkaRecord[]) => Promise<void>, _resume: ReadonlyMap<string, bigint>, signal: AbortSignal): Promise<void> {
    for await (const batch of ndjsonBatches(fileChunks(this.path), this.path, this.batchSize)) {
      if (signal.aborted) return;
      await deliver(batch);
    }
    this.delivering = false;
    if (!signal.aborted) await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
  }

  /** Unknown while the file is read (it is not counted ahead), then nothing. */
  lag(): number {
    return this.delivering ? 1 : 0;
  }
}
