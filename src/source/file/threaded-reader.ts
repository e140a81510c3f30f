/**
 * `ingest`'s fast path for a file source: the records are read, parsed and prepared (bronze files
 * written, events decoded) by reader-worker.ts on the second core while the pipeline commits and
 * applies the previous batch.
 */
import { ErrorCode, LakehouseError } from '../../core/errors.ts';
import { workerUrl } from '../../core/worker-url.ts';
import { stageClock } from '../../core/stage-clock.ts';
import type { Pipeline, PreparedBatch } from '../../pipeline/index.ts';
import type { FromIngestReader, ToIngestReader } from './reader-protocol.ts';

const readerWorker = workerUrl('source/file/reader-worker.ts', new URL('./reader-worker.ts', import.meta.url));

/**
 * Batches in file order, read and prepared by the reader thread while the pipeline works; `backlog`
 * says the next one is ready already.
 */
export async function* readPreparedBatches(pipeline: Pipeline, file: string, batchSize: number): AsyncGenerator<{ batch: PreparedBatch; backlog: boolean }> {
  const worker = new Worker(readerWorker);
  const queue: FromIngestReader[] = [];
  let wake: (() => void) | undefined;
  worker.onmessage = (event: MessageEvent<FromIngestReader>) => {
    queue.push(event.data);
    wake?.();
  };
  worker.onerror = (event) => {
    queue.push({
      type: 'failed',
      error: { code: ErrorCode.internal, message: `internal error (a bug, please report it): the ingest reader thread failed: ${event.message}` },
    });
    wake?.();
  };
  const send = (m: ToIngestReader) => worker.postMessage(m);
  try {
    send({
      type: 'start',
      path: file,
      batchSize,
      tables: pipeline.tablesLocation,
      bronzeOptions: pipeline.bronzeFileOptions(),
      decoderOptions: pipeline.decoderOptions,
      positions: pipeline.resumePositions(),
    });
    for (;;) {
      while (queue.length === 0) await new Promise<void>((resolve) => (wake = resolve));
      const m = queue.shift()!;
      if (m.type === 'end') return;
      if (m.type === 'failed') throw new LakehouseError(m.error.code as ErrorCode, m.error.message, { hint: m.error.hint });
      send({ type: 'more' });
      stageClock.add(Object.fromEntries(Object.entries(m.stageNs).map(([stage, ns]) => [`reader thread: ${stage}`, ns])));
      yield { batch: m.batch, backlog: queue.some((q) => q.type === 'batch') };
    }
  } finally {
    worker.terminate();
  }
}
