/**
 * The reading half of `lakehouse ingest`, in its own thread: reading the NDJSON file, splitting lines
 * and parsing each record's outer JSON cost about as much CPU as the pipeline's per-record work, so
 * they run on the second core while the main thread applies the previous batch. Batches go out in
 * file order; the reader stays at most `AHEAD` batches ahead, which bounds memory.
 */
import { asLakehouseError } from '../core/errors.ts';
import { ndjsonBatches } from './ndjson-records.ts';
import type { FromIngestReader, ToIngestReader } from './ingest-reader-protocol.ts';

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
    void read(m.path, m.batchSize);
  }
};

async function read(path: string, batchSize: number) {
  try {
    const bytes = path === '-' ? Bun.stdin.stream() : Bun.file(path).stream();
    for await (const records of ndjsonBatches(bytes, path, batchSize)) {
      while (credit === 0) await new Promise<void>((resolve) => (wake = resolve));
      credit--;
      send({ type: 'batch', records });
      Bun.gc(true); // the batch's lines and parsed objects are garbage now (see ingest.ts)
    }
    send({ type: 'end' });
  } catch (err) {
    const e = asLakehouseError(err);
    send({ type: 'failed', error: { code: e.code, message: e.message, ...(e.hint ? { hint: e.hint } : {}) } });
  }
}
