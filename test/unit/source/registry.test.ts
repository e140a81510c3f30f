import { expect, test } from 'bun:test';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../../src/core/log.ts';
import { SOURCES, type SourceSettings } from '../../../src/source/registry.ts';
import { FileSource } from '../../../src/source/file/file-source.ts';
import type { KafkaRecord } from '../../../src/cdc/index.ts';

const settings = (over: Partial<SourceSettings>): SourceSettings => ({
  topics: '.*',
  rate: 0,
  seed: 1,
  stateDir: '/nowhere',
  env: {},
  log: silentLogger,
  ...over,
});
const chosen = (s: SourceSettings) => SOURCES.find((e) => e.chosen(s))!.kind;

test('the settings choose the source: Kafka, then a file, else the embedded simulator', () => {
  expect(chosen(settings({ kafka: 'localhost:9092', file: 'x.ndjson' }))).toBe('kafka');
  expect(chosen(settings({ file: 'x.ndjson' }))).toBe('file');
  expect(chosen(settings({}))).toBe('embedded');
  expect(new Set(SOURCES.map((e) => e.kind)).size).toBe(SOURCES.length);
});

test('a file source delivers its records in order, in batches, then holds until stopped', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'lh-file-source-')), 'records.ndjson');
  const lines = Array.from({ length: 7 }, (_, i) =>
    JSON.stringify({ topic: 't', partition: 0, offset: i, timestamp: 1_700_000_000_000 + i, key: `{"id":${i}}`, value: null }),
  );
  writeFileSync(path, lines.join('\n') + '\n');
  const source = new FileSource(path, 3);
  const batches: KafkaRecord[][] = [];
  const stop = new AbortController();
  const running = source.run(async (b) => void batches.push(b), new Map(), stop.signal);
  while (batches.flat().length < 7) await Bun.sleep(5);
  expect(batches.map((b) => b.length)).toEqual([3, 3, 1]);
  expect(batches.flat().map((r) => Number(r.offset))).toEqual([0, 1, 2, 3, 4, 5, 6]);
  expect(source.info.kind).toBe('file');
  expect(source.lag()).toBe(0);
  let done = false;
  void running.then(() => (done = true));
  await Bun.sleep(20);
  expect(done).toBe(false);
  stop.abort();
  await running;
});
