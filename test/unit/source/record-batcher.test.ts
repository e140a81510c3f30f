import { describe, expect, test } from 'bun:test';
import type { KafkaRecord } from '../../../src/cdc/index.ts';
import { RecordBatcher } from '../../../src/source/record-batcher.ts';

const records = (from: number, n: number): KafkaRecord[] =>
  Array.from({ length: n }, (_, i) => ({ topic: 't', partition: 0, offset: String(from + i), timestamp: 0, key: null, value: 'v' }));
const offsets = (batches: KafkaRecord[][]) => batches.map((b) => b.map((r) => Number(r.offset)));

describe('RecordBatcher', () => {
  test('a full batch goes out at once, split at maxRecords, in order', async () => {
    const delivered: KafkaRecord[][] = [];
    const batcher = new RecordBatcher({ maxLatencyMs: 60_000, maxRecords: 3 }, async (b) => void delivered.push(b));
    await batcher.add(records(0, 7));
    expect(batcher.pendingCount).toBe(1); // the two full batches are on their way
    await batcher.flush();
    expect(offsets(delivered)).toEqual([[0, 1, 2], [3, 4, 5], [6]]);
  });

  test('a batch also ends at maxBytes of keys and values, with the record that reaches it', async () => {
    const delivered: KafkaRecord[][] = [];
    const batcher = new RecordBatcher({ maxLatencyMs: 60_000, maxRecords: 100, maxBytes: 10 }, async (b) => void delivered.push(b));
    const sized = (offset: number, bytes: number): KafkaRecord => ({
      topic: 't',
      partition: 0,
      offset: String(offset),
      timestamp: 0,
      key: 'k',
      value: 'v'.repeat(bytes - 1),
    });
    await batcher.add([sized(0, 4), sized(1, 4), sized(2, 4), sized(3, 20), sized(4, 1)]);
    expect(batcher.pendingCount).toBe(1); // [0,1,2] reached 12 bytes, [3] 20: both full
    await batcher.flush();
    expect(offsets(delivered)).toEqual([[0, 1, 2], [3], [4]]);
  });

  test('a partial batch goes out maxLatencyMs after its first record', async () => {
    const delivered: { at: number; batch: KafkaRecord[] }[] = [];
    const batcher = new RecordBatcher({ maxLatencyMs: 50, maxRecords: 100 }, async (batch) => void delivered.push({ at: performance.now(), batch }));
    const start = performance.now();
    await batcher.add(records(0, 2));
    await Bun.sleep(20);
    await batcher.add(records(2, 1));
    expect(delivered).toEqual([]);
    await Bun.sleep(80);
    expect(offsets(delivered.map((d) => d.batch))).toEqual([[0, 1, 2]]);
    expect(delivered[0]!.at - start).toBeGreaterThanOrEqual(45);
    expect(delivered[0]!.at - start).toBeLessThan(1_000);
  });

  test('add waits while the earlier full batch is still being delivered (backpressure)', async () => {
    const releases: (() => void)[] = [];
    const batcher = new RecordBatcher({ maxLatencyMs: 60_000, maxRecords: 2 }, () => new Promise<void>((resolve) => releases.push(resolve)));
    await batcher.add(records(0, 2)); // first batch starts; nothing earlier to wait for
    let secondAccepted = false;
    const second = batcher.add(records(2, 2)).then(() => (secondAccepted = true));
    await Bun.sleep(10);
    expect(releases.length).toBe(1); // one delivery at a time
    expect(secondAccepted).toBe(false);
    releases[0]!();
    await second;
    expect(releases.length).toBe(2);
    releases[1]!();
    await batcher.flush();
  });

  test('a failed delivery stops the batcher and every later call rethrows it', async () => {
    const failure = new Error('disk full');
    let calls = 0;
    const batcher = new RecordBatcher({ maxLatencyMs: 60_000, maxRecords: 2 }, async () => {
      calls++;
      throw failure;
    });
    await batcher.add(records(0, 2));
    await expect(batcher.flush()).rejects.toBe(failure);
    await expect(batcher.add(records(2, 2))).rejects.toBe(failure);
    expect(calls).toBe(1);
  });
});

describe('RecordBatcher group commit', () => {
  test('caught-up records go out at once when the pipeline is idle, and gather while it is busy', async () => {
    const releases: (() => void)[] = [];
    const delivered: KafkaRecord[][] = [];
    const batcher = new RecordBatcher({ maxLatencyMs: 60_000, maxRecords: 100 }, (b) => {
      delivered.push(b);
      return new Promise<void>((resolve) => releases.push(resolve));
    });
    await batcher.add(records(0, 1), true);
    await Bun.sleep(1);
    expect(offsets(delivered)).toEqual([[0]]); // idle: no waiting for the latency budget
    await batcher.add(records(1, 2), true);
    await batcher.add(records(3, 1), true);
    await Bun.sleep(1);
    expect(delivered.length).toBe(1); // busy: they gather
    releases[0]!();
    await Bun.sleep(1);
    expect(offsets(delivered)).toEqual([[0], [1, 2, 3]]); // and go out together when it is free
    releases[1]!();
    await batcher.flush();
  });

  test('records that are not the newest wait for the batch to fill or the latency budget', async () => {
    const delivered: KafkaRecord[][] = [];
    const batcher = new RecordBatcher({ maxLatencyMs: 30, maxRecords: 100 }, async (b) => void delivered.push(b));
    await batcher.add(records(0, 5), false);
    await Bun.sleep(5);
    expect(delivered).toEqual([]);
    await Bun.sleep(60);
    expect(offsets(delivered)).toEqual([[0, 1, 2, 3, 4]]);
  });
});
