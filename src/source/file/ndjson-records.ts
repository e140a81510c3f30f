/**
 * NDJSON Kafka records, as `lakehouse ingest` reads them: one JSON object a line,
 * `{topic, partition, offset, timestamp, key, value}`, key and value being the raw record text.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { invalidInput } from '../../core/errors.ts';
import type { KafkaRecord } from '../../cdc/index.ts';

const SHAPE_HINT = 'each line must be {"topic","partition","offset","timestamp","key","value"}';

/** One line is one Kafka record; key and value are the raw bytes as text (null = tombstone). */
export function parseRecord(text: string, file: string, line: number): KafkaRecord {
  let r: Record<string, unknown>;
  try {
    r = JSON.parse(text);
  } catch (err) {
    throw invalidInput(`${file}:${line} is not JSON${err instanceof RangeError ? ' (nested too deeply)' : ''}`, SHAPE_HINT);
  }
  if (r === null || typeof r !== 'object' || Array.isArray(r)) throw invalidInput(`${file}:${line} is not a JSON object`, SHAPE_HINT);
  const offset = r.offset;
  if (typeof r.topic !== 'string' || r.topic === '' || !isInt32(r.partition) || !isOffset(offset)) {
    throw invalidInput(`${file}:${line} is not a Kafka record: needs topic (string), partition (integer 0..2^31-1) and offset (integer 0..2^63-1)`, SHAPE_HINT);
  }
  try {
    return {
      topic: r.topic,
      partition: r.partition as number,
      offset: String(offset),
      timestamp: timestampOf(r.timestamp, file, line),
      key: rawText(r.key),
      value: rawText(r.value),
    };
  } catch (err) {
    if (err instanceof RangeError) throw invalidInput(`${file}:${line} has a key or value nested too deeply`, SHAPE_HINT);
    throw err;
  }
}

const isInt32 = (v: unknown) => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 2 ** 31 - 1;
const isOffset = (v: unknown) =>
  (Number.isSafeInteger(v) && (v as number) >= 0) || (typeof v === 'string' && /^\d{1,19}$/.test(v) && BigInt(v) <= 2n ** 63n - 1n);
/** The milliseconds a JavaScript date holds at most, either side of 1970. */
const MAX_DATE_MS = 8.64e15;

/**
 * Epoch milliseconds: a number, a decimal string as Kafka clients (kafkajs) give it, or a timestamp text
 * as `lakehouse cat bronze --format ndjson` writes it (UTC unless it names an offset); absent -> now.
 */
function timestampOf(v: unknown, file: string, line: number): number {
  if (v === undefined || v === null) return Date.now();
  if (Number.isInteger(v) && Math.abs(v as number) <= MAX_DATE_MS) return v as number;
  if (typeof v === 'string' && /^-?\d+$/.test(v) && Math.abs(Number(v)) <= MAX_DATE_MS) return Number(v);
  const text = typeof v === 'string' ? TIMESTAMP_TEXT.exec(v) : null;
  if (text) {
    const ms = Date.parse(`${text[1]}${(text[2] ?? '').slice(0, 4)}${text[3] ?? 'Z'}`);
    if (Number.isFinite(ms)) return ms;
  }
  throw invalidInput(`${file}:${line} has a timestamp that is neither epoch milliseconds nor a timestamp text: ${JSON.stringify(v).slice(0, 40)}`, SHAPE_HINT);
}

/** Date and time, fraction (its milliseconds are kept), offset. */
const TIMESTAMP_TEXT = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)?$/;

const rawText = (v: unknown) => (v === null || v === undefined ? null : typeof v === 'string' ? v : JSON.stringify(v));

/**
 * The records of an NDJSON byte stream in batches of `batchSize` (the last one may be shorter). Blank
 * lines are skipped; a line that is not a record throws, naming `file` and the line number.
 */
export async function* ndjsonBatches(bytes: AsyncIterable<Uint8Array>, file: string, batchSize: number): AsyncGenerator<KafkaRecord[]> {
  // Lines are cut from the bytes and decoded one by one: decoding whole chunks made a large string
  // per chunk (and another to join a chunk's last, partial line), memory that churns.
  const decoder = new TextDecoder();
  let carry: Uint8Array | undefined;
  let line = 0;
  let batch: KafkaRecord[] = [];
  const take = (bytes: Uint8Array) => {
    line++;
    const text = decoder.decode(bytes);
    if (text.trim() !== '') batch.push(parseRecord(text, file, line));
  };
  for await (const chunk of bytes) {
    let start = 0;
    for (let end = chunk.indexOf(10); end >= 0; end = chunk.indexOf(10, start)) {
      take(carry ? concat(carry, chunk.subarray(start, end)) : chunk.subarray(start, end));
      carry = undefined;
      start = end + 1;
      if (batch.length >= batchSize) {
        yield batch;
        batch = [];
      }
    }
    // The chunk's buffer may be reused for the next one: keep a copy of the partial line.
    if (start < chunk.length) carry = carry ? concat(carry, chunk.subarray(start)) : chunk.slice(start);
  }
  if (carry) take(carry);
  if (batch.length > 0) yield batch;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/**
 * A file's bytes through one reused buffer: each chunk is valid until the next is read. A fresh buffer
 * per chunk (a file stream's) is memory the allocator hands back to the OS and faults in again, chunk
 * after chunk: that cost as much CPU as parsing the records.
 */
export async function* fileChunks(path: string, chunkSize = 1 << 20): AsyncGenerator<Uint8Array> {
  const fd = openSync(path, 'r');
  try {
    const buffer = new Uint8Array(chunkSize);
    for (let n = readSync(fd, buffer); n > 0; n = readSync(fd, buffer)) yield buffer.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}
