/**
 * NDJSON Kafka records, as `lakehouse ingest` reads them: one JSON object a line,
 * `{topic, partition, offset, timestamp, key, value}`, key and value being the raw record text.
 */
import { invalidInput } from '../core/errors.ts';
import type { KafkaRecord } from '../cdc/index.ts';

const SHAPE_HINT = 'each line must be {"topic","partition","offset","timestamp","key","value"}';

/** One line is one Kafka record; key and value are the raw bytes as text (null = tombstone). */
export function parseRecord(text: string, file: string, line: number): KafkaRecord {
  let r: Record<string, unknown>;
  try {
    r = JSON.parse(text);
  } catch {
    throw invalidInput(`${file}:${line} is not JSON`, SHAPE_HINT);
  }
  const offset = r.offset;
  if (typeof r.topic !== 'string' || !Number.isInteger(r.partition) || !(typeof offset === 'string' || Number.isInteger(offset))) {
    throw invalidInput(`${file}:${line} is not a Kafka record: needs topic (string), partition (integer) and offset`, SHAPE_HINT);
  }
  return {
    topic: r.topic,
    partition: r.partition as number,
    offset: String(offset),
    timestamp: typeof r.timestamp === 'number' || typeof r.timestamp === 'string' ? r.timestamp : Date.now(),
    key: rawText(r.key),
    value: rawText(r.value),
  };
}

const rawText = (v: unknown) => (v === null || v === undefined ? null : typeof v === 'string' ? v : JSON.stringify(v));

/**
 * The records of an NDJSON byte stream in batches of `batchSize` (the last one may be shorter). Blank
 * lines are skipped; a line that is not a record throws, naming `file` and the line number.
 */
export async function* ndjsonBatches(bytes: AsyncIterable<Uint8Array>, file: string, batchSize: number): AsyncGenerator<KafkaRecord[]> {
  const decoder = new TextDecoder();
  let carry = '';
  let line = 0;
  let batch: KafkaRecord[] = [];
  const take = (text: string) => {
    line++;
    if (text.trim() !== '') batch.push(parseRecord(text, file, line));
  };
  for await (const chunk of bytes) {
    const lines = (carry + decoder.decode(chunk, { stream: true })).split('\n');
    carry = lines.pop()!;
    for (const text of lines) {
      take(text);
      if (batch.length >= batchSize) {
        yield batch;
        batch = [];
      }
    }
  }
  take(carry + decoder.decode());
  if (batch.length > 0) yield batch;
}
