import { expect, test } from 'bun:test';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileChunks, ndjsonBatches, parseRecord } from '../../../src/source/file/ndjson-records.ts';
import type { KafkaRecord } from '../../../src/cdc/index.ts';

const record = (n: number): KafkaRecord => ({
  topic: 'db.public.voters',
  partition: n % 3,
  offset: String(n),
  timestamp: 1767600000000 + n,
  key: JSON.stringify({ id: n }),
  value: n % 5 === 0 ? null : JSON.stringify({ payload: { id: n, name: `Zoë ${'東'.repeat(n % 4)} 😀`, op: 'c' } }),
});

const records = Array.from({ length: 40 }, (_, n) => record(n));
// Blank lines, a CRLF line ending and no newline at the very end.
const text = records
  .map((r, n) => JSON.stringify(r) + (n === 7 ? '\r\n\n' : n === 20 ? '\n   \n' : '\n'))
  .join('')
  .trimEnd();

async function* inChunks(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  // One reused buffer, as fileChunks gives: a reader must not keep a chunk past the next.
  const buffer = new Uint8Array(size);
  for (let at = 0; at < bytes.length; at += size) {
    const n = Math.min(size, bytes.length - at);
    buffer.set(bytes.subarray(at, at + n));
    yield buffer.subarray(0, n);
    buffer.fill(0);
  }
}

test('records come back whole and in order whatever the chunking, multi-byte characters cut included', async () => {
  const bytes = new TextEncoder().encode(text);
  for (const size of [1, 2, 3, 7, 64, 1000, bytes.length]) {
    const got: KafkaRecord[] = [];
    const sizes: number[] = [];
    for await (const batch of ndjsonBatches(inChunks(bytes, size), 'in.ndjson', 6)) {
      got.push(...batch);
      sizes.push(batch.length);
    }
    expect(got).toEqual(records);
    expect(sizes).toEqual([6, 6, 6, 6, 6, 6, 4]);
  }
});

test('a line that is not a record names the file and line', async () => {
  const bytes = new TextEncoder().encode(`${JSON.stringify(record(1))}\n\n{"topic": 5}\n`);
  const read = async () => {
    for await (const _ of ndjsonBatches(inChunks(bytes, 16), 'in.ndjson', 10));
  };
  expect(read()).rejects.toThrow('in.ndjson:3 is not a Kafka record');
});

test('fileChunks reads a file through one buffer', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'ndjson-')), 'in.ndjson');
  writeFileSync(path, text);
  const got: KafkaRecord[] = [];
  for await (const batch of ndjsonBatches(fileChunks(path, 100), path, 1000)) got.push(...batch);
  expect(got).toEqual(records);
});

const line = (over: Record<string, unknown>) => JSON.stringify({ topic: 't', partition: 0, offset: '5', key: 'k', value: 'v', ...over });

test('a timestamp is epoch milliseconds (a number, or the decimal string kafkajs gives) or a timestamp text, as cat bronze writes', () => {
  expect(parseRecord(line({ timestamp: 1795612581209 }), 'f', 1).timestamp).toBe(1795612581209);
  expect(parseRecord(line({ timestamp: '1795612581209' }), 'f', 1).timestamp).toBe(1795612581209);
  expect(parseRecord(line({ timestamp: '2026-11-25T13:17:18.123456' }), 'f', 1).timestamp).toBe(Date.UTC(2026, 10, 25, 13, 17, 18, 123));
  expect(parseRecord(line({ timestamp: '2026-11-25T13:17:18Z' }), 'f', 1).timestamp).toBe(Date.UTC(2026, 10, 25, 13, 17, 18));
  expect(parseRecord(line({ timestamp: '2026-11-25T15:17:18.5+02:00' }), 'f', 1).timestamp).toBe(Date.UTC(2026, 10, 25, 13, 17, 18, 500));
  const before = Date.now();
  expect(parseRecord(line({}), 'f', 1).timestamp).toBeGreaterThanOrEqual(before);
  expect(() => parseRecord(line({ timestamp: 'yesterday' }), 'in.ndjson', 3)).toThrow(
    'in.ndjson:3 has a timestamp that is neither epoch milliseconds nor a timestamp text: "yesterday"',
  );
  expect(() => parseRecord(line({ timestamp: '2026-13-45T13:17:18' }), 'in.ndjson', 3)).toThrow('in.ndjson:3 has a timestamp');
});

test('a malformed line is one clear error naming the file and line, never an internal error', () => {
  const line = (r: Record<string, unknown>) => JSON.stringify({ topic: 't', partition: 0, offset: 1, timestamp: 1, key: null, value: null, ...r });
  const deep = '['.repeat(100_000) + ']'.repeat(100_000);
  const cases: [string, RegExp][] = [
    [line({ offset: 'abc' }), /^in\.ndjson:3 is not a Kafka record/],
    [line({ offset: -1 }), /^in\.ndjson:3 is not a Kafka record/],
    [line({ offset: '99999999999999999999' }), /^in\.ndjson:3 is not a Kafka record/],
    [line({ partition: -2 }), /^in\.ndjson:3 is not a Kafka record/],
    [line({ timestamp: '99999999999999999999' }), /^in\.ndjson:3 has a timestamp/],
    [line({ timestamp: 1e300 }), /^in\.ndjson:3 has a timestamp/],
    ['[1,2]', /^in\.ndjson:3 is not a JSON object/],
    [
      `{"topic":"t","partition":0,"offset":1,"key":null,"value":${deep}}`,
      /^in\.ndjson:3 (is not JSON \(nested too deeply\)|has a key or value nested too deeply)/,
    ],
  ];
  for (const [text, message] of cases) {
    let error: unknown;
    try {
      parseRecord(text, 'in.ndjson', 3);
    } catch (err) {
      error = err;
    }
    expect({ text: text.slice(0, 60), error: String((error as Error)?.message) }).toEqual({ text: text.slice(0, 60), error: expect.stringMatching(message) });
    expect((error as { code?: string }).code).toBe('invalid_input');
  }
});
