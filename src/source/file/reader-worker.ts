/**
 * The reading half of `lakehouse ingest`, in its own thread: reading the NDJSON file, parsing each
 * record, writing the raw records as bronze data files and decoding them (BatchPreparer) cost about
 * as much CPU as the rest of the pipeline, so they run on the second core while the main thread
 * commits and applies the previous batch. Batches go out in file order; the reader stays at most
 * `AHEAD` batches ahead, which bounds memory.
 */
import { asLakehouseError } from '../../core/errors.ts';
import { stageClock, threadCpuNs } from '../../core/stage-clock.ts';
import { openStorage } from '../../storage/index.ts';
import { partitionKey } from '../../bronze/index.ts';
import { BatchPreparer } from '../../pipeline/index.ts';
import { fileChunks, ndjsonBatches } from './ndjson-records.ts';
import type { FromIngestReader, ToIngestReader } from './reader-protocol.ts';

declare const self: Worker;

const AHEAD = 2;
let credit = AHEAD;
let wake: (() => void) | undefined;
const send = (m: FromIngestReader) => self.postMessage(m);

self.onmessage = (event: MessageEvent<ToIngestReader>) => {
  const m = event.data;
  if (m.type === 'more') {
    credit++;
    wake?.();
  } else {
    void read(m);
  }
};

let lastBatchNs = threadCpuNs();
/** This thread's stages since the last batch went out, and the rest of its CPU time as `other` (posting batches, mostly). */
function stageNsSinceLastBatch(): Record<string, number> {
  const now = threadCpuNs();
  const stages = stageClock.take();
  stages.other = now - lastBatchNs - Object.values(stages).reduce((sum, ns) => sum + ns, 0);
  lastBatchNs = now;
  return stages;
}

async function read(start: Extract<ToIngestReader, { type: 'start' }>) {
  try {
    // Bronze commits every batch this thread prepares, in order (ingest stops at the first failure),
    // so the positions advance here as batches go out.
    const positions = start.positions;
    const bronze = (await openStorage(start.tables)).at('bronze');
    const preparer = new BatchPreparer(bronze, start.bronzeOptions, (topic, partition) => positions.get(partitionKey(topic, partition)), start.decoderOptions);
    const bytes = start.path === '-' ? Bun.stdin.stream() : fileChunks(start.path);
    const batches = ndjsonBatches(bytes, start.path, start.batchSize)[Symbol.asyncIterator]();
    for (;;) {
      const next = await stageClock.measureAsync('read', () => batches.next());
      if (next.done) break;
      const batch = await preparer.prepare(next.value);
      for (const s of batch.bronze?.spans ?? []) positions.set(partitionKey(s.topic, s.partition), BigInt(s.last));
      while (credit === 0) await new Promise<void>((resolve) => (wake = resolve));
      credit--;
      send({ type: 'batch', batch, stageNs: stageNsSinceLastBatch() });
      // The batch's lines and parsed objects are garbage now (see ingest.ts).
      stageClock.measure('gc', () => Bun.gc(true));
    }
    send({ type: 'end' });
  } catch (err) {
    const e = asLakehouseError(err);
    send({ type: 'failed', error: { code: e.code, message: e.message, ...(e.hint ? { hint: e.hint } : {}) } });
  }
}
